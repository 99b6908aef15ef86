"""The committee's chat channel hears of a new case by code name and link, once; never when a steward is
hard-conflicted (the channel is shared); a failing platform does not cost the mails and is retried."""

from typing import Any

import pytest

from notifications import alerts
from notifications.models import ChatNotice
from notifications.tests.conftest import PLANTED, run_worker, submit
from spaces.slack.fake import BOT_TOKEN, FakeSlack
from spaces.testing import make_connection
from spaces.zulip.fake import FakeZulip
from steward.testing import Inbox

pytestmark = pytest.mark.django_db(transaction=True)  # the real worker closes its connection

CHANNEL = "C0STEWARDS"


@pytest.fixture
def slack(monkeypatch: pytest.MonkeyPatch) -> Any:
    fake = FakeSlack()
    fake.add_channel(CHANNEL, "stewards", private=True)
    with fake.serve() as url:
        settings = {"api_url": url, "notice_channel": CHANNEL}
        make_connection(monkeypatch, "slack", slug="committee-slack", settings=settings, secrets={"bot_token": BOT_TOKEN})
        yield fake


def test_a_new_case_is_posted_once_by_code_name_and_link(stewards: Any, smtp: Inbox, slack: FakeSlack) -> None:
    case = submit(stewards, excluded=(), named_steward="")
    run_worker()
    alerts.sweep()
    run_worker()
    posted = slack.posted_by_bot(CHANNEL)
    assert posted == [f"New report: case {case.code_name} {_site()}/cases/{case.code_name}/"]
    for planted in PLANTED:
        assert planted not in posted[0]
    assert len(smtp.mails) == 5  # and every steward had their mail


def test_no_chat_notice_when_a_steward_is_hard_conflicted(stewards: Any, smtp: Inbox, slack: FakeSlack) -> None:
    submit(stewards)  # bob is named in the report
    run_worker()
    assert slack.posted_by_bot(CHANNEL) == []
    assert ChatNotice.objects.count() == 0
    assert len(smtp.mails) == 3  # the mails to the others still went


def test_a_failing_platform_keeps_the_mails_and_the_notice_is_retried(stewards: Any, smtp: Inbox, slack: FakeSlack) -> None:
    slack.inject(500, {"ok": False, "error": "internal_error"}, times=3, path=r"/api/chat\.postMessage")
    case = submit(stewards, excluded=(), named_steward="")
    run_worker()
    assert len(smtp.mails) == 5
    notice = ChatNotice.objects.get(case=case)
    assert notice.posted_at is None and notice.attempts >= 1 and "Slack" in notice.last_error
    while slack.injected:
        alerts.sweep()
    assert alerts.sweep()["chat"] == 1
    alerts.sweep()
    assert slack.posted_by_bot(CHANNEL) == [f"New report: case {case.code_name} {_site()}/cases/{case.code_name}/"]
    assert len(smtp.mails) == 5


def test_zulip_stream_gets_the_notice(stewards: Any, smtp: Inbox, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeZulip()
    fake.add_stream("stewards")
    with fake.serve() as url:
        make_connection(
            monkeypatch,
            "zulip",
            slug="committee-zulip",
            settings={"site": url, "notice_channel": "stewards"},
            secrets={"bot_email": fake.bot_email, "api_key": fake.api_key},
        )
        case = submit(stewards, excluded=(), named_steward="")
        run_worker()
    assert fake.posted_by_bot("stewards") == [f"New report: case {case.code_name} {_site()}/cases/{case.code_name}/"]
    assert fake.refused == []


def _site() -> str:
    from django.conf import settings

    return str(settings.SITE_URL)
