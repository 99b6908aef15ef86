"""The code of conduct as typed, immutable data.

A `Policy` is built only by the loader (which validates a YAML file) or by `Policy.from_dict` (which
reads back what `to_dict` stored in a PolicyVersion row). The dict form uses the same keys as the YAML
file and is JSON-safe, so one shape serves the file, the database and the tests.
"""

from dataclasses import dataclass, field, replace
from datetime import date
from fractions import Fraction
from typing import Any

PLATFORMS = ("github", "slack", "discord", "discourse", "zulip", "matrix", "email", "event", "other")
DECISION_KINDS = ("supermajority", "majority", "unanimous")
# What a ladder level asks of the spaces, whatever the platform: each space says what these mean there.
INTENTS = ("ban", "mute")


@dataclass(frozen=True)
class TextSection:
    title: str
    body: str


@dataclass(frozen=True)
class Category:
    """One kind of unacceptable behaviour; reports, flags and decisions refer to it by `code`."""

    code: str
    title: str
    description: str


@dataclass(frozen=True)
class Space:
    """A community space a reporter can pick; `platform` is one of PLATFORMS."""

    code: str
    title: str
    platform: str


@dataclass(frozen=True)
class Level:
    """A rung of the enforcement ladder; rank 1 is the mildest."""

    code: str
    rank: int
    title: str
    community_impact: str
    consequence: str
    needs_period: bool
    needs_no_contact: bool
    enforce: tuple[str, ...] = ()  # INTENTS carried out in every space where the person has an identity

    def __post_init__(self) -> None:
        object.__setattr__(self, "enforce", tuple(self.enforce))  # lists from YAML and JSON


@dataclass(frozen=True)
class Outcome:
    """A decision that is not a sanction (not a violation, out of scope, ...)."""

    code: str
    title: str


@dataclass(frozen=True)
class Timelines:
    acknowledge_hours: int
    first_followup_days: int
    decision_target_days: int


@dataclass(frozen=True)
class DecisionRule:
    """How a committee vote passes.

    supermajority: yes votes are at least `fraction` of the votes cast;
    majority: yes votes are more than half of the votes cast; unanimous: every vote cast is yes.
    With `permanent_ban_needs_majority_of_all`, a permanent ban also needs yes votes from more than
    half of ALL unconflicted stewards, voting or not. `lazy_consensus_hours`, when set, lets a
    proposal pass if no eligible steward objects within that many hours.
    """

    kind: str
    fraction: str
    permanent_ban_needs_majority_of_all: bool
    lazy_consensus_hours: int | None

    @property
    def threshold(self) -> Fraction:
        return Fraction(self.fraction)

    def is_met(self, *, yes: int, cast: int, eligible: int, permanent_ban: bool = False) -> bool:
        """Whether `yes` votes out of `cast` (by `eligible` unconflicted stewards) carry a proposal."""
        if cast <= 0 or yes < 0 or yes > cast:
            return False
        if self.kind == "unanimous":
            passed = yes == cast
        elif self.kind == "majority":
            passed = 2 * yes > cast
        else:
            passed = Fraction(yes, cast) >= self.threshold
        if passed and permanent_ban and self.permanent_ban_needs_majority_of_all:
            passed = 2 * yes > eligible
        return passed


@dataclass(frozen=True)
class Enforcement:
    """How decisions are carried out in the spaces (REQUIREMENTS 8.3, 8.4, 8.7)."""

    notify_first: bool = True  # the person is told of the decision before any ban is applied
    check_in_days: int = 7  # the shepherd checks how things stand this long after the actions are applied
    remind_before_end_days: int = 3  # the shepherd hears this long before a temporary sanction is lifted
    drift_check_hours: int = 24  # how often applied bans are verified on the platforms
    # Post a short notice on the platform when an action is applied (a comment on the locked thread, a DM to the
    # person timed out), where the space can; never naming a reporter (enforcement.platform_notices).
    notify_on_platform: bool = False
    # Let the stewards publish a decided ban on the community's shared ban list (Matrix policy lists), case by case;
    # off: the operation is neither offered nor carried out (enforcement.shared_bans).
    share_bans: bool = False
    # The only reason a shared ban carries, the same for every case; "{community}" stands for the community's name.
    shared_ban_reason: str = "code of conduct violation"


@dataclass(frozen=True)
class Transparency:
    """Published statistics and the closing survey (REQUIREMENTS 12)."""

    period_months: tuple[int, ...] = (6, 12)  # each divides a year: reports cover Jan-Jun, Jul-Dec, and the year
    suppress_below: int = 3  # a count below this (but above 0) is never shown, nor anything that reveals it
    publish_delay_days: int = 0  # a signed-off report goes public this many days after the period ends, at the earliest
    surveys: bool = True  # reporters and reported people are offered a short survey when their case closes


@dataclass(frozen=True)
class Quorum:
    """Below these numbers a case goes to the outside contact instead of the stewards."""

    min_unconflicted: int
    min_not_hard_conflicted: int


@dataclass(frozen=True)
class Contact:
    name: str
    email: str
    url: str = ""


@dataclass(frozen=True)
class EmergencyResource:
    """A crisis resource shown on the report pages; at least one of `url` and `phone` is set."""

    title: str
    url: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Policy:
    name: str
    version: str
    effective_from: date
    languages: tuple[str, ...]
    sections: tuple[TextSection, ...]
    categories: tuple[Category, ...]
    scope: str
    spaces: tuple[Space, ...]
    ladder: tuple[Level, ...]
    outcomes: tuple[Outcome, ...]
    timelines: Timelines
    decision_rule: DecisionRule
    appeal_window_days: int
    retention_days: int
    quorum: Quorum
    outside_contact: Contact
    emergency: tuple[EmergencyResource, ...]
    stewards_contact: str
    community: str = ""
    enforcement: Enforcement = Enforcement()
    transparency: Transparency = Transparency()
    # Language code -> the translated texts, in the file's shape (docs/policy-format.md, "Translations").
    translations: dict[str, dict[str, Any]] = field(default_factory=dict, hash=False)

    def localized(self, language: str) -> "Policy":
        """This policy with its texts in `language` where the file translates them (else unchanged).

        The copy lists `language` first in `languages`, so `languages[0]` is always the language of its texts.
        """
        wanted = language.lower()
        found = next((code for code in self.translations if code.lower() == wanted), None)
        if found is None:
            found = next((code for code in self.translations if code.lower() == wanted.split("-")[0]), None)
        if found is None or found == self.languages[0]:
            return self
        t = self.translations[found]
        categories = {item["code"]: item for item in t["categories"]}
        spaces = {item["code"]: item["title"] for item in t["spaces"]}
        levels = {item["code"]: item for item in t["ladder"]}
        outcomes = {item["code"]: item["title"] for item in t["outcomes"]}
        emergency = [item["title"] for item in t.get("emergency", [])]
        return replace(
            self,
            name=t["name"],
            community=t.get("community") or self.community,
            languages=(found, *(code for code in self.languages if code != found)),
            sections=tuple(TextSection(**section) for section in t["text"]),
            categories=tuple(
                replace(c, title=categories[c.code]["title"], description=categories[c.code]["description"]) for c in self.categories
            ),
            scope=t["scope"],
            spaces=tuple(replace(space, title=spaces[space.code]) for space in self.spaces),
            ladder=tuple(
                replace(
                    level,
                    title=levels[level.code]["title"],
                    community_impact=levels[level.code]["community_impact"],
                    consequence=levels[level.code]["consequence"],
                )
                for level in self.ladder
            ),
            outcomes=tuple(replace(outcome, title=outcomes[outcome.code]) for outcome in self.outcomes),
            emergency=tuple(replace(resource, title=title) for resource, title in zip(self.emergency, emergency, strict=False))
            + self.emergency[len(emergency) :],
            translations={},
        )

    @property
    def community_name(self) -> str:
        return self.community or self.name

    def category(self, code: str) -> Category:
        """The category with this code; KeyError when the policy has none."""
        for item in self.categories:
            if item.code == code:
                return item
        raise KeyError(code)

    def level(self, code: str) -> Level:
        """The ladder level with this code; KeyError when the policy has none."""
        for item in self.ladder:
            if item.code == code:
                return item
        raise KeyError(code)

    def outcome(self, code: str) -> Outcome:
        for item in self.outcomes:
            if item.code == code:
                return item
        raise KeyError(code)

    def space(self, code: str) -> Space:
        for item in self.spaces:
            if item.code == code:
                return item
        raise KeyError(code)

    @property
    def top_level(self) -> Level:
        """The most severe level (the permanent ban in the default ladder)."""
        return self.ladder[-1]

    def category_choices(self) -> list[tuple[str, str]]:
        return [(item.code, item.title) for item in self.categories]

    def space_choices(self) -> list[tuple[str, str]]:
        return [(item.code, item.title) for item in self.spaces]

    def level_choices(self) -> list[tuple[str, str]]:
        return [(item.code, item.title) for item in self.ladder]

    def outcome_choices(self) -> list[tuple[str, str]]:
        return [(item.code, item.title) for item in self.outcomes]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form with the YAML file's keys; `Policy.from_dict` reads it back."""
        # Left out when empty, so a file without translations stores exactly what it stored before they existed.
        translations = {"translations": self.translations} if self.translations else {}
        return {
            "name": self.name,
            "community": self.community,
            "version": self.version,
            "effective_from": self.effective_from.isoformat(),
            "languages": list(self.languages),
            "text": [_fields(s) for s in self.sections],
            "categories": [_fields(c) for c in self.categories],
            "scope": self.scope,
            "spaces": [_fields(s) for s in self.spaces],
            "ladder": [{**_fields(level), "enforce": list(level.enforce)} for level in self.ladder],
            "outcomes": [_fields(o) for o in self.outcomes],
            "timelines": _fields(self.timelines),
            "decision_rule": _fields(self.decision_rule),
            "appeal_window_days": self.appeal_window_days,
            "retention_days": self.retention_days,
            "quorum": _fields(self.quorum),
            "outside_contact": _fields(self.outside_contact),
            "emergency": [_fields(e) for e in self.emergency],
            "stewards_contact": self.stewards_contact,
            "enforcement": _fields(self.enforcement),
            "transparency": {**_fields(self.transparency), "period_months": list(self.transparency.period_months)},
            **translations,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Policy":
        """Rebuild from `to_dict` output. Does not validate: run files through the loader instead."""
        return cls(
            name=data["name"],
            community=data.get("community", ""),
            version=data["version"],
            effective_from=date.fromisoformat(data["effective_from"]),
            languages=tuple(data["languages"]),
            sections=tuple(TextSection(**s) for s in data["text"]),
            categories=tuple(Category(**c) for c in data["categories"]),
            scope=data["scope"],
            spaces=tuple(Space(**s) for s in data["spaces"]),
            ladder=tuple(Level(**level) for level in data["ladder"]),
            outcomes=tuple(Outcome(**o) for o in data["outcomes"]),
            timelines=Timelines(**data["timelines"]),
            decision_rule=DecisionRule(**data["decision_rule"]),
            appeal_window_days=data["appeal_window_days"],
            retention_days=data["retention_days"],
            quorum=Quorum(**data["quorum"]),
            outside_contact=Contact(**data["outside_contact"]),
            emergency=tuple(EmergencyResource(**e) for e in data["emergency"]),
            stewards_contact=data["stewards_contact"],
            enforcement=Enforcement(**data.get("enforcement", {})),
            transparency=_transparency(data.get("transparency", {})),
            translations=data.get("translations", {}),
        )


def _transparency(data: dict[str, Any]) -> Transparency:
    if "period_months" in data:
        data = {**data, "period_months": tuple(data["period_months"])}
    return Transparency(**data)


def _fields(obj: Any) -> dict[str, Any]:
    # dataclasses.asdict deep-copies; these records hold only scalars, so a shallow dict is enough.
    return dict(vars(obj))
