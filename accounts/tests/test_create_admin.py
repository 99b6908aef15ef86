"""The first admin: `manage.py create_admin`, and users `createsuperuser` made, reach the steward pages and /admin/.

Each test signs in through the real sign-in page (and, when 2FA is required, the enrolment page) rather
than force_login: the promise is that the documented next step after the command works.
"""

import re
import subprocess
import sys
from base64 import b32decode
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django_otp.oath import totp

from accounts.tests.conftest import sign_in
from audit.log import verify_chain
from audit.models import Event
from conftest import TEST_AUDIT_KEY
from enforcement.tests.workers import worker_env
from people.access import is_admin_steward
from people.models import Identity, Space

NEW_PASSWORD = "a long first admin passphrase 4711"


@pytest.fixture
def password_file(tmp_path: Path) -> Path:
    path = tmp_path / "admin-password"
    path.write_text(NEW_PASSWORD + "\n", encoding="utf-8")
    return path


def reaches_steward_pages_and_admin(client: Client) -> None:
    assert client.get("/cases/").status_code == 200
    response = client.get("/admin/")
    assert response.status_code == 200 and "Steward administration" in response.content.decode()
    assert client.get("/admin/people/stewardprofile/").status_code == 200


def sign_in_through_the_page(client: Client, username: str, password: str = NEW_PASSWORD) -> Any:
    assert client.get("/accounts/login/").status_code == 200
    response = sign_in(client, username, password)
    assert response.status_code == 302, response.content.decode()[-2000:]
    return response


def test_create_admin_then_sign_in(db: Any, password_file: Path) -> None:
    out = StringIO()
    call_command("create_admin", "--username", "root", "--email", "Root@Example.org", "--password-file", str(password_file), stdout=out)
    assert "Admin steward root created" in out.getvalue() and "/accounts/login/" in out.getvalue()
    user = User.objects.get(username="root")
    assert is_admin_steward(user) and user.steward_profile.public_name == "root"
    assert Identity.objects.filter(person=user.steward_profile.person, space=Space.EMAIL, handle="root@example.org").exists()
    event = Event.objects.get(kind="steward.created")
    assert event.actor_label == "manage.py create_admin" and event.data == {"username": "root", "admin": True}
    client = Client()
    sign_in_through_the_page(client, "root")
    reaches_steward_pages_and_admin(client)
    assert verify_chain().ok


def test_with_two_factor_required_the_first_sign_in_enrols(db: Any, settings: Any, password_file: Path) -> None:
    settings.STEWARD_REQUIRE_2FA = True
    out = StringIO()
    call_command("create_admin", "--username", "root", "--password-file", str(password_file), stdout=out)
    assert "Two-factor sign-in is required" in out.getvalue()
    client = Client()
    sign_in_through_the_page(client, "root")
    # Every steward page sends them to set up the second factor first, /admin/ included.
    for path in ("/cases/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/security/two-factor/")
    page = client.get("/accounts/security/two-factor/").content.decode()
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    key = b32decode(secret + "=" * (-len(secret) % 8))
    response = client.post("/accounts/security/two-factor/?next=/admin/", {"token": f"{totp(key):06d}"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    reaches_steward_pages_and_admin(client)
    assert Event.objects.filter(kind="auth.2fa_enabled", actor__username="root").exists()


def test_create_admin_in_a_process_with_the_password_from_the_environment(transactional_db: Any, settings: Any) -> None:
    # A separate process on the test database, as an operator runs it: no prompt without a terminal, no password in argv.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]  # what the process hashes with
    manage = str(Path(settings.BASE_DIR) / "manage.py")
    env = worker_env(STEWARD_AUDIT_KEYS=TEST_AUDIT_KEY)
    env.pop("STEWARD_ADMIN_PASSWORD", None)
    refused = subprocess.run(
        [sys.executable, manage, "create_admin", "--username", "root", "--email", "root@example.org"],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode == 1 and "No password" in refused.stderr
    assert not User.objects.filter(username="root").exists()
    done = subprocess.run(
        [sys.executable, manage, "create_admin", "--username", "root", "--email", "root@example.org", "--no-input"],
        env={**env, "STEWARD_ADMIN_PASSWORD": NEW_PASSWORD},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    client = Client()
    sign_in_through_the_page(client, "root")
    reaches_steward_pages_and_admin(client)
    assert verify_chain().ok


def test_a_weak_or_missing_password_is_refused(db: Any, tmp_path: Path) -> None:
    weak = tmp_path / "weak"
    weak.write_text("root\n")
    with pytest.raises(CommandError, match=r"too similar|too short|too common"):
        call_command("create_admin", "--username", "root", "--password-file", str(weak), stdout=StringIO())
    with pytest.raises(CommandError, match="No password"):
        call_command("create_admin", "--username", "root", "--no-input", stdout=StringIO())
    assert not User.objects.filter(username="root").exists()


def test_a_createsuperuser_user_is_told_how_to_finish_and_then_signs_in(db: Any, settings: Any) -> None:
    settings.STEWARD_REQUIRE_2FA = True
    call_command("createsuperuser", "--username", "root", "--email", "root@example.org", "--no-input", stdout=StringIO())
    user = User.objects.get(username="root")
    user.set_password(NEW_PASSWORD)
    user.save()
    client = Client()
    # The right password: the page says what to run (a wrong one still gets the one generic refusal).
    response = sign_in(client, "root", NEW_PASSWORD)
    assert response.status_code == 200
    assert "python manage.py create_admin --username root" in response.content.decode()
    assert "create_admin" not in sign_in(Client(), "root", "wrong password").content.decode()
    # Their own password is kept; the command finishes the profile and audits it.
    call_command("create_admin", "--username", "root", "--no-input", stdout=StringIO())
    event = Event.objects.get(kind="steward.created")
    assert event.data == {"username": "root", "admin": True, "existing_user": True}
    sign_in_through_the_page(client, "root")
    assert client.get("/admin/")["Location"].startswith("/accounts/security/two-factor/")
    device_page = client.get("/accounts/security/two-factor/").content.decode()
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', device_page).group(1).replace(" ", "")
    key = b32decode(secret + "=" * (-len(secret) % 8))
    assert client.post("/accounts/security/two-factor/", {"token": f"{totp(key):06d}"}).status_code == 302
    reaches_steward_pages_and_admin(client)
    with pytest.raises(CommandError, match="already a steward"):
        call_command("create_admin", "--username", "root", "--no-input", stdout=StringIO())
