import pytest

from policy.errors import PolicyError
from policy.loader import parse_policy
from policy.schema import DecisionRule
from policy.tests.helpers import default_text, replace_line
from policy.wording import days, decision_rule_sentences, fraction_words

pytestmark = pytest.mark.database_free

TWO_THIRDS = DecisionRule("supermajority", "2/3", True, None)


@pytest.mark.parametrize(
    ("yes", "cast", "eligible", "permanent", "passes"),
    [
        (2, 3, 5, False, True),  # exactly two-thirds
        (1, 2, 5, False, False),
        (4, 5, 5, False, True),
        (2, 3, 5, True, False),  # a ban needs 3 of all 5
        (3, 4, 5, True, True),
        (0, 0, 5, False, False),  # nobody voted
        (4, 3, 5, False, False),  # impossible counts never pass
    ],
)
def test_supermajority(yes: int, cast: int, eligible: int, permanent: bool, passes: bool) -> None:
    assert TWO_THIRDS.is_met(yes=yes, cast=cast, eligible=eligible, permanent_ban=permanent) is passes


def test_majority_and_unanimous() -> None:
    majority = DecisionRule("majority", "1/2", False, None)
    assert majority.is_met(yes=2, cast=3, eligible=3) and not majority.is_met(yes=1, cast=2, eligible=2)
    unanimous = DecisionRule("unanimous", "1/1", False, None)
    assert unanimous.is_met(yes=3, cast=3, eligible=5) and not unanimous.is_met(yes=2, cast=3, eligible=5)


def test_kind_sets_the_fraction_and_needs_none() -> None:
    text, _ = replace_line(default_text(), "kind: supermajority", "kind: majority")
    text, _ = replace_line(text, 'fraction: "2/3"', "")
    assert parse_policy(text, "ai.yaml").decision_rule.fraction == "1/2"
    text, _ = replace_line(default_text(), "kind: supermajority", "kind: unanimous")
    with pytest.raises(PolicyError, match='fraction: applies only to kind "supermajority"'):
        parse_policy(text, "ai.yaml")


def test_wording() -> None:
    assert fraction_words(TWO_THIRDS.threshold) == "two-thirds (2/3)"
    assert days(1) == "1 day" and days(730) == "730 days (about 2 years)"
    assert len(decision_rule_sentences(TWO_THIRDS)) == 3


def test_quorum_sentence() -> None:
    from dataclasses import replace

    from policy.loader import load_policy_file
    from policy.schema import Quorum
    from policy.tests.helpers import DEFAULT
    from policy.wording import quorum_sentence

    policy = load_policy_file(DEFAULT)
    assert quorum_sentence(policy).startswith("If no steward is free of every conflict of interest, or fewer than 3")
    assert quorum_sentence(replace(policy, quorum=Quorum(0, 0))) == ""
