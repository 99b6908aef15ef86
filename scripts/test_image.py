"""`make image-test`: build the container image and run compose.yaml as an operator would, then check it.

    .venv/bin/python scripts/test_image.py [--no-build] [--keep]

What it does, in order (each step prints a line; the first failure stops it with a non-zero status):
1. builds the image (scripts/image.sh) and, where no registry answers, the local PostgreSQL and nginx images;
2. writes fresh secrets (deploy/container/make-secrets.sh) into a scratch directory and starts every service
   of compose.yaml under its own project name, on ports of its own;
3. waits for /health/ through the proxy to say "ok" (the database migrated, the worker beating);
4. checks the image: it runs as the unprivileged user, holds no secret or CA bundle, and `check --deploy`
   finds no error in the running web container;
5. submits a report through the proxy (HTTPS, the real form), opens the follow-up link it shows, and sees the
   worker run the task the report queued (the mail to the outside contact, printed by the console mail backend);
6. makes the first admin with a one-off container (`compose run --rm web create_admin`) and signs in as them
   through the proxy (two-factor enrolment is where the sign-in leads);
7. restarts PostgreSQL under the running site: the worker keeps running (same container, not restarted), and the
   first request after the database is back is served: a second report is stored and shown;
8. restarts every container: the reports and their follow-up links are intact;
   (between 6 and 7, `compose run --rm web backup` writes a backup into the data volume);
9. reads the proxy's and the web server's logs: neither names a follow-up secret;
10. `compose down --volumes` (unless --keep).
"""

import argparse
import hashlib
import http.client
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "steward-imagetest"
HTTP_PORT, HTTPS_PORT = 18081, 18443
# A public-looking name (check --deploy refuses a local SITE_URL), reached on this machine: the test's browser
# connects to 127.0.0.1 and speaks TLS and HTTP for this name.
HOST = "conduct.example.test"
SITE = f"https://{HOST}:{HTTPS_PORT}"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
LINK = re.compile(r'id="follow-up-link"><a href="([^"]+)"')
REGISTRY = {"POSTGRES_IMAGE": "docker.io/library/postgres:17-trixie", "NGINX_IMAGE": "docker.io/library/nginx:stable"}
LOCAL = {"POSTGRES_IMAGE": ("localhost/steward-postgres:latest", "postgres"), "NGINX_IMAGE": ("localhost/steward-nginx:latest", "nginx")}


def step(text: str) -> None:
    print(f"-- {text}", flush=True)


def run(*command: str, env: dict[str, str] | None = None, check: bool = True, capture: bool = False) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, cwd=ROOT, env=env, check=False, text=True, capture_output=capture)  # noqa: S603 - our own commands
    if check and done.returncode:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout or ''}{done.stderr or ''}"[-6000:])
    return done


def podman_env() -> dict[str, str]:
    env = dict(os.environ)
    if run("podman", "run", "--rm", "--network=none", "localhost/steward:latest", "true", env=env, check=False, capture=True).returncode:
        env["CONTAINERS_CONF"] = str(ROOT / "deploy/podman/containers.conf")
    return env


def companion_images(env: dict[str, str]) -> dict[str, str]:
    """The PostgreSQL and nginx images: the registry's where one answers, else built here on the local base."""
    chosen = {}
    for variable, image in REGISTRY.items():
        if run("timeout", "60", "podman", "pull", "-q", image, env=env, check=False, capture=True).returncode == 0:
            chosen[variable] = image
            continue
        local, name = LOCAL[variable]
        step(f"no registry: building {local} (cached when unchanged)")
        folder = "deploy/container/local"
        run("podman", "build", "-q", "--format", "docker", "-t", local, "-f", f"{folder}/{name}.Containerfile", folder, env=env)
        chosen[variable] = local
    return chosen


def compose_command() -> list[str]:
    for candidate in (["podman-compose"], ["docker", "compose"]):
        if shutil.which(candidate[0]):
            return candidate
    sys.exit("neither podman-compose nor docker compose is installed (Debian: apt-get install podman-compose)")


class ThisMachine(http.client.HTTPSConnection):
    """HTTPS to HOST as it would be on the internet, but to 127.0.0.1: SNI, certificate check and Host name HOST."""

    def connect(self) -> None:
        raw = socket.create_connection(("127.0.0.1", self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)  # type: ignore[attr-defined]


class ThisMachineHandler(urllib.request.HTTPSHandler):
    def __init__(self, context: ssl.SSLContext) -> None:
        super().__init__(context=context)
        self.context = context

    def https_open(self, request: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(ThisMachine, request, context=self.context)


class Browser:
    """A browser with its own cookies that trusts the test's self-signed certificate (and nothing else)."""

    def __init__(self, certificate: Path) -> None:
        context = ssl.create_default_context(cafile=str(certificate))
        self.opener = urllib.request.build_opener(ThisMachineHandler(context), urllib.request.HTTPCookieProcessor(CookieJar()))

    def get(self, url: str) -> tuple[int, str]:
        return self.get_with_address(url)[:2]

    def get_with_address(self, url: str) -> tuple[int, str, str]:
        """The status, the page and the address it was finally served from (after redirects)."""
        try:
            with self.opener.open(url, timeout=30) as answer:
                return answer.status, answer.read().decode(), answer.url
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace"), url

    def post(self, url: str, fields: dict[str, str]) -> tuple[int, str]:
        return self.post_with_address(url, fields)[:2]

    def post_with_address(self, url: str, fields: dict[str, str]) -> tuple[int, str, str]:
        request = urllib.request.Request(url, data=urlencode(fields).encode(), headers={"Referer": url}, method="POST")  # noqa: S310 - https only
        try:
            with self.opener.open(request, timeout=60) as answer:
                return answer.status, answer.read().decode(), answer.url
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace"), url


def wait_for_health(browser: Browser, want: str = "ok", timeout: float = 300) -> dict[str, object]:
    deadline, last = time.monotonic() + timeout, dict[str, object]()
    while time.monotonic() < deadline:
        try:
            status, body = browser.get(f"{SITE}/health/")
            last = json.loads(body) if status in (200, 503) else {"http": status}
            if last.get("status") == want:
                return last
        except (OSError, ValueError) as error:
            last = {"error": str(error)}
        time.sleep(3)
    raise SystemExit(f"/health/ never said {want!r} within {timeout:.0f} s; last answer: {last}")


def submit_report(browser: Browser, marker: str) -> str:
    """Send a report through the real form and open the follow-up link its receipt shows."""
    status, form = browser.get(f"{SITE}/report/")
    token = TOKEN.search(form)
    if status != 200 or token is None:
        raise SystemExit(f"the report form answered {status} without a form")
    fields = {
        "csrfmiddlewaretoken": token.group(1),
        "body": f"In the project chat someone called me names after I disagreed with them. ({marker})",
        "involved": "A maintainer of the docs",
        "occurred_when": "Yesterday",
        "anonymous": "on",
        "website": "",
    }
    status, receipt = browser.post(f"{SITE}/report/", fields)
    link = LINK.search(receipt)
    if status != 200 or link is None:
        raise SystemExit(f"the report was not taken: {status}, {re.sub(r'<[^>]+>', ' ', receipt)[:300]}")
    path = urlsplit(link.group(1)).path
    status, page = browser.get(f"{SITE}{path}")
    if status != 200 or marker not in page:
        raise SystemExit(f"the follow-up link did not open the report ({status})")
    return path


def baked_in_secrets(env: dict[str, str]) -> list[str]:
    """Files in the image that should not be there: the build's CA secret, or a copy of this host's CA bundle."""
    host_bundle = hashlib.sha256(Path(os.environ.get("PIP_CERT") or "/etc/ssl/certs/ca-certificates.crt").read_bytes()).hexdigest()
    listing = run(
        *("podman", "run", "--rm", "--entrypoint", "/bin/sh", "localhost/steward:latest", "-c"),
        "ls /run/secrets 2>/dev/null; find / -xdev -type f \\( -name '*.pem' -o -name '*.crt' \\) -exec sha256sum {} +",
        env=env,
        capture=True,
        check=False,
    ).stdout.split("\n")
    return [line for line in listing if line and (host_bundle in line or "  " not in line)]


def worker_log(env: dict[str, str], name: str) -> str:
    done = run("podman", "logs", name, env=env, check=False, capture=True)
    return done.stdout + done.stderr


def wait_for(condition: object, what: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting until {what}")
        time.sleep(2)


def container(service: str) -> str:
    return f"{PROJECT}_{service}_1" if "podman-compose" in compose_command()[0] else f"{PROJECT}-{service}-1"


def inspect(env: dict[str, str], name: str, template: str) -> str:
    return run("podman", "inspect", name, "--format", template, env=env, capture=True).stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-build", action="store_true", help="use the images already built")
    parser.add_argument("--keep", action="store_true", help="leave the services running afterwards")
    options = parser.parse_args()
    if not options.no_build:
        step("building the image (scripts/image.sh)")
        run("scripts/image.sh", "steward:latest")
    env = podman_env()
    env.update(companion_images(env))
    scratch = Path(tempfile.mkdtemp(prefix="steward-imagetest-"))
    secrets = scratch / "secrets"
    env |= {
        "SITE_URL": SITE,
        "STEWARD_ALLOWED_HOSTS": HOST,
        "STEWARD_SECRETS_DIR": str(secrets),
        "STEWARD_HTTP_PORT": str(HTTP_PORT),
        "STEWARD_HTTPS_PORT": str(HTTPS_PORT),
        "STEWARD_IMAGE": "localhost/steward:latest",
        # No mail server here: mail is printed in the worker's log, where the test sees the worker run its tasks.
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
    }
    run("deploy/container/make-secrets.sh", str(secrets), env=env)
    compose = [*compose_command(), "--project-name", PROJECT, "--file", str(ROOT / "compose.yaml")]
    try:
        step("compose up")
        run(*compose, "down", "--volumes", env=env, check=False, capture=True)  # what an interrupted run left
        run(*compose, "up", "-d", env=env, capture=True)
        browser = Browser(secrets / "tls" / "fullchain.pem")
        health = wait_for_health(browser)
        step(f"/health/ through the proxy: {health}")

        web, worker, db, proxy = (container(name) for name in ("web", "worker", "db", "proxy"))
        user = run("podman", "exec", web, "id", "-un", env=env, capture=True).stdout.strip()
        assert user == "steward", f"the web container runs as {user}"
        assert not baked_in_secrets(env), "the image holds a secret or the build host's CA bundle"
        deploy = run("podman", "exec", web, "python", "manage.py", "check", "--deploy", env=env, check=False, capture=True)
        # The one error allowed is the test's own choice: mail printed by the console backend (mail.E001).
        errors = [line for line in re.findall(r"\(([a-z_]+\.E\d+)\)", deploy.stdout + deploy.stderr) if line != "mail.E001"]
        assert not errors, f"check --deploy in the web container:\n{deploy.stdout}{deploy.stderr}"
        step(f"image: runs as {user}; no secret or CA bundle inside; check --deploy finds no error")

        mails_before = worker_log(env, worker).count("Subject:")
        first = submit_report(browser, "imagetest-first")
        wait_for(lambda: worker_log(env, worker).count("Subject:") > mails_before, "the worker ran the report's mail task")
        step("a report through the proxy: stored, its follow-up link opens it, and the worker ran the task it queued")

        password = "first admin passphrase for the image test"
        run(*compose, "run", "--rm", "-e", f"STEWARD_ADMIN_PASSWORD={password}", "web", "create_admin", "--username", "ada",
            "--email", "ada@example.org", "--no-input", env=env, capture=True)  # fmt: skip
        admin = Browser(secrets / "tls" / "fullchain.pem")
        status, login = admin.get(f"{SITE}/accounts/login/")
        token = TOKEN.search(login)
        assert status == 200 and token, f"the sign-in page answered {status}"
        fields = {"csrfmiddlewaretoken": token.group(1), "username": "ada", "password": password}
        status, _page, landed = admin.post_with_address(f"{SITE}/accounts/login/", fields)
        assert status == 200 and "/accounts/security/two-factor/" in landed, f"signing in led to {landed} ({status})"
        step("the first admin, made by a one-off container, signs in through the proxy (and is led to two-factor enrolment)")

        backup = run(*compose, "run", "--rm", "web", "backup", "/var/lib/steward/", env=env, capture=True)
        assert "Backup written" in backup.stdout and "the postgresql database (1 cases" in backup.stdout, backup.stdout[-1500:]
        step("a backup from a one-off container: the PostgreSQL database (pg_dump in the image) and the evidence volume")

        worker_id, worker_restarts = inspect(env, worker, "{{.Id}}"), inspect(env, worker, "{{.RestartCount}}")
        run("podman", "restart", "--time", "5", db, env=env, capture=True)
        step("PostgreSQL restarted under the running site")
        ready = time.monotonic() + 60
        while run("podman", "exec", db, "pg_isready", "--host=127.0.0.1", env=env, check=False, capture=True).returncode:
            assert time.monotonic() < ready, "PostgreSQL did not come back within a minute"
            time.sleep(1)
        # The first request after the database is back must work: web processes drop their dead connections
        # (CONN_HEALTH_CHECKS) rather than answering 500 on them.
        second = submit_report(browser, "imagetest-second")
        health = wait_for_health(browser)
        still = inspect(env, worker, "{{.Id}}") == worker_id and inspect(env, worker, "{{.State.Running}}") == "true"
        assert still and inspect(env, worker, "{{.RestartCount}}") == worker_restarts, "the worker did not survive the database restart"
        step(f"after the restart: a second report stored and shown, the worker still running and beating ({health})")

        run(*compose, "restart", env=env, capture=True)
        wait_for_health(browser)
        for path, marker in ((first, "imagetest-first"), (second, "imagetest-second")):
            reader = Browser(secrets / "tls" / "fullchain.pem")  # a browser that never opened it: the link itself must work
            status, page = reader.get(f"{SITE}{path}")
            assert status == 200 and marker in page, f"after restarting every container, {path.split('/')[2]} answered {status}"
        step("every container restarted: both reports and their follow-up links intact")

        logs = run("podman", "logs", proxy, env=env, capture=True)
        logs_web = run("podman", "logs", web, env=env, capture=True)
        for path in (first, second):
            secret = path.rstrip("/").rsplit("/", 1)[-1]
            for name, text in (("proxy", logs.stdout + logs.stderr), ("web", logs_web.stdout + logs_web.stderr)):
                assert secret not in text, f"the {name} log names a follow-up secret"
        step("no follow-up secret in the proxy's or the web server's logs")
        print("image test passed")
        return 0
    finally:
        if not options.keep:
            run(*compose, "down", "--volumes", env=env, check=False, capture=True)
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
