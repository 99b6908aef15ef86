"""Plain-language sentences built from the policy, for the public pages.

They live in code (not templates) so the words and the numbers can be tested together: when the
policy changes, the sentences change with it and cannot drift from what the system enforces.
"""

from datetime import timedelta
from fractions import Fraction

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from policy.schema import DecisionRule, Policy

_FRACTION_WORDS = {
    Fraction(1, 2): "one half",
    Fraction(2, 3): "two-thirds",
    Fraction(3, 4): "three-quarters",
    Fraction(3, 5): "three-fifths",
    Fraction(4, 5): "four-fifths",
    Fraction(1, 1): "all",
}


def fraction_words(value: Fraction) -> str:
    words = _FRACTION_WORDS.get(value)
    return f"{words} ({value.numerator}/{value.denominator})" if words else f"{value.numerator}/{value.denominator}"


def hours(count: int) -> str:
    return ngettext("%(n)d hour", "%(n)d hours", count) % {"n": count}


def days(count: int) -> str:
    text = ngettext("%(n)d day", "%(n)d days", count) % {"n": count}
    if count >= 365:
        years = round(count / 365, 1)
        shown = f"{years:g}"
        text += " " + (_("(about %(years)s years)") % {"years": shown})
    return text


def duration(value: timedelta) -> str:
    """A measured time in words: whole hours up to two days, then days (one decimal below ten)."""
    total_hours = value.total_seconds() / 3600
    if total_hours < 48:
        return hours(max(1, round(total_hours)))
    number = total_hours / 24
    if number < 10 and round(number, 1) != round(number):
        return _("%(n)s days") % {"n": f"{number:.1f}"}
    return days(round(number))


def decision_rule_sentences(rule: DecisionRule) -> list[str]:
    """The rule of `DecisionRule.is_met` in words."""
    if rule.kind == "unanimous":
        first = _("A decision needs the votes of every unconflicted steward who votes.")
    elif rule.kind == "majority":
        first = _("A decision needs the votes of more than half of the unconflicted stewards who vote.")
    else:
        first = _("A decision needs the votes of at least %(fraction)s of the unconflicted stewards who vote.") % {
            "fraction": fraction_words(rule.threshold)
        }
    sentences = [first, _("Stewards with a conflict of interest never vote.")]
    if rule.permanent_ban_needs_majority_of_all:
        sentences.append(
            _("A permanent ban also needs the votes of more than half of all unconflicted stewards, including those who did not vote.")
        )
    if rule.lazy_consensus_hours:
        sentences.append(
            _("A proposal also passes when no unconflicted steward objects within %(time)s.") % {"time": hours(rule.lazy_consensus_hours)}
        )
    return sentences


def quorum_sentence(policy: Policy) -> str:
    """When a report leaves the stewards for the outside contact ('' when the policy sets no minimum)."""
    quorum = policy.quorum
    conditions = []
    if quorum.min_unconflicted == 1:
        conditions.append(_("no steward is free of every conflict of interest"))
    elif quorum.min_unconflicted > 1:
        conditions.append(_("fewer than %(n)d stewards are free of every conflict of interest") % {"n": quorum.min_unconflicted})
    if quorum.min_not_hard_conflicted == 1:
        conditions.append(_("no steward is free of a serious (hard) conflict"))
    elif quorum.min_not_hard_conflicted > 1:
        conditions.append(_("fewer than %(n)d stewards are free of a serious (hard) conflict") % {"n": quorum.min_not_hard_conflicted})
    if not conditions:
        return ""
    return _("If %(conditions)s, the report goes to %(outside)s instead.") % {
        "conditions": _(", or ").join(conditions),
        "outside": policy.outside_contact.name,
    }
