#!/usr/bin/env python
"""Many reporters at once against a running Steward, then a check in the database that nothing was lost.

    .venv/bin/python scripts/load_reporters.py http://127.0.0.1:8000          # against `make run`
    .venv/bin/python scripts/load_reporters.py --serve                        # starts its own server
    .venv/bin/python scripts/load_reporters.py --serve --kill-after 25        # kill -9 mid-flood, restart

Each reporter slot (--reporters, default 50) submits the real public form again and again for
--seconds (default 60), each time as a new reporter: a fresh browser (no cookies), GET the form,
take its CSRF token, POST it the way a browser does (multipart, the honeypot left empty, no file
chosen), and read the receipt the POST answers with (the reference and the follow-up link). Every
fourth reporter is anonymous; the others give a name and an address unique to them. There is no
think time: this is a flood, not a day's traffic.

Flood control counts per client address (steward/ratelimit.py, STEWARD_REPORT_* settings), and
every request here comes from this machine. Rather than switch the limit off, each reporter is sent
as its own client: the script names a distinct address in `X-Forwarded-For`, which Steward believes
only from a trusted proxy, so the server must run with `STEWARD_TRUSTED_PROXIES=127.0.0.1` (--serve
sets it). Against a server without it every reporter counts as one client and, past
STEWARD_REPORT_HARD_LIMIT (20 an hour), gets the "please wait" form (429): the script counts those
apart and says so (or start the server with STEWARD_REPORT_HARD_LIMIT raised).

Then, in the server's database (this script must run with the same DATABASE_URL / STEWARD_VAR_DIR):
- zero 5xx answers;
- zero receipts without a report: every reference shown is stored, with the text that reporter sent;
- zero reports without a receipt: every report stored since the run began was shown to a reporter
  (with --kill-after: except reports whose reporter's POST was cut off by the kill, which are listed);
- nothing half-stored: each report has its case, its "report.received" audit event, its deadlines,
  and each deadline its queued reminder and escalation tasks;
- every follow-up link shown opens the reporter's report (a sample of 50, through HTTP).

--serve prepares a fresh SQLite database in a new directory (or migrates DATABASE_URL when set),
loads the policy and the demo stewards, and runs what `make run` runs: gunicorn (2 workers, 4
threads) and `manage.py db_worker`. --kill-after S sends SIGKILL to both, and to every gunicorn
worker, S seconds into the flood, starts them again at once and lets the flood go on.
"""

import argparse
import contextlib
import itertools
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from steward.serving import GUNICORN_ARGS  # noqa: E402 - the server command of the Makefile's `run` target

PYTHON = sys.executable
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
REFERENCE = re.compile(r'id="follow-up-reference">([^<]+)<')
LINK = re.compile(r'id="follow-up-link"><a href="([^"]+)"')


@dataclass
class Receipt:
    reference: str
    link: str
    marker: str


@dataclass
class Tally:
    receipts: list[Receipt] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    connection_errors: int = 0
    posts_cut_off: list[str] = field(default_factory=list)  # markers whose POST got no answer (in doubt)
    forms_again: list[str] = field(default_factory=list)  # a 200 answer that was not a receipt (the form, with errors)
    latencies: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


# --- The server (--serve) ----------------------------------------------------------------------------


class Server:
    """gunicorn and db_worker as `make run` starts them, each in its own process group so SIGKILL reaches all."""

    def __init__(self, url: str, env: dict[str, str], log_dir: Path) -> None:
        self.url, self.env, self.log_dir = url, env, log_dir
        self.processes: list[subprocess.Popen[bytes]] = []
        self.starts = 0

    def manage(self, *args: str) -> None:
        subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=self.env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603 - our own commands

    def prepare(self) -> None:
        self.manage("migrate", "--no-input")
        self.manage("load_policy")
        self.manage("load_demo")
        self.manage("collectstatic", "--no-input")
        self.manage("tick_clocks")  # as `make run`: queues the clocks' sweep and the worker's heartbeat

    def start(self) -> None:
        self.starts += 1
        parts = urlsplit(self.url)
        bind = f"{parts.hostname}:{parts.port or 80}"
        log = (self.log_dir / f"server-{self.starts}.log").open("ab")
        gunicorn = [str(Path(PYTHON).parent / "gunicorn"), *GUNICORN_ARGS, "--bind", bind]
        for command in ([PYTHON, "manage.py", "db_worker"], gunicorn):
            self.processes.append(
                subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)  # noqa: S603
            )
        wait_until_up(self.url)

    def kill(self) -> None:
        """kill -9 of everything, as a power cut or the OOM killer would: no graceful shutdown, no rollback."""
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        self.processes = []

    def stop(self) -> None:
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        self.processes = []


def wait_until_up(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/health/", timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"The server at {url} did not answer within {timeout:.0f} s.")


# --- The reporters --------------------------------------------------------------------------------------


def one_report(url: str, number: int, run: str, tally: Tally) -> None:
    """One new reporter: their own browser and address, the form, the POST, the receipt."""
    marker = f"load-{run}-{number:06d}"
    address = f"10.{(number >> 16) & 255}.{(number >> 8) & 255}.{number & 255}"
    anonymous = number % 4 == 0
    headers = {"X-Forwarded-For": address, "User-Agent": "steward-load-reporters"}
    posted = False
    try:
        with httpx.Client(base_url=url, headers=headers, timeout=120, follow_redirects=False) as browser:
            form = browser.get("/report/")
            with tally.lock:
                tally.statuses[form.status_code] += 1
            token = TOKEN.search(form.text)
            if form.status_code != 200 or token is None:
                return
            data = {
                "csrfmiddlewaretoken": token.group(1),
                "body": f"At the meetup someone kept talking over me and mocked my accent. ({marker})",
                "involved": "A regular, I do not know their name.",
                "occurred_when": "Last Tuesday evening",
                "website": "",  # the honeypot: people leave it empty
            }
            if anonymous:
                data["anonymous"] = "on"
            else:
                data |= {"reporter_name": f"Reporter {number}", "reporter_email": f"reporter{number}@example.net"}
            started = time.monotonic()
            posted = True
            # A browser sends the form as multipart, with an empty part for the file input when no file is chosen.
            answer = browser.post("/report/", data=data, files={"evidence": ("", b"", "application/octet-stream")})
            took = time.monotonic() - started
    except httpx.HTTPError:
        with tally.lock:
            tally.connection_errors += 1
            if posted:
                tally.posts_cut_off.append(marker)
        time.sleep(0.2)
        return
    reference, link = REFERENCE.search(answer.text), LINK.search(answer.text)
    with tally.lock:
        tally.statuses[answer.status_code] += 1
        tally.latencies.append(took)
        if answer.status_code == 200 and reference and link:
            tally.receipts.append(Receipt(reference.group(1), link.group(1), marker))
        elif answer.status_code == 200:
            problems = re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', answer.text, re.S)
            tally.forms_again.append(re.sub(r"<[^>]+>", " ", " ".join(problems)).strip()[:200] or "no receipt in the answer")


def flood(url: str, reporters: int, seconds: float, run: str, tally: Tally, on_tick: object = None) -> None:
    numbers = itertools.count(1)
    next_number = threading.Lock()
    stop_at = time.monotonic() + seconds

    def reporter_slot() -> None:
        while time.monotonic() < stop_at:
            with next_number:
                number = next(numbers)
            one_report(url, number, run, tally)

    slots = [threading.Thread(target=reporter_slot, daemon=True) for _ in range(reporters)]
    for slot in slots:
        slot.start()
    if callable(on_tick):
        on_tick()
    for slot in slots:
        slot.join()


# --- The checks -------------------------------------------------------------------------------------------


def check_database(tally: Tally, since: datetime) -> dict[str, object]:
    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "steward.settings")
    django.setup()
    from django_tasks_db.models import DBTaskResult

    from audit.models import Event
    from cases.models import Report
    from clocks.models import Deadline
    from clocks.tasks import escalate_deadline, remind_deadline

    stored = {report.reference: report for report in Report.objects.filter(submitted_at__gte=since).select_related("case")}
    shown = {receipt.reference: receipt for receipt in tally.receipts}
    without_report = sorted(set(shown) - set(stored))
    wrong_text = sorted(ref for ref, receipt in shown.items() if ref in stored and receipt.marker not in stored[ref].body)
    without_receipt = sorted(set(stored) - set(shown))
    cut_off = set(tally.posts_cut_off)
    unexplained = [ref for ref in without_receipt if not any(marker in stored[ref].body for marker in cut_off)]

    case_ids = {report.case_id for report in stored.values()}
    received = set(Event.objects.filter(kind="report.received", case_id__in=case_ids).values_list("case_id", flat=True))
    deadlines = dict(Deadline.objects.filter(case_id__in=case_ids).values_list("pk", "case_id"))
    queued: Counter[tuple[str, int]] = Counter()
    for path, args in DBTaskResult.objects.filter(task_path__in=[remind_deadline.module_path, escalate_deadline.module_path]).values_list(
        "task_path", "args_kwargs"
    ):
        if args["args"] and args["args"][0] in deadlines:
            queued[(path, args["args"][0])] += 1
    half_stored = sorted(
        report.reference
        for report in stored.values()
        if report.case_id not in received
        or not any(case == report.case_id for case in deadlines.values())
        or any(
            case == report.case_id and not (queued[(remind_deadline.module_path, pk)] and queued[(escalate_deadline.module_path, pk)])
            for pk, case in deadlines.items()
        )
    )
    return {
        "stored": len(stored),
        "receipts": len(shown),
        "receipts_without_report": without_report,
        "receipts_with_other_text": wrong_text,
        "reports_without_receipt": without_receipt,
        "reports_without_receipt_unexplained": unexplained,
        "half_stored": half_stored,
        "deadlines_checked": len(deadlines),
        "deadline_tasks_queued": sum(queued.values()),
    }


def check_links(url: str, tally: Tally, sample: int = 50) -> list[str]:
    """Open a sample of the follow-up links shown: each must open its reporter's report."""
    failures = []
    site = urlsplit(url)
    for receipt in tally.receipts[:: max(1, len(tally.receipts) // sample)][:sample]:
        path = urlsplit(receipt.link).path  # the link names SITE_URL; ask the server under test
        with httpx.Client(timeout=60, follow_redirects=True) as browser:  # the link opens the page (a session), then leads there
            answer = browser.get(f"{site.scheme}://{site.netloc}{path}")
        if answer.status_code != 200 or receipt.marker not in answer.text:
            failures.append(receipt.reference)
    return failures


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url", nargs="?", default="http://127.0.0.1:8000", help="the server (default %(default)s)")
    parser.add_argument("--reporters", type=int, default=50, help="concurrent reporters (default %(default)s)")
    parser.add_argument("--seconds", type=float, default=60, help="length of the flood (default %(default)s)")
    parser.add_argument("--serve", action="store_true", help="start gunicorn and the worker here, on a fresh database")
    parser.add_argument("--kill-after", type=float, metavar="S", help="kill -9 the server S seconds in, restart it (implies --serve)")
    parser.add_argument("--var-dir", help="with --serve on SQLite: where the database goes (default: a new temporary directory)")
    options = parser.parse_args()
    url = options.url.rstrip("/")

    server = None
    if options.serve or options.kill_after is not None:
        var_dir = Path(options.var_dir or tempfile.mkdtemp(prefix="steward-load-"))
        var_dir.mkdir(parents=True, exist_ok=True)
        parts = urlsplit(url)
        env = {
            **os.environ,
            "STEWARD_VAR_DIR": str(var_dir),
            "HOST": parts.hostname or "127.0.0.1",
            "PORT": str(parts.port or 80),
            "STEWARD_TRUSTED_PROXIES": "127.0.0.1",  # each reporter is its own client (see the docstring)
            "DJANGO_SETTINGS_MODULE": "steward.settings",
        }
        os.environ.update({key: env[key] for key in ("STEWARD_VAR_DIR", "DJANGO_SETTINGS_MODULE")})
        server = Server(url, env, var_dir)
        database = os.environ.get("DATABASE_URL", f"SQLite in {var_dir}")
        print(f"Preparing {database.split('@')[-1]} (migrate, policy, demo stewards)...", flush=True)
        server.prepare()
        server.start()
        print(f"Serving at {url}: gunicorn 2 workers x 4 threads and db_worker; logs in {var_dir}", flush=True)

    since = datetime.now(UTC)
    run = since.strftime("%H%M%S")
    tally = Tally()
    kills: list[float] = []

    def killer() -> None:
        if server is None or options.kill_after is None:
            return
        time.sleep(options.kill_after)
        print(f"kill -9 of gunicorn (master and workers) and db_worker at {options.kill_after:.0f} s", flush=True)
        server.kill()
        kills.append(time.monotonic())
        server.start()
        print(f"restarted; answering again {time.monotonic() - kills[0]:.1f} s after the kill", flush=True)

    print(f"{options.reporters} reporters for {options.seconds:.0f} s against {url} ...", flush=True)
    started = time.monotonic()
    try:
        flood(url, options.reporters, options.seconds, run, tally, on_tick=lambda: threading.Thread(target=killer, daemon=True).start())
        elapsed = time.monotonic() - started
        link_failures = check_links(url, tally)
        health = httpx.get(url + "/health/", timeout=30).text
    finally:
        if server is not None:
            server.stop()
    result = check_database(tally, since)

    errors_5xx = sum(count for status, count in tally.statuses.items() if status >= 500)
    posts = len(tally.latencies)
    print()
    print(f"reports submitted (POST answered): {posts} in {elapsed:.0f} s = {posts / elapsed:.1f}/s")
    print(f"POST latency p50 {percentile(tally.latencies, 0.5) * 1000:.0f} ms, p95 {percentile(tally.latencies, 0.95) * 1000:.0f} ms")
    print(f"answers by status: {dict(sorted(tally.statuses.items()))}")
    print(f"5xx answers: {errors_5xx}")
    print(f"connection errors: {tally.connection_errors} (of them POSTs cut off, in doubt: {len(tally.posts_cut_off)})")
    if tally.statuses.get(429):
        print(f"flood control refused {tally.statuses[429]}: start the server with STEWARD_TRUSTED_PROXIES=127.0.0.1 (see --help)")
    print(f"receipts shown: {result['receipts']}; reports stored since the start: {result['stored']}")
    for key in ("receipts_without_report", "receipts_with_other_text", "reports_without_receipt", "half_stored"):
        values = result[key]
        assert isinstance(values, list)
        print(f"{key.replace('_', ' ')}: {len(values)}{' ' + ', '.join(values[:10]) if values else ''}")
    print(f"POSTs answered 200 without a receipt (the form again): {len(tally.forms_again)} {tally.forms_again[:1]}")
    print(f"deadlines of the stored reports checked: {result['deadlines_checked']}, their tasks queued: {result['deadline_tasks_queued']}")
    print(f"/health/ at the end: {health}")
    print(f"follow-up links that did not open their report (sample of 50): {len(link_failures)}")
    unexplained = result["reports_without_receipt_unexplained"]
    assert isinstance(unexplained, list)
    if result["reports_without_receipt"]:
        print(f"  of the reports without a receipt, not from a POST cut off by the kill: {len(unexplained)}")
    ok = (
        errors_5xx == 0
        and not result["receipts_without_report"]
        and not result["receipts_with_other_text"]
        and not unexplained
        and not result["half_stored"]
        and not link_failures
        and not tally.forms_again
        and (options.kill_after is not None or tally.connection_errors == 0)
        and posts > 0
    )
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
