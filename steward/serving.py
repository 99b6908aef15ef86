"""The production server's command line, named once: `make run`, docs/operations.md, the benchmark and the
load script start gunicorn with exactly these arguments (a test checks the Makefile and the docs against it).

`--config gunicorn.conf.py` (the repository's) sets the access log and the logger class that keeps client
addresses and follow-up secrets out of it (steward/gunicorn_logging.py).
"""

GUNICORN_ARGS = (
    "steward.wsgi:application",
    "--config",
    "gunicorn.conf.py",
    "--workers",
    "2",
    "--threads",
    "4",
    "--graceful-timeout",
    "20",
)


def gunicorn_command_line(bind: str = "127.0.0.1:8000") -> str:
    """The command as an operator types it (docs/operations.md), binding `bind`."""
    first, *rest = GUNICORN_ARGS
    return " ".join(["gunicorn", first, "--bind", bind, *rest])
