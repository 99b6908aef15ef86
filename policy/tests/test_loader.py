from fractions import Fraction

import pytest

from policy.errors import PolicyError
from policy.loader import load_policy_file, parse_policy
from policy.schema import Policy
from policy.tests.helpers import DEFAULT, POLICIES, default_text, line_of, replace_line

pytestmark = pytest.mark.database_free


@pytest.mark.parametrize("name", ["ai-alliance.yaml", "contributor-covenant-2.1.yaml"])
def test_shipped_files_load(name: str) -> None:
    policy = load_policy_file(POLICIES / name)
    assert [level.code for level in policy.ladder] == ["correction", "warning", "temporary-ban", "permanent-ban"]
    assert {"not-a-violation", "out-of-scope", "no-action", "other"} <= {o.code for o in policy.outcomes}
    assert policy.timelines.acknowledge_hours == 24
    assert policy.decision_rule.threshold == Fraction(2, 3)


def test_default_policy_matches_the_seed() -> None:
    policy = load_policy_file(DEFAULT)
    assert policy.name == "AI Alliance Code of Conduct"
    assert policy.languages == ("en", "es")
    assert policy.level("warning").needs_period and policy.level("warning").needs_no_contact
    assert policy.level("temporary-ban").needs_period and policy.level("temporary-ban").needs_no_contact
    assert not policy.level("correction").needs_period
    assert policy.category("private-information").title.startswith("Publishing")
    assert policy.quorum.min_not_hard_conflicted == 3
    assert policy.appeal_window_days == 30
    assert any("Pledge" in section.title for section in policy.sections)


def test_round_trip_through_json_dict() -> None:
    import json

    policy = load_policy_file(DEFAULT)
    data = json.loads(json.dumps(policy.to_dict()))
    assert Policy.from_dict(data) == policy


@pytest.mark.parametrize("name", ["ai-alliance.yaml", "contributor-covenant-2.1.yaml"])
def test_to_dict_written_as_yaml_loads_back(name: str) -> None:
    import yaml

    policy = load_policy_file(POLICIES / name)
    assert parse_policy(yaml.safe_dump(policy.to_dict()), "dumped.yaml") == policy


def test_choices_and_lookups() -> None:
    policy = load_policy_file(DEFAULT)
    assert ("harassment", "Harassment") in policy.category_choices()
    assert policy.space_choices()[0] == ("github", policy.spaces[0].title)
    assert policy.top_level.code == "permanent-ban"
    with pytest.raises(KeyError):
        policy.level("nope")


def _problems(text: str) -> list[str]:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "ai.yaml")
    return [str(p) for p in caught.value.errors]


def test_yaml_syntax_error_names_the_line() -> None:
    text, line = replace_line(default_text(), "appeal_window_days: 30", "appeal_window_days: 30: 40")
    (problem,) = _problems(text)
    assert problem == f"ai.yaml:{line}: YAML syntax error: mapping values are not allowed here"


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        ("community: AI", "comunity: AI", "comunity", 'unknown field; did you mean "community"?'),
        ("needs_period: true", "needs_period: sometimes", "ladder[1].needs_period", 'expected true or false, got "sometimes"'),
        ("code: harassment", "code: trolling-insults", "categories[3].code", 'duplicate "trolling-insults"'),
        ("rank: 3", "rank: 4", "ladder[2].rank", "expected 3"),
        ("effective_from: 2024-01-01", "effective_from: 2024-02-30", "effective_from", "not a real date"),
        ("effective_from: 2024-01-01", "effective_from: soon", "effective_from", "expected a date"),
        ("acknowledge_hours: 24", "acknowledge_hours: -1", "timelines.acknowledge_hours", "at least 1"),
        ("acknowledge_hours: 24", "acknowledge_hours: a day", "timelines.acknowledge_hours", "expected a whole number"),
        ("appeal_window_days: 30", "appeal_window_days: -30", "appeal_window_days", "at least 0"),
        ("min_unconflicted: 1", "min_unconflicted: -1", "quorum.min_unconflicted", "at least 0"),
        ("languages: [en, es]", "languages: [en, Spanish!]", "languages[1]", "language code"),
        ("stewards_contact: coc-stewards@example.org", "stewards_contact: nobody", "stewards_contact", "e-mail"),
        ("platform: slack", "platform: myspace", "spaces[1].platform", "expected one of github"),
        ("languages: [en, es]", "languages: en", "languages", 'expected a list, got "en"'),
        ("name: AI Alliance Code of Conduct", "name: [a, list]", "name", "expected text, got a list"),
        ('fraction: "2/3"', 'fraction: "1/3"', "decision_rule.fraction", "more than 1/2"),
        ("url: https://findahelpline.com", "url: javascript:alert(1)", "emergency[1].url", "https://"),
        ("kind: supermajority", "kind: dictator", "decision_rule.kind", "expected one of"),
    ],
)
def test_each_problem_names_file_line_and_field(old: str, new: str, field: str, message: str) -> None:
    text, line = replace_line(default_text(), old, new)
    problems = _problems(text)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"ai.yaml:{line}: {field}: "), problems
    assert message in problems[0]


def test_missing_required_key_names_the_field() -> None:
    text = default_text().replace("retention_days: 1825  # five years after a case closes, then personal data is erased\n", "")
    (problem,) = _problems(text)
    assert ": retention_days: required field is missing" in problem


def test_missing_key_in_a_list_item_names_the_item() -> None:
    text, _ = replace_line(default_text(), "    title: Warning\n", "")
    (problem,) = _problems(text)
    assert problem == f"ai.yaml:{line_of(text, 'code: warning')}: ladder[1].title: required field is missing"


def test_every_problem_is_reported_at_once() -> None:
    text = default_text()
    text, _ = replace_line(text, "needs_period: true", "needs_period: sometimes")
    text, _ = replace_line(text, "rank: 4", "rank: 9")
    text, _ = replace_line(text, "acknowledge_hours: 24", "acknowledge_hours: -5")
    text, _ = replace_line(text, "code: harassment", "code: harassment\n    colour: red")
    expected = [line_of(text, marker) for marker in ("colour: red", "sometimes", "rank: 9", "acknowledge_hours: -5")]
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "ai.yaml")
    problems = caught.value.errors
    assert [p.line for p in problems] == expected
    assert [p.field for p in problems] == [
        "categories[3].colour",
        "ladder[1].needs_period",
        "ladder[3].rank",
        "timelines.acknowledge_hours",
    ]
    assert str(caught.value).count("\n") == 3
    assert all(p.source == "ai.yaml" for p in problems)


def test_duplicate_mapping_key_is_reported() -> None:
    text, line = replace_line(default_text(), "appeal_window_days: 30", "appeal_window_days: 30\nappeal_window_days: 60")
    (problem,) = _problems(text)
    assert problem.startswith(f"ai.yaml:{line + 1}: appeal_window_days: appears twice")


@pytest.mark.parametrize("tag", ["!!python/object/apply:os.system ['echo hi']", "!custom 3", "!!binary aGk="])
def test_unsafe_or_unknown_tags_are_refused(tag: str) -> None:
    text, line = replace_line(default_text(), 'version: "1.0"', f"version: {tag}")
    (problem,) = _problems(text)
    assert problem.startswith(f"ai.yaml:{line}: version: unsupported YAML tag")


def test_values_are_kept_as_written() -> None:
    # YAML 1.1 would read `no` (Norwegian) as false and 2.0 as a float; a policy means the text.
    text, _ = replace_line(default_text(), "languages: [en, es]", "languages: [en, es, no]")
    text, _ = replace_line(text, 'version: "1.0"', "version: 2.0")
    policy = parse_policy(text, "ai.yaml")
    assert policy.languages == ("en", "es", "no") and policy.version == "2.0"


@pytest.mark.parametrize("text", ["", "# only a comment\n", "just text", "- a\n- list", "--- {}\n--- {}\n"])
def test_degenerate_files(text: str) -> None:
    assert _problems(text)


def test_unreadable_file(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "latin1.yaml"
    path.write_bytes(b"name: caf\xe9\n")
    with pytest.raises(PolicyError, match=r"latin1\.yaml:1: file is not valid UTF-8"):
        load_policy_file(path)
    with pytest.raises(PolicyError, match="cannot read file"):
        load_policy_file(Path(str(tmp_path)) / "missing.yaml")


def test_example_in_the_format_docs_is_valid() -> None:
    from django.conf import settings

    doc = (settings.BASE_DIR / "docs" / "policy-format.md").read_text(encoding="utf-8")
    example = doc.split("A minimal valid file:\n\n```yaml\n", 1)[1].split("```", 1)[0]
    policy = parse_policy(example, "docs/policy-format.md")
    assert policy.level("warning").needs_no_contact and policy.top_level.code == "warning"


def test_transparency_defaults_and_a_community_s_own_settings() -> None:
    assert parse_policy(default_text()).transparency.period_months == (6, 12)
    assert parse_policy(default_text()).transparency.suppress_below == 3
    text = default_text() + "\ntransparency:\n  period_months: [3, 12]\n  suppress_below: 5\n  surveys: false\n"
    settings = parse_policy(text).transparency
    assert (settings.period_months, settings.suppress_below, settings.surveys) == ((3, 12), 5, False)
    assert Policy.from_dict(parse_policy(text).to_dict()) == parse_policy(text)


def test_transparency_periods_must_tile_a_year_and_suppression_must_be_positive() -> None:
    text = default_text() + "\ntransparency:\n  period_months: [6, 5, 6]\n  suppress_below: 0\n"
    with pytest.raises(PolicyError) as raised:
        parse_policy(text)
    message = str(raised.value)
    assert "transparency.period_months[1]: must divide a year" in message
    assert "transparency.period_months: each period length once" in message
    assert "transparency.suppress_below: must be at least 1" in message


def test_sharing_bans_is_off_by_default_and_its_public_reason_holds_nothing_of_a_case() -> None:
    enforcement = parse_policy(default_text()).enforcement
    assert (enforcement.share_bans, enforcement.shared_ban_reason) == (False, "code of conduct violation")
    text, _line = replace_line(
        default_text(),
        "  drift_check_hours: 24",
        '  drift_check_hours: 24\n  share_bans: true\n  shared_ban_reason: "Banned under the {community} code"',
    )
    enforcement = parse_policy(text).enforcement
    assert enforcement.share_bans and enforcement.shared_ban_reason == "Banned under the {community} code"
    for template in ("Case {case}", "reported by {reporter}", "oops {community"):
        text, line = replace_line(default_text(), "  drift_check_hours: 24", f'  drift_check_hours: 24\n  shared_ban_reason: "{template}"')
        with pytest.raises(PolicyError) as error:
            parse_policy(text, "p.yaml")
        assert f"p.yaml:{line + 1}: enforcement.shared_ban_reason: the only placeholder it may hold is {{community}}" in str(error.value)
