"""The shipped reverse-proxy configuration, run: nginx in front of gunicorn in front of Steward (issue 19, items 2 and 5).

The configuration is the one `manage.py proxy_config nginx` prints (the shipped files are its output for the
example site), with a test certificate, high ports and a temporary prefix. A reporter sends an 8 MB screenshot
through the real form (nginx's default limit is 1 MB: 413, and the report lost), opens the follow-up link, loads a
stylesheet from it (Referer: the link); then, with gunicorn gone, opens the link again (502, which nginx's error
log would record with the address and the link). No log of either server holds the secret or an address.
The same journey runs through Caddy with the generated Caddyfile.
"""

import io
import os
import pwd
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.core.management import call_command

from cases.models import Evidence
from steward.proxy_config import ProxySite, request_body_limit
from steward.testing import free_port
from steward.tests.real_servers import Served, need_binary, receipt, running_gunicorn, stop, submit_report, wait_for

DEPLOY = settings.BASE_DIR / "deploy"
CLIENT = "203.0.113.77"
SCREENSHOT = b"\x89PNG\r\n\x1a\n" + os.urandom(8 * 1024 * 1024)  # 8 MB: eight times nginx's default limit


def test_the_shipped_files_are_what_proxy_config_prints_for_the_example_site() -> None:
    for proxy, shipped in (("nginx", DEPLOY / "nginx" / "steward.conf"), ("caddy", DEPLOY / "caddy" / "Caddyfile")):
        out = io.StringIO()
        call_command("proxy_config", proxy, "--example", stdout=out)
        assert out.getvalue() == shipped.read_text(), f"{shipped} is stale: python manage.py proxy_config {proxy} --example > {shipped}"


def test_compose_s_nginx_is_what_proxy_config_prints_for_the_container() -> None:
    """deploy/container/nginx.conf (compose.yaml's proxy) comes from the same template: same body limit, same logs."""
    out, shipped = io.StringIO(), Path(settings.BASE_DIR) / "deploy/container/nginx.conf"
    call_command("proxy_config", "nginx", "--container", stdout=out)
    assert out.getvalue() == shipped.read_text(), f"{shipped} is stale: python manage.py proxy_config nginx --container > {shipped}"
    text = shipped.read_text()
    assert "access_log /dev/stdout steward;" in text and "error_log /dev/stderr crit;" in text
    # The web container is found by name at each request (its address changes when it restarts), not once at start.
    assert "resolver ${STEWARD_DNS}" in text and "proxy_pass $steward_web;" in text and "upstream " not in text
    assert f"client_max_body_size {request_body_limit() // 2**20}m;" in text and "alias " not in text


def test_the_body_limit_follows_steward_s_upload_settings(settings) -> None:
    largest_report = settings.STEWARD_EVIDENCE_MAX_FILES * settings.STEWARD_EVIDENCE_MAX_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert request_body_limit() > largest_report
    assert f"client_max_body_size {request_body_limit() // 2**20}m;" in ProxySite("a.example").nginx()
    settings.STEWARD_EVIDENCE_MAX_FILES, settings.STEWARD_EVIDENCE_MAX_BYTES = 10, 25 * 2**20
    assert "client_max_body_size 254m;" in ProxySite("a.example").nginx()
    assert "max_size 254MiB" in ProxySite("a.example").caddy()


def test_proxy_config_fills_in_this_site(settings) -> None:
    settings.SITE_URL, settings.SITE_URL_CONFIGURED = "https://coc.community.example", True
    out = io.StringIO()
    call_command("proxy_config", "nginx", stdout=out)
    text = out.getvalue()
    assert "server_name coc.community.example;" in text and f"alias {settings.STATIC_ROOT}/;" in text
    assert "{{" not in text


def test_caddy_validates_the_shipped_caddyfile(tmp_path: Path) -> None:
    caddy = need_binary("caddy")
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path), "HOME": str(tmp_path)}
    done = subprocess.run(
        [caddy, "validate", "--adapter", "caddyfile", "--config", str(DEPLOY / "caddy" / "Caddyfile")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and "Valid configuration" in done.stdout + done.stderr, done.stderr[-2000:]


def nginx_main_config(prefix: Path, site: str) -> str:
    """The parts of nginx.conf that are the system's (Debian's /etc/nginx/nginx.conf), on a private prefix."""
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""  # root would run workers as nobody
    mime = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").exists() else ""
    temp = "\n".join(f"    {kind}_temp_path {prefix}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (
        f"{user}pid {prefix}/nginx.pid;\nerror_log {prefix}/logs/main-error.log;\nevents {{}}\n"
        f"http {{\n    {mime}\n{temp}\n    include {site};\n}}\n"
    )


@contextmanager
def running_nginx(prefix: Path, upstream_port: int, static_root: Path) -> Iterator[str]:
    nginx = need_binary("nginx", "/usr/sbin/nginx")
    (prefix / "logs").mkdir(parents=True)
    certificate, key = prefix / "cert.pem", prefix / "key.pem"
    openssl = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"]
    subprocess.run(
        [*openssl, "-keyout", str(key), "-out", str(certificate)],
        check=True,
        capture_output=True,
    )
    https_port = free_port()
    site = io.StringIO()
    call_command(
        "proxy_config",
        "nginx",
        *("--server-name", "localhost", "--upstream", f"127.0.0.1:{upstream_port}", "--static-root", str(static_root)),
        *("--certificate", str(certificate), "--certificate-key", str(key), "--bind-address", "127.0.0.1"),
        *("--http-port", str(free_port()), "--https-port", str(https_port), "--log-dir", str(prefix / "logs")),
        stdout=site,
    )
    (prefix / "steward.conf").write_text(site.getvalue())
    (prefix / "nginx.conf").write_text(nginx_main_config(prefix, str(prefix / "steward.conf")))
    command = [nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", str(prefix / "logs" / "startup.log")]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, f"nginx -t refused the generated configuration:\n{checked.stderr}"
    process = subprocess.Popen([*command, "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"https://localhost:{https_port}"
    try:
        wait_for(url + "/static/probe.txt", process, "nginx", prefix / "logs" / "startup.log", verify=False)
        yield url
    finally:
        stop(process)


def static_root(tmp_path: Path) -> Path:
    root = tmp_path / "static"
    root.mkdir()
    (root / "probe.txt").write_text("served by the proxy")
    return root


PROXIED = {"STEWARD_TRUSTED_PROXIES": "127.0.0.1", "BEHIND_TLS_PROXY": "true", "ALLOWED_HOSTS": "localhost"}


def a_reporter_through(url: str, served: Served) -> tuple[str, str]:
    """HEAD, an 8 MB screenshot through the real form, the link, a stylesheet it loads, a missing one; then the
    link again with gunicorn stopped (502: what error logs record). The report's (reference, secret)."""
    headers = {"X-Forwarded-For": CLIENT, "User-Agent": "SnoopyAgent/7.7.7"}
    with httpx.Client(base_url=url, verify=False, headers=headers, timeout=120) as browser:  # the test's certificate
        head = browser.head("/report/")
        assert (head.status_code, head.content) == (200, b"")
        answer = submit_report(browser, "A screenshot of the thread is attached.", [("thread.png", SCREENSHOT, "image/png")])
        assert answer.status_code != 413, "the proxy refused the report's body"
        reference, secret = receipt(answer)
        stored = Evidence.objects.filter(case__reports__reference=reference)
        assert [evidence.size for evidence in stored] == [len(SCREENSHOT)]
        link = f"/follow-up/{reference}/{secret}/"
        portal = browser.get(link, follow_redirects=True)
        assert portal.status_code == 200 and "thread.png" in portal.text
        assert browser.get("/static/probe.txt", headers={"Referer": url + link}).text == "served by the proxy"
        assert browser.get("/static/missing.css", headers={"Referer": url + link}).status_code == 404
        served.stop()  # now an error log would record the failed request: address, link and referrer
        assert browser.get(link, headers={"Referer": url + link}).status_code == 502
    for leak in (secret, reference, CLIENT, "SnoopyAgent"):
        assert leak not in served.logs(), f"{leak!r} is in gunicorn's logs"
    return reference, secret


@pytest.mark.django_db(transaction=True)
def test_a_report_with_an_8_mb_file_through_nginx_and_no_secret_or_address_in_any_log(tmp_path: Path) -> None:
    with running_gunicorn(tmp_path, **PROXIED) as served, running_nginx(tmp_path / "nginx", served.port, static_root(tmp_path)) as url:
        reference, secret = a_reporter_through(url, served)
    logs_dir = tmp_path / "nginx" / "logs"
    access = (logs_dir / "steward.access.log").read_text()
    assert '"POST /report/ HTTP/1.1" 200' in access and '"GET /follow-up/[redacted] HTTP/1.1" 303' in access
    nginx_logs = "".join(path.read_text() for path in logs_dir.glob("*.log"))
    for leak in (secret, reference, CLIENT, "127.0.0.1", "SnoopyAgent"):
        assert leak not in nginx_logs, f"{leak!r} is in nginx's logs"


@contextmanager
def running_caddy(directory: Path, upstream_port: int, static: Path) -> Iterator[tuple[str, Path]]:
    """The generated Caddyfile, with the global options a test needs (ports, no admin endpoint, its own storage)."""
    caddy = need_binary("caddy")
    (directory / "logs").mkdir(parents=True)
    https_port, site = free_port(), io.StringIO()
    call_command(
        "proxy_config",
        "caddy",
        *("--server-name", "localhost", "--upstream", f"127.0.0.1:{upstream_port}", "--static-root", str(static)),
        *("--https-port", str(https_port), "--log-dir", str(directory / "logs")),
        stdout=site,
    )
    options = (
        f"admin off\n\tskip_install_trust\n\thttp_port {free_port()}\n\thttps_port {https_port}\n\tstorage file_system {directory}/data"
    )
    text = site.getvalue().replace("\n{\n\tlog default {", f"\n{{\n\t{options}\n\tlog default {{", 1)
    assert options in text, "the generated Caddyfile starts its global options with the default log"
    (directory / "Caddyfile").write_text(text)
    env = {**os.environ, "XDG_DATA_HOME": str(directory), "XDG_CONFIG_HOME": str(directory), "HOME": str(directory)}
    output = directory / "logs" / "caddy.out"
    with output.open("wb") as out:
        process = subprocess.Popen(
            [caddy, "run", "--adapter", "caddyfile", "--config", str(directory / "Caddyfile")],
            cwd=directory,
            env=env,
            stdout=out,
            stderr=out,
        )
    url = f"https://localhost:{https_port}"
    try:
        wait_for(url + "/static/probe.txt", process, "caddy", output, verify=False)
        yield url, directory / "logs"
    finally:
        stop(process)


@pytest.mark.django_db(transaction=True)
def test_a_report_with_an_8_mb_file_through_caddy_and_no_secret_or_address_in_any_log(tmp_path: Path) -> None:
    with (
        running_gunicorn(tmp_path, **PROXIED) as served,
        running_caddy(tmp_path / "caddy", served.port, static_root(tmp_path)) as (url, logs_dir),
    ):
        reference, secret = a_reporter_through(url, served)
    access = (logs_dir / "steward.access.log").read_text()
    assert '"method":"POST","host":"localhost' in access and '"uri":"/follow-up/"' in access and '"status":502' in access
    caddy_logs = access + (logs_dir / "caddy.out").read_text()
    for leak in (secret, reference, CLIENT, "SnoopyAgent", "remote_ip", "client_ip", "Referer", "Cookie"):
        assert leak not in caddy_logs, f"{leak!r} is in Caddy's logs"
