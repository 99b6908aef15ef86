#!/usr/bin/env python
"""Steward's page benchmark (docs/performance.md): build a data set, serve it as production does, measure.

For each scale (cases x stewards) it builds the data set once into its own database (manage.py
benchmark_data), counts the queries of every page in-process, starts gunicorn exactly as `make run` does
on a free port, and times each page with sequential then concurrent requests as a signed-in steward.

    .venv/bin/python scripts/benchmark.py --scales 1000x5,1000x50,100000x5
    .venv/bin/python scripts/benchmark.py --database postgres --postgres postgres://steward:steward@127.0.0.1:54339
"""

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from steward.serving import GUNICORN_ARGS  # noqa: E402 - the server command of the Makefile's `run` target

PYTHON = sys.executable
BENCH_DIR = ROOT / "var" / "bench"


def database_url(args: argparse.Namespace, cases: int, stewards: int) -> str:
    if args.database == "postgres":
        return f"{args.postgres.rstrip('/')}/bench_{cases}_{stewards}"
    return f"sqlite:///{BENCH_DIR / f'sqlite-{cases}-{stewards}.sqlite3'}"


def environment(url: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "steward.benchmark_settings", "PYTHONPATH": str(ROOT)}


def manage(url: str, *command: str) -> None:
    subprocess.run([PYTHON, "manage.py", *command], cwd=ROOT, env=environment(url), check=True, stdout=sys.stderr)  # noqa: S603


def ensure_built(args: argparse.Namespace, cases: int, stewards: int) -> str:
    """The data set's database, built on first use (a marker file says it is complete)."""
    url = database_url(args, cases, stewards)
    marker = BENCH_DIR / f"{args.database}-{cases}-{stewards}.built"
    if marker.exists():
        # Brought up to the code's schema as an operator's database is on upgrade (data migrations included).
        manage(url, "migrate", "--no-input", "--verbosity", "0")
        return url
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    if args.database == "postgres":
        _create_postgres_database(args.postgres, f"bench_{cases}_{stewards}")
    else:
        for leftover in BENCH_DIR.glob(f"sqlite-{cases}-{stewards}.sqlite3*"):
            leftover.unlink()  # an unfinished build
    manage(url, "migrate", "--no-input", "--verbosity", "0")
    manage(url, "load_policy")
    manage(url, "benchmark_data", "--cases", str(cases), "--stewards", str(stewards), "--events-per-case", str(args.events_per_case))
    marker.write_text(time.strftime("%Y-%m-%d %H:%M:%S\n"))
    return url


def _create_postgres_database(server: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{server.rstrip('/')}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(url: str, port: int) -> subprocess.Popen[bytes]:
    command = [str(Path(PYTHON).parent / "gunicorn"), *GUNICORN_ARGS, "--bind", f"127.0.0.1:{port}"]
    server = subprocess.Popen(command, cwd=ROOT, env=environment(url), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise RuntimeError("gunicorn did not start")


def timed_requests(port: int, path: str, cookie: str, count: int, budget: float) -> list[float]:
    """`count` requests on one keep-alive connection (fewer if `budget` seconds run out): seconds each."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    times: list[float] = []
    stop = time.monotonic() + budget
    while len(times) < count and time.monotonic() < stop:
        started = time.perf_counter()
        conn.request("GET", path, headers={"Cookie": cookie})
        response = conn.getresponse()
        response.read()
        times.append(time.perf_counter() - started)
        if response.status != 200:
            raise RuntimeError(f"{path} answered {response.status}")
    conn.close()
    return times


def concurrent_requests(port: int, path: str, cookie: str, clients: int, count: int, budget: float) -> list[float]:
    results: list[list[float]] = [[] for _ in range(clients)]

    def run(n: int) -> None:
        results[n] = timed_requests(port, path, cookie, count, budget)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [t for times in results for t in times]


def percentile(times: list[float], share: float) -> float:
    if not times:
        return float("nan")
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def measure_scale(args: argparse.Namespace, cases: int, stewards: int) -> dict[str, Any]:
    """Runs in a child process (one Django setup per database): queries in-process, then timings over HTTP."""
    url = ensure_built(args, cases, stewards)
    os.environ.update(environment(url))
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    from steward.benchdata.pages import choose_pages, count_queries, session_cookie

    setup_test_environment()  # the test client's response.content and ALLOWED_HOSTS 'testserver'
    pages = choose_pages()
    rows = []
    for page in pages:
        counted = count_queries(page)
        rows.append(
            {
                "page": page.name,
                "url": page.url,
                "status": counted.status,
                "bytes": counted.size,
                "queries": counted.queries,
                "found": counted.found,
            }
        )
    if not args.queries_only:
        port = free_port()
        cookies = {page.username: "=".join(session_cookie(page.username)) for page in pages}
        manage(url, "collectstatic", "--no-input", "--verbosity", "0")  # as `make run` does before serving
        server = serve(url, port)
        try:
            for page, row in zip(pages, rows, strict=True):
                cookie = cookies[page.username]
                timed_requests(port, page.url, cookie, 3, args.budget)  # warm up both workers' caches
                sequential = timed_requests(port, page.url, cookie, args.requests, args.budget)
                parallel = concurrent_requests(port, page.url, cookie, args.concurrency, args.requests // args.concurrency, args.budget)
                row.update(
                    n=len(sequential),
                    p50=percentile(sequential, 0.5),
                    p95=percentile(sequential, 0.95),
                    mean=statistics.fmean(sequential) * 1000,
                    concurrent_p95=percentile(parallel, 0.95),
                )
        finally:
            server.terminate()
            server.wait(timeout=30)
    return {"database": args.database, "cases": cases, "stewards": stewards, "rows": rows}


def print_timings(result: dict[str, Any]) -> None:
    rows = result["rows"]
    bare = next((row for row in rows if row["page"] == "bare page"), None)
    print(f"\n{result['database']}, {result['cases']} cases, {result['stewards']} stewards")
    # The target compares p95s ("x bare"); a bare page's p95 is a few milliseconds and one slow request moves it, so
    # the ratio of the medians is printed beside it ("x bare p50").
    header = (
        f"{'page':44} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'conc p95':>9} {'x bare':>7} {'x bare p50':>10} {'bytes':>10} {'queries':>7}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        if not row["found"] or row["status"] != 200:
            print(f"  ! {row['page']}: answered {row['status']}{'' if row['found'] else ' without the case it looks for'}")
        if "p95" not in row:
            print(f"{row['page']:44} {'':>4} {'':>8} {'':>8} {'':>9} {'':>7} {'':>10} {row['bytes']:>10} {row['queries']:>7}")
            continue
        ratio = row["p95"] / bare["p95"] if bare and bare.get("p95") else float("nan")
        ratio_p50 = row["p50"] / bare["p50"] if bare and bare.get("p50") else float("nan")
        print(
            f"{row['page']:44} {row['n']:>4} {row['p50']:>8.1f} {row['p95']:>8.1f} {row['concurrent_p95']:>9.1f} "
            f"{ratio:>7.1f} {ratio_p50:>10.1f} {row['bytes']:>10} {row['queries']:>7}"
        )


def print_queries(results: list[dict[str, Any]]) -> None:
    """Queries per page side by side across scales: constant work per page means one number per row."""
    if len(results) < 2:
        return
    print("\nqueries per page")
    names = [f"{r['cases']}x{r['stewards']}" for r in results]
    print(f"{'page':44} " + " ".join(f"{name:>12}" for name in names))
    kinds = [row["page"].split(" (")[0] if row["page"].startswith("case page") else row["page"] for row in results[0]["rows"]]
    for index, kind in enumerate(kinds):
        counts = [r["rows"][index]["queries"] if index < len(r["rows"]) else "-" for r in results]
        label = "case with ~1,000 events" if kind.startswith("case with") else kind
        print(f"{label:44} " + " ".join(f"{count:>12}" for count in counts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="100000x5", help="comma-separated CASESxSTEWARDS, e.g. 1000x5,1000x50,100000x5")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres", default="postgres://steward:steward@127.0.0.1:54339", help="server URL (no database name)")
    parser.add_argument("--events-per-case", type=int, default=10)
    parser.add_argument("--requests", type=int, default=100, help="sequential requests per page (and in total, concurrently)")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--budget", type=float, default=20.0, help="at most this many seconds per page and phase")
    parser.add_argument("--queries-only", action="store_true", help="count queries, start no server")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        cases, stewards = (int(part) for part in args.child.split("x"))
        print(json.dumps(measure_scale(args, cases, stewards)))
        return
    results = []
    for scale in args.scales.split(","):
        command = [PYTHON, __file__, *sys.argv[1:], "--child", scale.strip()]
        output = subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True).stdout  # noqa: S603 - this script
        result = json.loads(output.strip().splitlines()[-1])
        results.append(result)
        print_timings(result)
    print_queries(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
