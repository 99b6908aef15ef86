"""`manage.py create_admin`: the first admin steward, or finishing a user `createsuperuser` made.

A Django superuser alone cannot sign in: Steward's sign-in and its admin ask for an active steward
profile (people.access). This command makes the user and the profile together (person record, e-mail
identity for recusal, admin role), through people.actions so it is audited like any steward created
in the admin. The password never goes on the command line: it is asked for, or read from a file or
from STEWARD_ADMIN_PASSWORD, so it stays out of shell history and the process list.
"""

import getpass
import os
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from people.actions import do_create_steward, do_make_steward
from people.models import StewardProfile

PASSWORD_ENV = "STEWARD_ADMIN_PASSWORD"
ACTOR_LABEL = "manage.py create_admin"


class Command(BaseCommand):
    help = (
        "Create an admin steward who can sign in (user, steward profile, person record), or make an existing "
        "user without a steward profile (one createsuperuser made) an admin steward."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument(
            "--email", default="", help="their e-mail address: linked to their person record, so they are recused from cases naming it"
        )
        parser.add_argument("--name", default="", help="the name other stewards see (default: the user name)")
        parser.add_argument(
            "--password-file", help=f"read the password from the first line of this file (or set {PASSWORD_ENV}); otherwise it is asked for"
        )
        parser.add_argument(
            "--no-input", action="store_false", dest="interactive", help="never prompt; fail if no password is given another way"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["username"].strip()
        public_name = options["name"].strip() or username
        user = get_user_model().objects.filter(username__iexact=username).first()
        if user is not None and StewardProfile.objects.filter(user=user).exists():
            raise CommandError(f"{user.get_username()} is already a steward; change their role in /admin/ (Stewards).")
        password = self._password(options, needed=user is None or not user.has_usable_password(), username=username)
        try:
            if user is None:
                profile = do_create_steward(
                    None,
                    username=username,
                    email=options["email"].strip(),
                    public_name=public_name,
                    password=password,
                    is_admin=True,
                    actor_label=ACTOR_LABEL,
                )
            else:
                if options["email"].strip():
                    user.email = options["email"].strip()
                if password is not None:
                    user.set_password(password)
                profile = do_make_steward(None, user, public_name=public_name, is_admin=True, actor_label=ACTOR_LABEL)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        verb = "created" if user is None else "set up (the user existed without a steward profile)"
        self.stdout.write(self.style.SUCCESS(f"Admin steward {profile.user.get_username()} {verb}."))
        if not profile.user.email:
            self.stdout.write(
                self.style.WARNING("No e-mail address: link their identities in /admin/ (Stewards), so cases naming them recuse them.")
            )
        site = settings.SITE_URL
        self.stdout.write(f"Sign in at {site}{reverse('accounts:login')}; the admin is at {site}{reverse('admin:index')}.")
        if settings.STEWARD_REQUIRE_2FA:
            self.stdout.write(
                "Two-factor sign-in is required (STEWARD_REQUIRE_2FA): the first sign-in asks for an authenticator app "
                "(a QR code to scan, then a code) before any steward page opens."
            )

    def _password(self, options: dict[str, Any], *, needed: bool, username: str) -> str | None:
        """The new password from the file, the environment or a prompt; None keeps an existing user's own."""
        password: str | None = None
        if options["password_file"]:
            try:
                password = Path(options["password_file"]).read_text(encoding="utf-8").splitlines()[0]
            except (OSError, IndexError, UnicodeDecodeError) as exc:
                raise CommandError(f"Cannot read a password from {options['password_file']}.") from exc
        elif os.environ.get(PASSWORD_ENV):
            password = os.environ[PASSWORD_ENV]
        elif not needed:
            return None
        elif options["interactive"] and sys.stdin.isatty():
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The two passwords differ.")
        else:
            raise CommandError(f"No password: give --password-file, set {PASSWORD_ENV}, or run this in a terminal to be asked.")
        if not password:
            raise CommandError("The password is empty.")
        try:
            password_validation.validate_password(password, get_user_model()(username=username, email=options["email"]))
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        return password
