"""The production server's own logs (gunicorn, started as `make run` starts it) keep no secret and no address.

A reporter is promised that no address or browser is kept with their report (REQUIREMENTS 2.3), and a
follow-up or party link read from a log opens the portal. The requests below are those a reporter and a
reported person make: the form, a report, the follow-up link typed in, the link itself, a stylesheet loaded by
that page (its Referer is the link), the party link. Plain gunicorn access logging records all of it.
"""

from pathlib import Path

import httpx
import pytest
from django.conf import settings

from cases.actions import InvolvedPerson, do_add_party
from cases.models import Case, PartyRole
from letters.actions import do_create_party_link
from people.models import Space
from steward.serving import GUNICORN_ARGS, gunicorn_command_line
from steward.tests.real_servers import receipt, running_gunicorn, submit_report

CLIENT = "203.0.113.77"  # the address the proxy names (X-Forwarded-For); gunicorn itself sees 127.0.0.1
BROWSER = "Mozilla/5.0 (DistinctiveTestBrowser) SnoopyAgent/7.7.7"


@pytest.mark.django_db(transaction=True)
def test_gunicorn_logs_no_secret_and_no_address(tmp_path: Path, stewards: dict) -> None:
    headers = {"User-Agent": BROWSER, "X-Forwarded-For": CLIENT}
    with (
        running_gunicorn(tmp_path, STEWARD_TRUSTED_PROXIES="127.0.0.1") as served,
        httpx.Client(base_url=served.url, headers=headers, timeout=60) as browser,
    ):
        browser.get("/report/?q=SEARCHWORDS")  # a query string (a steward's search, `?q=` a handle) is not logged
        for page in ("/", "/report/", "/health/"):  # HEAD answers like GET, without the body (issue 19, item 5)
            head = browser.head(page)
            assert (head.status_code, head.content) == (200, b""), page
        reference, secret = receipt(submit_report(browser, "Someone mocked my accent at the meetup."))
        link = f"/follow-up/{reference}/{secret}/"
        start = browser.get("/follow-up/")
        typed = browser.post(
            "/follow-up/",
            data={"csrfmiddlewaretoken": browser.cookies["csrftoken"], "reference": reference, "code": secret},
            headers={"Referer": served.url + "/follow-up/"},
        )
        assert start.status_code == 200 and typed.status_code == 303
        opened = browser.get(link)  # the link opens the page in this browser, then leads to it without the secret
        assert opened.status_code == 303 and browser.get(opened.headers["Location"]).status_code == 200
        browser.get("/static/steward/steward.css", headers={"Referer": served.url + link})
        case = Case.objects.get(reports__reference=reference)
        party = do_add_party(stewards["dave"], case, InvolvedPerson(PartyRole.REPORTED, "Ivan", Space.GITHUB, "ivan-gh"))
        token = do_create_party_link(stewards["dave"], case, party).token
        assert browser.get(f"/party/{token}/", follow_redirects=True).status_code == 200
    access_log = served.stdout.read_text()
    assert access_log.count('"GET ') >= 4 and '"POST /report/ ' in access_log, "the access log is on and records the requests"
    everything = served.logs()
    for leak in (secret, reference, token, CLIENT, BROWSER, "SnoopyAgent", "SEARCHWORDS"):
        assert leak not in everything, f"{leak!r} is in gunicorn's logs"
    assert "127.0.0.1" not in access_log, "not even the proxy's address: a line per request would tie a time to it"
    assert "/follow-up/[redacted]" in access_log and "/party/[redacted]" in access_log


def test_make_run_and_the_docs_start_gunicorn_as_the_tests_do() -> None:
    """One command everywhere (steward/serving.py): a server started by hand from the docs logs as the one tested."""
    makefile = (settings.BASE_DIR / "Makefile").read_text()
    operations = (settings.BASE_DIR / "docs" / "operations.md").read_text()
    assert gunicorn_command_line("$(HOST):$(PORT)") in makefile
    assert gunicorn_command_line("127.0.0.1:8000") in operations
    config = GUNICORN_ARGS[GUNICORN_ARGS.index("--config") + 1]
    assert (settings.BASE_DIR / config).is_file()
