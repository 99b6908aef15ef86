import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from policy.models import PolicyVersion
from policy.tests.helpers import DEFAULT, POLICIES, default_text, replace_line


def _broken(tmp_path: Path) -> tuple[Path, int]:
    text, line = replace_line(default_text(), "needs_period: true", "needs_period: sometimes")
    path = tmp_path / "ai.yaml"
    path.write_text(text, encoding="utf-8")
    return path, line


@pytest.mark.django_db
def test_load_policy_default_then_again() -> None:
    out = StringIO()
    call_command("load_policy", stdout=out)
    assert "Loaded AI Alliance Code of Conduct version 1.0" in out.getvalue()
    out = StringIO()
    call_command("load_policy", str(DEFAULT), stdout=out)
    assert "already loaded" in out.getvalue()
    assert PolicyVersion.objects.count() == 1


@pytest.mark.django_db
def test_load_policy_after_an_upgrade_changed_the_file_but_not_its_version(tmp_path: Path) -> None:
    call_command("load_policy", stdout=StringIO())
    text, _ = replace_line(default_text(), "acknowledge_hours: 24", "acknowledge_hours: 12")
    path = tmp_path / "ai-alliance.yaml"
    path.write_text(text, encoding="utf-8")
    out = StringIO()
    call_command("load_policy", str(path), stdout=out)
    assert "Loaded AI Alliance Code of Conduct version 1.0+2" in out.getvalue()
    assert 'still says version "1.0"' in out.getvalue()
    out = StringIO()
    call_command("load_policy", str(path), stdout=out)
    assert "version 1.0+2 is already loaded; nothing changed" in out.getvalue()
    assert list(PolicyVersion.objects.order_by("id").values_list("version", flat=True)) == ["1.0", "1.0+2"]


@pytest.mark.django_db
def test_load_policy_reports_problems_and_fails(tmp_path: Path) -> None:
    path, line = _broken(tmp_path)
    err = StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("load_policy", str(path), stderr=err)
    assert f'{path}:{line}: ladder[1].needs_period: expected true or false, got "sometimes"' in err.getvalue()
    assert not PolicyVersion.objects.exists()


def test_check_policy_exit_codes(tmp_path: Path) -> None:
    # A real process, so the exit status is what a shell or CI job would see.
    manage = Path(settings.BASE_DIR) / "manage.py"
    ok = subprocess.run(
        [sys.executable, str(manage), "check_policy", str(POLICIES / "contributor-covenant-2.1.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert "valid" in ok.stdout
    path, line = _broken(tmp_path)
    bad = subprocess.run([sys.executable, str(manage), "check_policy", str(path)], capture_output=True, text=True, check=False)
    assert bad.returncode == 1
    assert f"{path}:{line}: ladder[1].needs_period:" in bad.stderr


def test_system_check_flags_invalid_and_placeholder_policy(settings: object, tmp_path: Path) -> None:
    from policy.checks import policy_contacts_real, policy_file_valid

    assert policy_file_valid(None) == []
    assert {m.id for m in policy_contacts_real(None)} == {"policy.W001"}
    path, _ = _broken(tmp_path)
    settings.STEWARD_POLICY_FILE = path  # type: ignore[attr-defined]
    (error,) = policy_file_valid(None)
    assert error.id == "policy.E001" and "needs_period" in error.msg
