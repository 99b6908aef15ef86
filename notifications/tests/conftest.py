"""A report made through the public form with identifying details planted in every field, and the worker's queue."""

from typing import Any

from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from cases.models import Case

# Strings that identify the report, its reporter or the people in it: none may appear in any alert.
REPORT_TEXT = "Zanzibar-ferret said awful things in the planning call"
REPORTER_NAME = "Quintessa Reporterly"
REPORTER_EMAIL = "quintessa@reporters.example"
PARTY_NAME = "Mallory Partyname"
PARTY_HANDLE = "mallory-planted"
PLANTED = (REPORT_TEXT, "Zanzibar", REPORTER_NAME, "Quintessa", REPORTER_EMAIL, PARTY_NAME, PARTY_HANDLE, "Mallory", "Trolling", "trolling")


def run_worker() -> None:
    """One batch of the real task worker on the test database (what `manage.py db_worker` does)."""
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def submit(stewards: dict[str, Any], *, excluded: tuple[str, ...] = ("carol",), named_steward: str = "bob") -> Case:
    """A report through the web form: `named_steward` is named in it (by GitHub handle), `excluded` are kept away."""
    form = {
        "body": REPORT_TEXT,
        "reporter_name": REPORTER_NAME,
        "reporter_email": REPORTER_EMAIL,
        "categories": ["trolling-insults"],
        "involved_1_role": "reported",
        "involved_1_name": PARTY_NAME,
        "involved_1_space": "github",
        "involved_1_handle": PARTY_HANDLE,
        "excluded_stewards": [stewards[name].pk for name in excluded],
    }
    if named_steward:
        form |= {"involved_2_role": "witness", "involved_2_name": named_steward.title(), "involved_2_space": "github"}
        form["involved_2_handle"] = named_steward
    response = Client().post(reverse("intake:report"), form)
    assert response.status_code == 200, response.content.decode()[:2000]
    return Case.objects.order_by("-pk").first()  # type: ignore[return-value]
