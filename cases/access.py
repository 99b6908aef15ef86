"""The one way to reach a case. Views, downloads, searches and queues all come through here.

Rules (REQUIREMENTS 4):
- Only active stewards see cases at all; deactivation takes effect on the next request.
- A steward who is a party (their person record is linked to the case) or whom a reporter excluded
  has a hard conflict automatically, whatever they declared.
- A hard conflict, declared or automatic, hides the case entirely: 404, and absent from every list.
- Until a steward declares, they see the code name and nothing else.
- A soft conflict may read and discuss (notes, messages, evidence) while the case allows it. It
  never sees the reporter's identity (Need.IDENTITY) and never decides (Need.DECIDE: propose or
  withdraw an outcome, record whether the reported person is told, triage, status, shepherd,
  merging, approving letters and enforcement plans), and never votes (Need.VOTE).
- A case joined into another (merged_into) has no page of its own: its code name leads to the case
  it joined, for whoever may read that case, and is a 404 for everyone else (merged_target).
Every refusal is a 404, so a refusal cannot confirm that a case exists.
"""

import enum
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from cases.models import AwaitingDeclaration, Case, ConflictDeclaration, ConflictLevel, Evidence, Party, Report
from people.access import active_stewards, is_active_steward


class Need(enum.Enum):
    CODE_NAME = "code_name"  # may know the case exists and declare a conflict
    READ = "read"  # content, parties, notes, evidence, timeline
    WRITE = "write"  # notes, messages, evidence: taking part in the discussion
    IDENTITY = "identity"  # the reporter's name and contact
    DECIDE = "decide"  # anything that shapes the outcome (see the module docstring)
    VOTE = "vote"  # only stewards with no conflict at all


UNDECLARED = "undeclared"  # the level of a steward who has not declared on a case


class Standing(enum.Enum):
    HIDDEN = "hidden"  # not a steward, or hard-conflicted
    UNDECLARED = "undeclared"
    SOFT_READ = "soft_read"
    SOFT_BLOCKED = "soft_blocked"
    UNCONFLICTED = "unconflicted"


ALLOWED: dict[Need, set[Standing]] = {
    Need.CODE_NAME: {Standing.UNDECLARED, Standing.SOFT_READ, Standing.SOFT_BLOCKED, Standing.UNCONFLICTED},
    Need.READ: {Standing.SOFT_READ, Standing.UNCONFLICTED},
    Need.WRITE: {Standing.SOFT_READ, Standing.UNCONFLICTED},
    Need.IDENTITY: {Standing.UNCONFLICTED},
    Need.DECIDE: {Standing.UNCONFLICTED},
    Need.VOTE: {Standing.UNCONFLICTED},
}


def may(user: Any, case: Case, need: Need) -> bool:
    """Whether `user` may do `need` with `case`: the same answer access_case gives, for a case already in hand
    (actions re-check with this; an export or a list reaches cases through a person rather than a code name).
    A case joined into another is reached only through the case it joined."""
    return case.merged_into_id is None and standing(user, case) in ALLOWED[need]


def _automatic_hard_conflicts(user: Any, case: str = "pk") -> list[Exists]:
    """Cases where `user` is a party through their person record, or a reporter excluded them (`case`: the outer
    query's case id). Two conditions, each excluded on its own, so the database can test each with one probe."""
    person_id = user.steward_profile.person_id
    is_party = Exists(Party.objects.filter(case=OuterRef(case), person_id=person_id))
    excluded = Exists(Report.objects.filter(case=OuterRef(case), excluded_stewards=user))
    return [is_party, excluded]


def _declared(user: Any, *levels: str) -> Exists:
    return Exists(ConflictDeclaration.objects.filter(case=OuterRef("pk"), steward=user, level__in=levels))


def _not_hidden(user: Any) -> QuerySet[Case]:
    cases = Case.objects.filter(merged_into__isnull=True)
    for conflict in _automatic_hard_conflicts(user):
        cases = cases.exclude(conflict)
    return cases.exclude(_declared(user, ConflictLevel.HARD))


# Below this many declarations a steward's readable cases are read from their declarations (and sorted there);
# from it on, from the queue's index in order, asking each case about the steward. Both give the same cases.
FEW_DECLARATIONS = 2000


def readable_cases(user: Any) -> QuerySet[Case]:
    """Cases whose content `user` may read: the base of every queue and search.

    What a steward may read is their own declarations, so the list is read from those rows, not worked out for
    every case. A steward who reads few cases (a newcomer, a steward of a small working group) gets them from
    their declarations (index declaration_by_steward), at most FEW_DECLARATIONS rows to sort; one who reads
    many gets a page from the queue's index in order, each case's declaration probed on its unique index, and
    the read stops after one page. Telling the two apart reads at most FEW_DECLARATIONS index entries."""
    if not is_active_steward(user):
        return Case.objects.none()
    mine = ConflictDeclaration.objects.filter(steward=user, level__in=(ConflictLevel.NONE, ConflictLevel.SOFT))
    readable = mine.filter(Q(level=ConflictLevel.NONE) | Q(level=ConflictLevel.SOFT, case__soft_conflicted_may_read=True))
    if mine[:FEW_DECLARATIONS].count() < FEW_DECLARATIONS:
        return _not_hidden(user).filter(pk__in=readable.values("case_id"))
    # One EXISTS (not an OR of two), which PostgreSQL probes per case instead of hashing every declaration.
    return _not_hidden(user).filter(Exists(readable.filter(case=OuterRef("pk"))))


def cases_known_to(user: Any) -> QuerySet[Case]:
    """Cases `user` may know exist: not hard-conflicted (declared, or automatically as a party or excluded by the
    reporter), not joined into another. For aggregate figures that must leave out what a hard conflict hides."""
    if not is_active_steward(user):
        return Case.objects.none()
    return _not_hidden(user)


def undeclared_cases(user: Any) -> QuerySet[Case]:
    """Cases `user` has not declared on and is not automatically excluded from: code names only."""
    if not is_active_steward(user):
        return Case.objects.none()
    any_declaration = Exists(ConflictDeclaration.objects.filter(case=OuterRef("pk"), steward=user))
    awaited = Exists(AwaitingDeclaration.objects.filter(case=OuterRef("pk"), steward=user))
    return _not_hidden(user).filter(awaited).exclude(any_declaration)


def awaiting_declaration(user: Any) -> QuerySet[AwaitingDeclaration]:
    """The list of cases waiting for `user`'s declaration, as rows carrying only the code name, in name order.

    Read from the steward's own rows (index awaiting_by_name, kept by cases.awaiting), so a steward who has
    declared on every case does not read every case to learn that. The rows are an index, not a permission:
    each is checked against undeclared_cases' rules, so a stale row shows nothing."""
    if not is_active_steward(user):
        return AwaitingDeclaration.objects.none()
    # The rules written on the rows themselves (not as "the row's case is in undeclared_cases"), so the database
    # reads the steward's rows in name order and probes each, instead of gathering and sorting them all.
    rows = AwaitingDeclaration.objects.filter(steward=user, case__merged_into__isnull=True)
    for conflict in _automatic_hard_conflicts(user, "case_id"):
        rows = rows.exclude(conflict)
    declared = Exists(ConflictDeclaration.objects.filter(case=OuterRef("case_id"), steward=user))
    return rows.exclude(declared).only("code_name")


def rows_on_cases(user: Any, rows: QuerySet[Any], need: Need, case: str = "case") -> QuerySet[Any]:
    """`rows` (of any model reaching a case through `case`, e.g. "case" or "decision__case") limited to those on
    cases where `user` may do `need`: READ or WRITE (declared none, or soft while the case allows soft readers),
    or IDENTITY, DECIDE or VOTE (declared none). The same rules as standing(), written on the rows themselves (as
    awaiting_declaration does): for a steward who declared on many cases the database reads the rows asked for and
    probes each one's case; for one who declared on few (below FEW_DECLARATIONS, as readable_cases decides) it starts
    from their declarations. CODE_NAME is not served here: before declaring, a steward has nothing but the awaiting
    list (awaiting_declaration)."""
    if need is Need.CODE_NAME:
        raise ValueError("rows_on_cases serves the needs that require a declaration")
    if not is_active_steward(user):
        return rows.none()
    rows = rows.filter(**{f"{case}__merged_into__isnull": True})
    for conflict in _automatic_hard_conflicts(user, case):
        rows = rows.exclude(conflict)
    declared = ConflictDeclaration.objects.filter(steward=user)
    if need in (Need.READ, Need.WRITE):
        declared = declared.filter(Q(level=ConflictLevel.NONE) | Q(level=ConflictLevel.SOFT, case__soft_conflicted_may_read=True))
    else:
        declared = declared.filter(level=ConflictLevel.NONE)
    # As readable_cases: a steward with few declarations has the rows found from those (the database starts from the
    # cases they declared on); one with many has each row's case probed for their declaration.
    if not _reads_many(user):
        return rows.filter(**{f"{case}__in": declared.values("case_id")})
    return rows.filter(Exists(declared.filter(case=OuterRef(case))))


def _reads_many(user: Any) -> bool:
    """Whether `user` has FEW_DECLARATIONS or more readable declarations, asked once per user object (a page asking for
    several lists reads the index once). The answer only chooses the query's shape: both shapes give the same rows, so
    a declaration made since cannot make it wrong."""
    cached = getattr(user, "_steward_reads_many", None)
    if cached is None or cached[0] != FEW_DECLARATIONS:
        mine = ConflictDeclaration.objects.filter(steward=user, level__in=(ConflictLevel.NONE, ConflictLevel.SOFT))
        cached = (FEW_DECLARATIONS, mine[:FEW_DECLARATIONS].count() >= FEW_DECLARATIONS)
        user._steward_reads_many = cached
    return cached[1]


def standing(user: Any, case: Case) -> Standing:
    if not is_active_steward(user):
        return Standing.HIDDEN
    is_party, excluded = _automatic_hard_conflicts(user)
    if Case.objects.filter(pk=case.pk).filter(Q(is_party) | Q(excluded)).exists():
        return Standing.HIDDEN
    declaration = ConflictDeclaration.objects.filter(case=case, steward=user).first()
    return _standing_for_level(declaration.level if declaration else UNDECLARED, case)


def _standing_for_level(level: str, case: Case) -> Standing:
    """The standing of an active steward with `level` on `case` (hard for an automatic conflict too)."""
    if level == UNDECLARED:
        return Standing.UNDECLARED
    if level == ConflictLevel.HARD:
        return Standing.HIDDEN
    if level == ConflictLevel.SOFT:
        return Standing.SOFT_READ if case.soft_conflicted_may_read else Standing.SOFT_BLOCKED
    return Standing.UNCONFLICTED


def access_case(user: Any, code_name: str, need: Need) -> Case:
    """The case named `code_name` if `user` may do `need` with it; otherwise 404."""
    return access_case_and_standing(user, code_name, need)[0]


def access_case_and_standing(user: Any, code_name: str, need: Need) -> tuple[Case, Standing]:
    """access_case, with the standing it was decided on (for a page that shows more or less by standing)."""
    case = Case.objects.filter(code_name=code_name, merged_into__isnull=True).select_related(*_CASE_PAGE_RELATED).first()
    return _checked(user, case, need)


def access_case_or_merged(user: Any, code_name: str, need: Need) -> tuple[Case, Standing | None]:
    """access_case_and_standing, or, for the old name of a joined case, the case it went to and no standing.

    The case is read once either way (the case page asks this on every view). Where it went is told only to
    a reader of the case it joined: anyone else gets the same 404 as for a name that never existed.
    """
    case = Case.objects.filter(code_name=code_name).select_related(*_CASE_PAGE_RELATED).first()
    if case is not None and case.merged_into_id is not None:
        target = _merge_destination(user, case)
        if target is None:
            raise Http404("No such case.")
        return target, None
    return _checked(user, case, need)


_CASE_PAGE_RELATED = ("policy_version", "shepherd")


def _checked(user: Any, case: Case | None, need: Need) -> tuple[Case, Standing]:
    if case is None:
        raise Http404("No such case.")
    viewer = standing(user, case)
    if viewer not in ALLOWED[need]:
        raise Http404("No such case.")
    return case, viewer


def merged_target(user: Any, code_name: str) -> Case | None:
    """The case that the case named `code_name` was joined into, if `user` may read it; else None.

    Only a reader of the target learns where the joined case went: anyone else gets the same 404 as
    for a name that never existed.
    """
    return _merge_destination(user, Case.objects.filter(code_name=code_name, merged_into__isnull=False).first())


def _merge_destination(user: Any, case: Case | None) -> Case | None:
    """Where the joined `case` finally went (following joins of joins), if `user` may read it; else None."""
    seen = set()
    while case is not None and case.merged_into_id is not None and case.pk not in seen:
        seen.add(case.pk)
        case = Case.objects.filter(pk=case.merged_into_id).select_related(*_CASE_PAGE_RELATED).first()
    if case is None or case.merged_into_id is not None or not may(user, case, Need.READ):
        return None
    return case


def access_evidence(user: Any, code_name: str, evidence_id: int) -> Evidence:
    case = access_case(user, code_name, Need.READ)
    evidence = Evidence.objects.filter(case=case, pk=evidence_id).first()
    if evidence is None:
        raise Http404("No such file.")
    return evidence


def earlier_cases_about(user: Any, case: Case) -> QuerySet[Case]:
    """Other readable cases naming any of this case's reported people (a pattern of behaviour)."""
    # The people read first (one or two ids): with their values in hand the database starts from their parties,
    # where a nested query left PostgreSQL guessing and joining every case.
    persons = list(Party.objects.filter(case=case, role="reported").values_list("person_id", flat=True))
    about = Party.objects.filter(person_id__in=persons, role="reported").exclude(case=case).values("case_id")
    if not about.exists():
        # Most people are reported once: then there is nothing to ask the visibility rules about, whose query
        # PostgreSQL takes 2 ms to plan on every case page.
        return Case.objects.none()
    return readable_cases(user).filter(pk__in=about)  # `about` holds other cases only


# --- Reporters' follow-up links -------------------------------------------------------------


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def access_report_by_link(reference: str, secret: str) -> Report:
    """The report whose follow-up secret this is. Any mismatch is the same 404 as an unknown reference."""
    report = Report.objects.filter(reference=reference.upper()).select_related("case").first()
    supplied = hash_secret(secret)
    stored = report.secret_hash if report is not None else hash_secret("no report " + reference)
    if report is None or not hmac.compare_digest(stored, supplied):
        raise Http404("This follow-up link is not valid.")
    return report


def access_opened_report(reference: str) -> Report:
    """The report a visitor's session holds open (steward.link_sessions): its secret was checked when it was opened.
    A report erased since is the same 404 as any other."""
    report = Report.objects.filter(reference=reference.upper()).select_related("case").first()
    if report is None:
        raise Http404("This follow-up link is not valid.")
    return report


# --- Quorum guard ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quorum:
    unconflicted: int  # declared "none"
    undeclared: int
    not_hard_conflicted: int  # none + soft + undeclared
    min_unconflicted: int
    min_not_hard_conflicted: int

    @property
    def met(self) -> bool:
        # Stewards who have not declared yet could still declare "none", so they count as possible.
        possible_unconflicted = self.unconflicted + self.undeclared
        return possible_unconflicted >= self.min_unconflicted and self.not_hard_conflicted >= self.min_not_hard_conflicted


def quorum_for(case: Case, members: "list[Member] | None" = None) -> Quorum:
    """The quorum of `case`; `members` is committee(case) when the caller has just read it (one read per page)."""
    rules = case.policy_version.policy.quorum
    counts = dict.fromkeys((ConflictLevel.NONE, ConflictLevel.SOFT, UNDECLARED), 0)
    for level in (member.level for member in (committee(case) if members is None else members)):
        if level in counts:
            counts[level] += 1
    return Quorum(
        unconflicted=counts[ConflictLevel.NONE],
        undeclared=counts[UNDECLARED],
        not_hard_conflicted=sum(counts.values()),
        min_unconflicted=rules.min_unconflicted,
        min_not_hard_conflicted=rules.min_not_hard_conflicted,
    )


# --- The whole committee at once ------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    steward: Any
    level: str  # ConflictLevel, hard for an automatic conflict, or UNDECLARED


def committee(case: Case) -> list[Member]:
    """Every active steward's level on `case`, in four queries however large the committee is.

    The same rules as standing() for one steward (a party through their person record, or excluded by a
    reporter: hard whatever they declared), read for everyone at once for the quorum guard and the shepherd
    choice, which would otherwise ask twice per steward.
    """
    stewards = list(active_stewards().select_related("steward_profile"))
    party_people = set(Party.objects.filter(case=case).values_list("person_id", flat=True))
    excluded = set(Report.excluded_stewards.through.objects.filter(report__case=case).values_list("user_id", flat=True))
    declared = dict(ConflictDeclaration.objects.filter(case=case).values_list("steward_id", "level"))
    members = []
    for steward in stewards:
        automatic = steward.steward_profile.person_id in party_people or steward.pk in excluded
        members.append(Member(steward, ConflictLevel.HARD if automatic else declared.get(steward.pk, UNDECLARED)))
    return members


def committee_standings(case: Case, members: list[Member] | None = None) -> list[tuple[Any, Standing]]:
    """Each active steward with their standing on `case` (as standing() answers one by one)."""
    return [(member.steward, _standing_for_level(member.level, case)) for member in (committee(case) if members is None else members)]
