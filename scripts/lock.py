"""Pin every transitive dependency after changing pyproject.toml: `make lock`.

Two sets, so that what runs the product (and the container image) carries no test or lint tools:
- requirements.lock: the packages Steward needs at run time (pyproject's `dependencies`);
- requirements-dev.lock: what the tests, linters and type checker add on top (the `dev` extra).

Both are resolved in a fresh virtual environment, never from the developer's own one, so a package
installed by hand there cannot slip into the pins. Indirect dependencies keep their current pins (so
changing one direct pin changes only what it must); `--upgrade` resolves them all afresh.
"""

import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = {
    "requirements.lock": "# Exact versions of what Steward needs at run time (direct pins live in pyproject.toml).\n",
    "requirements-dev.lock": "# Exact versions of what the tests and linters add to requirements.lock (pyproject.toml's dev extra).\n",
}


def _requirements(names: list[str]) -> list[str]:
    return [name.split("#")[0].strip() for name in names if name.split("#")[0].strip()]


def _freeze(python: Path) -> set[str]:
    out = subprocess.run([python, "-m", "pip", "freeze", "--exclude-editable"], check=True, capture_output=True, text=True)  # noqa: S603 - pip of our own venv
    return {line for line in out.stdout.splitlines() if line and not line.startswith("#")}


def _install(python: Path, requirements: list[str], constraints: Path | None) -> None:
    extra = ["--constraint", str(constraints)] if constraints else []
    subprocess.run([python, "-m", "pip", "install", "--quiet", *extra, *requirements], check=True)  # noqa: S603 - pip of our own venv


def _name(requirement: str) -> str:
    return re.split(r"[=<>!~\[; ]", requirement, maxsplit=1)[0].strip().lower().replace("_", "-")


def _current_indirect_pins(direct: list[str]) -> list[str]:
    """The pins of the current lock files, less the packages pyproject.toml names (their pins may have changed)."""
    named = {_name(requirement) for requirement in direct}
    pins = []
    for name in HEADER:
        path = ROOT / name
        if path.exists():
            pins += [line for line in path.read_text().splitlines() if line and not line.startswith("#")]
    return [pin for pin in pins if _name(pin) not in named]


def _write(name: str, pins: set[str]) -> None:
    text = HEADER[name] + "# Regenerate both with: make lock\n" + "".join(f"{pin}\n" for pin in sorted(pins, key=str.lower))
    (ROOT / name).write_text(text)
    print(f"{name}: {len(pins)} packages")


def main() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime_direct = _requirements(project["dependencies"])
    dev_direct = _requirements(project["optional-dependencies"]["dev"])
    with tempfile.TemporaryDirectory(prefix="steward-lock-") as scratch:
        constraints = None
        if "--upgrade" not in sys.argv:
            constraints = Path(scratch) / "constraints.txt"
            constraints.write_text("\n".join(_current_indirect_pins(runtime_direct + dev_direct)) + "\n")
        venv = Path(scratch) / "venv"
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)  # noqa: S603 - a scratch venv
        python = venv / "bin" / "python"
        _install(python, runtime_direct, constraints)
        runtime = _freeze(python)
        _install(python, dev_direct, constraints)
        everything = _freeze(python)
    _write("requirements.lock", runtime)
    _write("requirements-dev.lock", everything - runtime)


if __name__ == "__main__":
    main()
