from datetime import date

import pytest
from django.conf import settings

from policy.errors import PolicyError
from policy.models import PolicyVersion
from policy.services import current_policy, current_version, load_policy_version
from policy.testing import load_test_policy, policy_yaml
from policy.tests.helpers import DEFAULT, default_text, replace_line

pytestmark = pytest.mark.django_db


def _edited(version: str, effective_from: str, hours: int = 24) -> str:
    text, _ = replace_line(default_text(), 'version: "1.0"', f'version: "{version}"')
    text, _ = replace_line(text, "effective_from: 2024-01-01", f"effective_from: {effective_from}")
    text, _ = replace_line(text, "acknowledge_hours: 24", f"acknowledge_hours: {hours}")
    return text


def test_loading_a_file_stores_a_version() -> None:
    row, created = load_policy_version(DEFAULT)
    assert created
    assert (row.name, row.version, row.effective_from) == ("AI Alliance Code of Conduct", "1.0", date(2024, 1, 1))
    assert row.source_name == str(DEFAULT) and row.source_text == default_text() and len(row.source_sha256) == 64
    assert row.policy.timelines.acknowledge_hours == 24


def test_identical_file_is_not_loaded_twice() -> None:
    first, _ = load_policy_version(DEFAULT)
    again, created = load_policy_version(text=default_text(), source_name="copy.yaml")
    assert again == first and not created
    assert PolicyVersion.objects.count() == 1


def test_comment_only_edit_keeps_the_version() -> None:
    first, _ = load_policy_version(DEFAULT)
    row, created = load_policy_version(text=default_text() + "\n# a comment\n")
    assert row == first and not created


def test_each_change_is_a_new_version() -> None:
    load_policy_version(DEFAULT)
    _, created = load_policy_version(text=_edited("1.1", "2024-06-01", hours=48), source_name="v1.1.yaml")
    assert created and PolicyVersion.objects.count() == 2
    assert current_policy().timelines.acknowledge_hours == 48
    assert current_version(on=date(2024, 3, 1)).version == "1.0"
    assert current_version(on=date(2024, 6, 1)).version == "1.1"


def test_effective_date_cannot_go_back() -> None:
    load_policy_version(text=_edited("2.0", "2025-01-01"))
    text = _edited("2.1", "2024-12-31")
    with pytest.raises(PolicyError, match="effective_from: 2024-12-31 is earlier than 2025-01-01"):
        load_policy_version(text=text, source_name="ai.yaml")
    assert PolicyVersion.objects.count() == 1


def test_same_effective_date_is_allowed_and_latest_load_wins() -> None:
    load_policy_version(text=_edited("2.0", "2024-05-01"))
    load_policy_version(text=_edited("2.0.1", "2024-05-01", hours=36))
    assert current_version(on=date(2024, 5, 1)).version == "2.0.1"


def test_future_version_is_not_yet_in_force() -> None:
    load_policy_version(DEFAULT)
    load_policy_version(text=_edited("9.0", "2999-01-01", hours=1))
    assert current_version().version == "1.0"
    assert current_version(on=date(2999, 1, 1)).version == "9.0"


def test_before_the_first_version_the_first_applies() -> None:
    load_policy_version(DEFAULT)
    assert current_version(on=date(2000, 1, 1)).version == "1.0"


def test_empty_table_falls_back_to_the_configured_file(settings: object) -> None:
    assert PolicyVersion.objects.count() == 0
    assert current_policy().name == "AI Alliance Code of Conduct"
    assert PolicyVersion.objects.count() == 1


def test_configured_file_can_be_another_policy(settings: object, tmp_path: object) -> None:
    from policy.tests.helpers import POLICIES

    settings.STEWARD_POLICY_FILE = POLICIES / "contributor-covenant-2.1.yaml"  # type: ignore[attr-defined]
    assert current_policy().name == "Contributor Covenant Code of Conduct"


def test_invalid_text_stores_nothing() -> None:
    with pytest.raises(PolicyError):
        load_policy_version(text="name: only", source_name="bad.yaml")
    assert not PolicyVersion.objects.exists()


def test_no_stale_policy_after_a_new_version(django_assert_max_num_queries: object) -> None:
    load_test_policy({"timelines": {"acknowledge_hours": 5}})
    assert current_policy().timelines.acknowledge_hours == 5
    load_test_policy({"timelines": {"acknowledge_hours": 6}})
    assert current_policy().timelines.acknowledge_hours == 6
    with django_assert_max_num_queries(1):  # type: ignore[operator]
        current_policy()


def test_testing_helper_goes_through_the_loader() -> None:
    with pytest.raises(PolicyError, match=r"timelines\.acknowledge_hours: must be at least 1"):
        load_policy_version(text=policy_yaml({"timelines": {"acknowledge_hours": 0}, "version": "x"}))
    assert settings.STEWARD_POLICY_FILE.exists()


def test_changed_content_under_the_same_label_loads_as_a_new_distinct_version() -> None:
    # An upgrade ships an edited default file that still says version "1.0" (docs: "as a new version").
    from audit.log import verify_chain
    from audit.models import Event
    from cases.models import Case

    first, _ = load_policy_version(DEFAULT)
    old_case = Case.objects.create(policy_version=current_version())
    text = _edited("1.0", "2024-01-01", hours=12)
    row, created = load_policy_version(text=text, source_name="ai.yaml")
    assert created and row.version == "1.0+2" and row.policy.version == "1.0"
    assert current_version() == row and current_policy().timelines.acknowledge_hours == 12
    old_case.refresh_from_db()
    assert old_case.policy_version == first  # a case keeps the version it was opened under
    # Loading the same changed text again is a no-op; a third text under "1.0" is "1.0+3".
    again, created = load_policy_version(text=text + "\n# layout only\n")
    assert again == row and not created
    third, created = load_policy_version(text=_edited("1.0", "2024-01-01", hours=36))
    assert created and third.version == "1.0+3"
    events = Event.objects.filter(kind="policy.loaded").order_by("id")
    assert [e.data["version"] for e in events] == ["1.0", "1.0+2", "1.0+3"]
    assert {e.data["declared_version"] for e in events} == {"1.0"}
    assert verify_chain().ok
