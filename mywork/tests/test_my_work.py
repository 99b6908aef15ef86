"""My work: each kind of waiting item for the steward it waits for, and nothing of a case the access layer hides."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cases.actions import do_declare_conflict
from cases.models import ConflictLevel
from mywork.models import UnseenPartyMessages
from mywork.tests.morning import BUSY_BODY, REPLY, Morning, make_morning
from mywork.work import waiting_for
from screening.tests.flagging import scripted  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("scripted")]


@pytest.fixture
def morning(stewards: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Morning:
    return make_morning(stewards, monkeypatch)


@pytest.fixture(params=["few", "many"])
def declarations(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both ways the access layer reads a steward's cases: from their few declarations, or probing each row's case."""
    from cases import access

    monkeypatch.setattr(access, "FEW_DECLARATIONS", 2000 if request.param == "few" else 0)


def _page(client: Client, user: Any) -> str:
    client.force_login(user)
    response = client.get(reverse("mywork:home"))
    assert response.status_code == 200
    return response.content.decode()


def _case(code: str, anchor: str) -> str:
    return f"/cases/{code}/#{anchor}"


@pytest.mark.usefixtures("declarations")
def test_each_kind_lists_its_item_with_a_link_to_where_it_is_done(client: Client, stewards: dict[str, Any], morning: Morning) -> None:
    kinds = {kind.key: kind for kind in waiting_for(stewards["bob"])}
    busy, decided = morning.busy.code_name, morning.decided.code_name
    expected = {
        "declare": f"/cases/{morning.fresh.code_name}/declare/",
        "acknowledge": _case(busy, "case-state"),
        "vote": _case(busy, f"proposal-{morning.proposal.pk}"),
        "approve": _case(busy, f"message-{morning.letter.pk}"),
        "appeal": _case(decided, f"appeal-{morning.appeal.pk}"),
        "messages": _case(busy, "thread"),
        "clocks": _case(busy, "clocks"),
        "flags": f"/screening/flags/{morning.flag.pk}/",
        "moderation": f"/enforcement/review/moderator-actions/#moderator-action-{morning.moderation.pk}",
        "transparency": f"/transparency/drafts/{morning.transparency.period}/#sign-off",
    }
    assert {key: {item.url for item in kind.items} for key, kind in kinds.items()} == {key: {url} for key, url in expected.items()}
    # A month without acknowledgement: every clock of the case has run out, each its own item.
    assert [item.text.split(":")[1].split("—")[0].strip() for item in kinds["clocks"].items] == [
        "Acknowledge the report",
        "First follow-up to the reporter",
        "Decision",
    ]
    assert all(kind.count == 1 for key, kind in kinds.items() if key != "clocks")
    content = _page(client, stewards["bob"])
    for url in expected.values():
        assert f'href="{url}"' in content
    assert BUSY_BODY not in content and REPLY not in content  # code names and what to do, never case content


@pytest.mark.usefixtures("declarations")
def test_a_hard_conflicted_steward_sees_nothing_of_that_case(client: Client, stewards: dict[str, Any], morning: Morning) -> None:
    kinds = {kind.key: kind for kind in waiting_for(stewards["carol"])}
    assert [item.code_name for item in kinds["appeal"].items] == [morning.decided.code_name]
    assert [item.code_name for item in kinds["declare"].items] == [morning.fresh.code_name]
    for key in ("acknowledge", "vote", "approve", "messages", "clocks"):
        assert kinds[key].items == [] and kinds[key].count == 0, key
    assert UnseenPartyMessages.objects.filter(steward=stewards["carol"], case=morning.busy).exists()  # the row is no permission
    assert morning.busy.code_name not in _page(client, stewards["carol"])


@pytest.mark.usefixtures("declarations")
def test_an_undeclared_steward_sees_only_the_code_name_to_declare_on(client: Client, stewards: dict[str, Any], morning: Morning) -> None:
    erin = stewards["erin"]  # declared on nothing
    kinds = {kind.key: kind for kind in waiting_for(erin)}
    assert {item.code_name for item in kinds["declare"].items} == {
        morning.busy.code_name,
        morning.decided.code_name,
        morning.fresh.code_name,
    }
    for key in ("acknowledge", "vote", "approve", "appeal", "messages", "clocks"):
        assert kinds[key].items == [], key
    do_declare_conflict(erin, morning.busy, ConflictLevel.SOFT)
    kinds = {kind.key: kind for kind in waiting_for(erin)}
    # A soft conflict reads and discusses; it neither votes, approves letters nor decides appeals.
    assert [item.code_name for item in kinds["messages"].items] == [morning.busy.code_name]
    assert [item.code_name for item in kinds["acknowledge"].items] == [morning.busy.code_name]
    assert kinds["vote"].items == [] and kinds["approve"].items == []


def test_opening_the_case_page_marks_its_messages_seen(client: Client, stewards: dict[str, Any], morning: Morning) -> None:
    client.force_login(stewards["bob"])
    assert client.get(f"/cases/{morning.busy.code_name}/").status_code == 200
    kinds = {kind.key: kind for kind in waiting_for(stewards["bob"])}
    assert kinds["messages"].items == []
    assert UnseenPartyMessages.objects.filter(steward=stewards["dave"], case=morning.busy).exists()  # dave has not looked


def test_a_long_list_is_bounded_and_links_to_the_filtered_queue(client: Client, stewards: dict[str, Any], morning: Morning) -> None:
    from mywork.tests.morning import _report

    for number in range(12):
        do_declare_conflict(stewards["bob"], _report(f"more {number}", f"more-{number}-gh"), ConflictLevel.NONE)
    kinds = {kind.key: kind for kind in waiting_for(stewards["bob"])}
    assert (len(kinds["acknowledge"].items), kinds["acknowledge"].count, kinds["acknowledge"].more) == (10, 13, 3)
    content = _page(client, stewards["bob"])
    assert 'href="/cases/?view=unacknowledged"' in content and "and 3 more" in content


def test_the_queue_tabs_behind_the_links_list_the_same_cases(client: Client, stewards: dict[str, Any], morning: Morning) -> None:
    client.force_login(stewards["bob"])
    for tab, code in (
        ("awaiting-my-vote", morning.busy),
        ("letters-to-approve", morning.busy),
        ("appeals-to-decide", morning.decided),
        ("new-messages", morning.busy),
    ):
        content = client.get(f"/cases/?view={tab}").content.decode()
        assert f'href="/cases/{code.code_name}/"' in content, tab
    client.force_login(stewards["carol"])
    for tab in ("awaiting-my-vote", "letters-to-approve", "new-messages"):
        assert morning.busy.code_name not in client.get(f"/cases/?view={tab}").content.decode(), tab


def test_stewards_land_on_my_work_and_the_brand_leads_there(client: Client, stewards: dict[str, Any]) -> None:
    from conftest import PASSWORD

    response = client.post("/accounts/login/", {"username": "bob", "password": PASSWORD})
    assert response["Location"] == reverse("mywork:home")
    content = client.get(reverse("mywork:home")).content.decode()
    assert f'class="brand" href="{reverse("mywork:home")}"' in content
    assert 'href="/admin/"' not in content  # bob is no admin


def test_an_admin_steward_finds_the_admin_in_the_navigation_and_it_opens(client: Client, stewards: dict[str, Any]) -> None:
    client.force_login(stewards["alice"])
    content = client.get(reverse("mywork:home")).content.decode()
    assert 'href="/admin/"' in content
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/people/stewardprofile/").status_code == 200


def test_the_page_does_the_same_work_however_much_waits(client: Client, stewards: dict[str, Any], morning: Morning) -> None:
    """Each kind is one bounded read (and a bounded count once a list is full): more waiting work, same queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cases.actions import do_reporter_reply
    from cases.models import Report
    from mywork.tests.morning import _report

    def more(count: int) -> None:
        for number in range(count):
            case = _report(f"more {number}", f"more-{number}-{count}-gh")
            do_declare_conflict(stewards["bob"], case, ConflictLevel.NONE)
            do_reporter_reply(Report.objects.get(case=case), "one more thing", [])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("mywork:home")).status_code == 200
        return len(captured.captured_queries)

    client.force_login(stewards["bob"])
    more(11)
    before = queries()
    more(30)
    assert queries() == before


def test_a_transparency_draft_waits_for_a_second_steward_not_its_drafter(client: Client, stewards: dict[str, Any]) -> None:
    from transparency.actions import do_draft_report
    from transparency.tests.helpers import past_half

    period = past_half()
    do_draft_report(stewards["alice"], period.label)
    kinds = {kind.key: kind for kind in waiting_for(stewards["bob"])}
    assert [item.url for item in kinds["transparency"].items] == [f"/transparency/drafts/{period.label}/#sign-off"]
    client.force_login(stewards["bob"])
    assert 'id="sign-off"' in client.get(kinds["transparency"].items[0].url.split("#")[0]).content.decode()
    assert not {kind.key: kind for kind in waiting_for(stewards["alice"])}["transparency"].items
