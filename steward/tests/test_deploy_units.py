"""The shipped supervision (deploy/systemd/, Procfile) is well-formed and runs what docs/operations.md says.

`systemd-analyze verify` (Debian's systemd package) reads the units as systemd would: unknown keys, bad values,
calendar specifications, commands that are not executable. It needs the units' paths to exist, so they are
verified in a copy pointing at this checkout. Beyond what it checks: every ExecStart names a real `manage.py`
command with options that command accepts (or the gunicorn line the docs give), no value carries a trailing
comment (systemd would pass `# ...` to the program as arguments), the web and worker restart always, and
every safety-net command the docs list has a timer.
"""

import os
import re
import shlex
import shutil
import subprocess
from configparser import ConfigParser
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import get_commands, load_command_class

pytestmark = pytest.mark.database_free

ROOT = Path(settings.BASE_DIR)
UNITS = ROOT / "deploy" / "systemd"
OPERATIONS = (ROOT / "docs" / "operations.md").read_text()
SAFETY_NET = {"tick_clocks", "tick_enforcement", "poll_spaces", "audit_checkpoint"}  # docs/operations.md, "Deploying"
HARDENING = {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "PrivateTmp": "yes", "ReadWritePaths": "/srv/steward/var"}


def documented_gunicorn() -> list[str]:
    [line] = [line for line in OPERATIONS.splitlines() if line.startswith("gunicorn steward.wsgi:application")]
    return shlex.split(line)


def unit(path: Path) -> ConfigParser:
    parser = ConfigParser(strict=False, interpolation=None, comment_prefixes=("#", ";"), inline_comment_prefixes=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    parser.read_string(path.read_text())
    return parser


def services() -> list[Path]:
    return sorted(UNITS.glob("*.service"))


def check_manage_command(argv: list[str]) -> str:
    """`argv` is `python manage.py NAME ARGS...`; NAME must be a command and ARGS parse as its options."""
    assert argv[1] == "manage.py", argv
    name, args = argv[2], argv[3:]
    commands = get_commands()
    assert name in commands, f"{name} is not a manage.py command"
    # systemd fills these in: the host name and the instance (steward-worker@1) and the environment's words.
    filled = [arg.replace("%H", "host").replace("%i", "1") for arg in args if not arg.startswith("$")]
    load_command_class(commands[name], name).create_parser("manage.py", name).parse_args(filled)
    return name


def test_every_unit_runs_a_real_command_from_the_checkout() -> None:
    started = set()
    for path in services():
        service = unit(path)["Service"]
        assert service["WorkingDirectory"] == "/srv/steward" and service["EnvironmentFile"] == "/etc/steward/env", path.name
        assert service["User"] == "steward", path.name
        for key, value in HARDENING.items():
            assert service.get(key) == value, f"{path.name}: {key}"
        argv = shlex.split(service["ExecStart"])
        if path.name == "steward-web.service":
            assert argv == ["/srv/steward/.venv/bin/gunicorn", *documented_gunicorn()[1:]], "the gunicorn line of docs/operations.md"
        else:
            assert argv[0] == "/srv/steward/.venv/bin/python", path.name
            started.add(check_manage_command(argv))
    assert started == {"db_worker", *SAFETY_NET}


def test_no_value_carries_a_comment() -> None:
    for path in [*services(), *UNITS.glob("*.timer")]:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if "=" in line and not line.lstrip().startswith(("#", ";")):
                assert not re.search(r"\s[#;]", line), f"{path.name}:{number}: systemd would pass the comment on: {line}"


def test_web_and_workers_restart_always_and_workers_stop_gracefully() -> None:
    for name in ("steward-web.service", "steward-worker@.service"):
        service = unit(UNITS / name)["Service"]
        assert service["Restart"] == "always" and int(service["RestartSec"]) > 0, name
    worker = unit(UNITS / "steward-worker@.service")
    assert "--worker-id %H-%i" in worker["Service"]["ExecStart"], "a unique id per machine and instance"
    assert worker["Service"]["KillSignal"] == "SIGTERM" and int(worker["Service"]["TimeoutStopSec"]) >= 60
    assert worker["Unit"]["StartLimitIntervalSec"] == "0", "systemd never gives up restarting a worker"


def test_every_safety_net_command_has_a_timer() -> None:
    timed = set()
    for timer in UNITS.glob("*.timer"):
        service = UNITS / timer.name.replace(".timer", ".service")
        assert service.exists(), f"{timer.name} starts {service.name}, which is not shipped"
        assert unit(timer)["Timer"]["OnCalendar"], timer.name
        assert unit(service)["Service"]["Type"] == "oneshot"
        timed.add(shlex.split(unit(service)["Service"]["ExecStart"])[2])
    assert timed == SAFETY_NET
    assert unit(UNITS / "steward-tick-clocks.timer")["Timer"]["OnCalendar"] == "*:0/5", "every few minutes"
    assert unit(UNITS / "steward-audit-checkpoint.timer")["Timer"]["OnCalendar"] == "daily"


def test_the_docs_point_at_every_shipped_unit() -> None:
    for path in [*services(), *UNITS.glob("*.timer")]:
        assert f"deploy/systemd/{path.name}" in OPERATIONS or path.name in OPERATIONS, f"docs/operations.md never names {path.name}"
    assert "ExecStart=" not in OPERATIONS, "the docs point at the shipped units instead of a copy that can drift"


def test_the_procfile_runs_the_documented_processes() -> None:
    entries = dict(line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip() and not line.startswith("#"))
    assert set(entries) == {"web", "worker"}
    web = shlex.split(entries["web"])
    bind = web.index("--bind")
    documented = documented_gunicorn()
    assert web[:bind] + web[bind + 2 :] == documented[: documented.index("--bind")] + documented[documented.index("--bind") + 2 :]
    assert web[bind + 1] == "0.0.0.0:${PORT:-8000}", "a platform's router reaches the port it hands the process"
    assert check_manage_command(shlex.split(entries["worker"])) == "db_worker"


def test_systemd_verifies_the_units(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        reason = "systemd-analyze is not installed (Debian: apt-get install systemd, or `make system-deps`)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{reason}: in CI the units must be verified")
        pytest.skip(reason)
    for path in [*services(), *UNITS.glob("*.timer")]:
        name = path.name.replace("@.service", "@1.service")  # a template is verified as one of its instances
        (tmp_path / name).write_text(path.read_text().replace("/srv/steward", str(ROOT)))
    checked = sorted(str(path) for path in tmp_path.iterdir())
    done = subprocess.run([analyze, "verify", "--man=no", *checked], capture_output=True, text=True, timeout=120)
    # Every complaint counts: systemd "ignores" a bad line and carries on, which in production is a unit without it.
    complaints = [line for line in done.stderr.splitlines() if "EnvironmentFile" not in line]
    assert done.returncode == 0 and not complaints, done.stderr
