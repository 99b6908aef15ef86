"""What joining one case into another does with everything that points at the joined case.

Every model with a foreign key to Case (in any app) is named in RELATIONS, found through Django's
model metadata rather than imported, so cases/ still imports no other app. A relation that is not
named blocks every merge (`unclassified_relations`, and a test keeps the table complete): a new
model must be decided on before cases can be joined again. Rows that point at the joined case's
people (Party) are pointed at the same people in the target.

Who may see the result is decided by what moves: the reports (with the stewards their reporters
excluded), the people (parties), and each steward's conflict declaration, merged strictest first
(`merged_level`).
"""

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from cases.models import Case, ConflictDeclaration, ConflictLevel, Party


@dataclass(frozen=True)
class Rule:
    move: bool  # False: the rows stay with the joined case (they describe its own past, like its clocks)
    # Rows matching this filter (an empty dict: any row) make the merge impossible; `why` says so.
    refuse_if: dict[str, Any] | None = None
    why: str | Promise = ""
    handled_by_merge: bool = False  # moved by do_merge_cases itself (parties, declarations)


REFUSE_DECIDED = _lazy("%(name)s has a decision (with its sanctions, appeals and enforcement); join the other case into it instead.")

# (app_label.Model, field name) -> what a merge does with the rows of the joined (source) case.
RELATIONS: dict[tuple[str, str], Rule] = {
    ("cases.Report", "case"): Rule(move=True),
    ("cases.Party", "case"): Rule(move=True, handled_by_merge=True),
    ("cases.ConflictDeclaration", "case"): Rule(move=True, handled_by_merge=True),
    # The joined case has no list of its own; the result's rows follow its declarations (cases.awaiting).
    ("cases.AwaitingDeclaration", "case"): Rule(move=False),
    ("cases.Note", "case"): Rule(move=True),
    ("cases.Message", "case"): Rule(move=True),
    ("cases.Evidence", "case"): Rule(move=True),
    # Cases joined into the source earlier now belong to the target directly (one level, one timeline).
    ("cases.Case", "merged_into"): Rule(move=True),
    # Closed proposals and their votes are history and move; an open one must be ended first.
    ("decisions.Proposal", "case"): Rule(
        move=True, refuse_if={"status": "open"}, why=_lazy("%(name)s has an open proposal; withdraw it or let the vote end first.")
    ),
    ("decisions.InformDecision", "case"): Rule(move=True),
    ("decisions.ResponseRecord", "case"): Rule(move=True),
    ("decisions.Decision", "case"): Rule(move=False, refuse_if={}, why=REFUSE_DECIDED),
    ("enforcement.Plan", "case"): Rule(move=False, refuse_if={}, why=REFUSE_DECIDED),
    ("enforcement.WatchAlert", "case"): Rule(move=False, refuse_if={}, why=REFUSE_DECIDED),
    ("enforcement.ModeratorAction", "case"): Rule(move=True),
    ("enforcement.StewardNotice", "case"): Rule(move=False),  # mails already sent about the source
    ("letters.PartyLink", "case"): Rule(move=True),
    ("letters.OutgoingMail", "case"): Rule(move=True),
    # The source's clocks stop when it is joined (clocks.deadlines.is_stopped); the target's keep running.
    ("clocks.Deadline", "case"): Rule(move=False),
    ("clocks.InterimMeasure", "case"): Rule(move=True),
    ("screening.Flag", "case"): Rule(move=True),
    # Alerts and chat notices already sent about the source; unsent ones are skipped (its page now leads to the target).
    ("notifications.NewCaseAlert", "case"): Rule(move=False),
    ("notifications.ChatNotice", "case"): Rule(move=False),
    # A steward's "new messages" mark stays on the joined case (whose page is gone, so it shows nothing); the messages
    # themselves move, and the target's page shows them.
    ("mywork.UnseenPartyMessages", "case"): Rule(move=False),
    # The target's retention decides for the whole group (privacy.erasure); a hold must not be lost silently.
    ("privacy.CaseRetention", "case"): Rule(
        move=False, refuse_if={"legal_hold": True}, why=_lazy("%(name)s is under a legal hold; join the other case into it instead.")
    ),
}


def relations_to(model: type[models.Model]) -> list[models.ForeignObjectRel]:
    """Every foreign key to `model` from any installed app, including those without a reverse name."""
    return [
        rel
        for rel in model._meta.get_fields(include_hidden=True)
        if isinstance(rel, models.ForeignObjectRel) and not rel.many_to_many and rel.field.concrete
    ]


def _key(rel: models.ForeignObjectRel) -> tuple[str, str]:
    return (rel.related_model._meta.label, rel.field.name)


def unclassified_relations() -> list[tuple[str, str]]:
    return [_key(rel) for rel in relations_to(Case) if _key(rel) not in RELATIONS]


def refusals(source: Case) -> list[str]:
    """Why `source` cannot be joined into another case (empty: it can)."""
    unknown = unclassified_relations()
    if unknown:
        return [_("Cases cannot be joined until these records are provided for: %(names)s.") % {"names": unknown}]
    reasons = []
    for rel in relations_to(Case):
        rule = RELATIONS[_key(rel)]
        if rule.refuse_if is None:
            continue
        rows = rel.related_model._default_manager.filter(**{rel.field.name: source}, **rule.refuse_if)
        if rows.exists():
            reasons.append(str(rule.why) % {"name": source.code_name})
    return list(dict.fromkeys(reasons))


def move_rows(source: Case, target: Case) -> dict[str, int]:
    """Point every movable row of `source` at `target`; returns the count per model (for the audit event)."""
    moved = {}
    for rel in relations_to(Case):
        rule = RELATIONS[_key(rel)]
        if not rule.move or rule.handled_by_merge:
            continue
        count = rel.related_model._default_manager.filter(**{rel.field.name: source}).update(**{rel.field.name: target})
        if count:
            moved[rel.related_model._meta.label] = count
    return moved


def move_parties(source: Case, target: Case) -> int:
    """The source's people join the target (once per person and role); rows about them follow them."""
    count = 0
    for party in Party.objects.filter(case=source):
        # A consent to be named moves with the party; where the target already has them, the target's stands.
        same, _created = Party.objects.get_or_create(
            case=target, person_id=party.person_id, role=party.role, defaults={"agreed_to_be_named": party.agreed_to_be_named}
        )
        for rel in relations_to(Party):
            rel.related_model._default_manager.filter(**{rel.field.name: party}).update(**{rel.field.name: same})
        party.delete()
        count += 1
    return count


# Strictest first. A steward who declared nothing on one side has not weighed that side's people,
# so "none" only survives if declared on both sides; soft and hard always survive.
STRICTNESS: list[str | None] = [ConflictLevel.HARD, ConflictLevel.SOFT, None, ConflictLevel.NONE]


def merged_level(first: str | None, second: str | None) -> str | None:
    """The declaration a steward keeps on the joined case (None: undeclared)."""
    return min((first, second), key=lambda level: STRICTNESS.index(level))


def merge_declarations(source: Case, target: Case) -> dict[str, int]:
    """Give each steward on the target the strictest of their two declarations; returns counts of changes."""
    on_source = dict(ConflictDeclaration.objects.filter(case=source).values_list("steward_id", "level"))
    on_target = dict(ConflictDeclaration.objects.filter(case=target).values_list("steward_id", "level"))
    changes = {"stricter": 0, "to_declare_again": 0}
    for steward_id in on_source.keys() | on_target.keys():
        before = on_target.get(steward_id)
        after = merged_level(before, on_source.get(steward_id))
        if after == before:
            continue
        if after is None:
            ConflictDeclaration.objects.filter(case=target, steward_id=steward_id).delete()
            changes["to_declare_again"] += 1
        else:
            ConflictDeclaration.objects.update_or_create(case=target, steward_id=steward_id, defaults={"level": after})
            changes["stricter"] += 1
    # The source keeps its own declarations (time-stamped records); it is hidden from everyone now.
    return changes
