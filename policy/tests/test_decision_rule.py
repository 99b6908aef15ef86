"""DecisionRule.is_met at every threshold: exactly at it, one vote below and one above.

The rules (REQUIREMENTS 6.3, policy.schema.DecisionRule): a supermajority is yes >= fraction of the
votes cast; a majority is more than half of them; unanimous is every vote cast. A permanent ban, where
the policy says so, also needs yes votes from more than half of ALL unconflicted stewards. Nothing
passes without votes, and impossible counts never pass.
"""

import pytest

from policy.schema import DecisionRule

pytestmark = pytest.mark.database_free

TWO_THIRDS = DecisionRule("supermajority", "2/3", permanent_ban_needs_majority_of_all=True, lazy_consensus_hours=None)
THREE_QUARTERS = DecisionRule("supermajority", "3/4", permanent_ban_needs_majority_of_all=False, lazy_consensus_hours=None)
MAJORITY = DecisionRule("majority", "1/2", permanent_ban_needs_majority_of_all=False, lazy_consensus_hours=None)
MAJORITY_BAN_OF_ALL = DecisionRule("majority", "1/2", permanent_ban_needs_majority_of_all=True, lazy_consensus_hours=None)
UNANIMOUS = DecisionRule("unanimous", "1/1", permanent_ban_needs_majority_of_all=False, lazy_consensus_hours=None)


@pytest.mark.parametrize(
    ("rule", "yes", "cast", "passes"),
    [
        # Two thirds: 2 of 3 and 4 of 6 exactly at it; one below fails; one above passes.
        (TWO_THIRDS, 2, 3, True),
        (TWO_THIRDS, 1, 3, False),
        (TWO_THIRDS, 3, 3, True),
        (TWO_THIRDS, 4, 6, True),
        (TWO_THIRDS, 3, 6, False),
        (TWO_THIRDS, 5, 6, True),
        # Not a whole number: 5 cast needs 10/3, so 4.
        (TWO_THIRDS, 4, 5, True),
        (TWO_THIRDS, 3, 5, False),
        # Three quarters: 3 of 4 and 6 of 8 exactly; 2 of 4 and 5 of 8 below; 7 of 8 above.
        (THREE_QUARTERS, 3, 4, True),
        (THREE_QUARTERS, 2, 4, False),
        (THREE_QUARTERS, 6, 8, True),
        (THREE_QUARTERS, 5, 8, False),
        (THREE_QUARTERS, 7, 8, True),
        (THREE_QUARTERS, 2, 3, False),  # two thirds is not three quarters
        # Majority: more than half. Exactly half fails; one above passes; odd counts round the right way.
        (MAJORITY, 2, 4, False),
        (MAJORITY, 3, 4, True),
        (MAJORITY, 1, 4, False),
        (MAJORITY, 3, 5, True),
        (MAJORITY, 2, 5, False),
        (MAJORITY, 1, 1, True),
        (MAJORITY, 1, 2, False),
        # Unanimous: every vote cast is yes; one short fails.
        (UNANIMOUS, 3, 3, True),
        (UNANIMOUS, 2, 3, False),
        (UNANIMOUS, 1, 1, True),
        (UNANIMOUS, 0, 1, False),
    ],
)
def test_threshold_of_votes_cast(rule: DecisionRule, yes: int, cast: int, passes: bool) -> None:
    # Many more eligible stewards than votes: outside a permanent ban, eligibility does not matter.
    assert rule.is_met(yes=yes, cast=cast, eligible=cast + 10) is passes
    if not rule.permanent_ban_needs_majority_of_all:
        assert rule.is_met(yes=yes, cast=cast, eligible=cast + 10, permanent_ban=True) is passes


@pytest.mark.parametrize("rule", [TWO_THIRDS, THREE_QUARTERS, MAJORITY, UNANIMOUS])
def test_nothing_passes_without_votes_or_with_impossible_counts(rule: DecisionRule) -> None:
    assert not rule.is_met(yes=0, cast=0, eligible=5)
    assert not rule.is_met(yes=0, cast=0, eligible=0)
    assert not rule.is_met(yes=4, cast=3, eligible=5)  # more yes votes than votes cast
    assert not rule.is_met(yes=-1, cast=3, eligible=5)
    assert not rule.is_met(yes=1, cast=-1, eligible=5)


@pytest.mark.parametrize(
    ("rule", "yes", "cast", "eligible", "passes"),
    [
        # Two thirds of the votes cast AND more than half of all unconflicted stewards.
        (TWO_THIRDS, 3, 3, 6, False),  # exactly half of all six
        (TWO_THIRDS, 4, 4, 6, True),  # one above half
        (TWO_THIRDS, 3, 3, 5, True),  # 3 of 5 is more than half
        (TWO_THIRDS, 2, 3, 5, False),  # two thirds cast, but 2 of 5 is not a majority of all
        (TWO_THIRDS, 2, 2, 4, False),  # every vote cast, exactly half of all
        (TWO_THIRDS, 3, 4, 4, True),  # 3 of 4 cast, 3 of 4 eligible
        # A majority of all does not replace the supermajority of votes cast.
        (TWO_THIRDS, 3, 5, 5, False),
        (TWO_THIRDS, 5, 8, 8, False),
        (TWO_THIRDS, 6, 9, 9, True),
        # With a simple-majority rule, both halves count as "more than half".
        (MAJORITY_BAN_OF_ALL, 3, 4, 6, False),  # more than half cast, exactly half of all
        (MAJORITY_BAN_OF_ALL, 4, 5, 7, True),
        (MAJORITY_BAN_OF_ALL, 4, 8, 7, False),  # more than half of all, exactly half cast
    ],
)
def test_permanent_ban_needs_a_majority_of_all_unconflicted_stewards(
    rule: DecisionRule, yes: int, cast: int, eligible: int, passes: bool
) -> None:
    assert rule.is_met(yes=yes, cast=cast, eligible=eligible, permanent_ban=True) is passes


def test_the_majority_of_all_applies_only_to_a_permanent_ban_and_only_where_the_policy_says_so() -> None:
    # 2 of 3 cast is two thirds, but 2 of 10 eligible is far from a majority of all.
    assert TWO_THIRDS.is_met(yes=2, cast=3, eligible=10)
    assert not TWO_THIRDS.is_met(yes=2, cast=3, eligible=10, permanent_ban=True)
    no_extra_rule = DecisionRule("supermajority", "2/3", permanent_ban_needs_majority_of_all=False, lazy_consensus_hours=None)
    assert no_extra_rule.is_met(yes=2, cast=3, eligible=10, permanent_ban=True)
    assert not no_extra_rule.is_met(yes=1, cast=3, eligible=10, permanent_ban=True)  # still needs its two thirds
