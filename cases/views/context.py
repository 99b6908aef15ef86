"""What the case page shows, gathered from one case the viewer has already been allowed to read.

Everything here is reached from that case object (its reports, parties, notes...) or through the
access layer (earlier cases, quorum, standing); nothing is looked up by id on its own.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpRequest

from audit.models import Event
from cases.access import ALLOWED, Member, Need, Standing, committee, committee_standings, earlier_cases_about, quorum_for, standing
from cases.actions import ALLOWED_STATUS_CHANGES
from cases.forms import (
    EvidenceForm,
    MergeForm,
    MessageForm,
    NoteForm,
    PartyForm,
    RecuseForm,
    ShepherdForm,
    SoftReadForm,
    StatusForm,
    TriageForm,
)
from cases.models import Case, Party, PartyRole, Report, Status
from cases.panels import decided_outcome, rendered_panels
from cases.views.common import case_url
from people.access import is_admin_steward
from policy.schema import Policy
from steward.pagination import NEWEST_FIRST, NEWEST_FIRST_ADDED, Page, oldest_first, paginate

# Each list on the case page shows one page, the latest; "earlier" links page back (steward/pagination.py).
NOTES_PAGE = 50
EVIDENCE_PAGE = 50
MESSAGES_PAGE = 50
TIMELINE_PAGE = 100
EARLIER_CASES_PAGE = 20


@dataclass
class ReportView:
    report: Report
    categories: list[tuple[str, str]]
    space: str
    excluded_count: int


@dataclass
class PartyView:
    party: Party
    # The reporter's name and contact stay behind the "Show reporter identity" button on the report.
    shows_identity: bool
    identities: list[Any] = field(default_factory=list)


def _title(lookup: Any, code: str) -> str:
    try:
        return lookup(code).title
    except KeyError:
        return code


def report_views(case: Case, policy: Policy) -> list[ReportView]:
    views = []
    for report in case.reports.all():  # with their excluded stewards (case_context prefetches both)
        views.append(
            ReportView(
                report=report,
                categories=[(code, _title(policy.category, code)) for code in report.categories or []],
                space=_title(policy.space, report.space) if report.space else "",
                excluded_count=len(report.excluded_stewards.all()),
            )
        )
    return views


def party_views(case: Case) -> list[PartyView]:
    views = []
    for party in case.parties_with_people():
        if party.role == PartyRole.REPORTER:
            views.append(PartyView(party, shows_identity=False))
        else:
            views.append(PartyView(party, shows_identity=True, identities=list(party.person.identities.all())))
    return views


def shepherd_candidates(case: Case, members: list[Member] | None = None) -> list[Any]:
    """Active stewards who declared no conflict on this case (the only ones do_assign_shepherd accepts)."""
    candidates = [steward for steward, held in committee_standings(case, members) if held is Standing.UNCONFLICTED]
    return sorted(candidates, key=lambda steward: (steward.steward_profile.public_name, steward.pk))


def status_choices(case: Case) -> list[tuple[str, str]]:
    allowed = ALLOWED_STATUS_CHANGES.get(Status(case.status), set())
    return [(value, label) for value, label in Status.choices if value in allowed]


def outcome_title(policy: Policy, code: str) -> str:
    return dict(policy.level_choices() + policy.outcome_choices()).get(code, code)


def status_form(case: Case, data: Any = None) -> StatusForm:
    """The status buttons, and closing's outcome: the policy's non-sanction outcomes unless a decision gave one."""
    policy = case.policy_version.policy
    titles = policy.level_choices() + policy.outcome_choices()
    return StatusForm(data, allowed=status_choices(case), outcomes=policy.outcome_choices(), decided=decided_outcome(case), titles=titles)


def timeline(request: HttpRequest, case: Case) -> Page:
    # Events of cases that were joined into this one belong to its history too.
    ids = [case.pk, *case.merged_cases.values_list("pk", flat=True)]
    return oldest_first(
        paginate(request, Event.objects.filter(case_id__in=ids), ("-pk",), "timeline_before", TIMELINE_PAGE, case_url(case))
    )


def notes(request: HttpRequest, case: Case) -> Page:
    rows = case.notes.select_related("author__steward_profile")
    return oldest_first(paginate(request, rows, NEWEST_FIRST, "notes_before", NOTES_PAGE, case_url(case)))


def evidence(request: HttpRequest, case: Case) -> Page:
    rows = case.evidence.select_related("added_by__steward_profile")
    page = oldest_first(paginate(request, rows, NEWEST_FIRST_ADDED, "evidence_before", EVIDENCE_PAGE, case_url(case)))
    _attach_reports_and_parties(case, page.items)
    return page


def thread(request: HttpRequest, case: Case) -> Page:
    rows = case.messages.select_related(
        "author__steward_profile", "approved_by__steward_profile", "withdrawn_by__steward_profile"
    ).prefetch_related("outgoing_mails")
    page = oldest_first(paginate(request, rows, NEWEST_FIRST, "messages_before", MESSAGES_PAGE, case_url(case)))
    _attach_reports_and_parties(case, page.items)
    for message in page.items:
        message.case = case  # the template's helpers read it; the case is already in hand
    return page


def _attach_reports_and_parties(case: Case, rows: list[Any]) -> None:
    """Give each row its report and party from the case's own (read once per page), rather than joining the whole
    report into every row's query: on PostgreSQL, planning a message page joined to seven tables took 4 ms. A row
    whose report or party is not among the case's keeps Django's own lazy read."""
    reports = {report.pk: report for report in case.reports.all()}
    parties = {party.pk: party for party in case.parties_with_people()}
    for row in rows:
        if getattr(row, "report_id", None) in reports:
            row.report = reports[row.report_id]
        if getattr(row, "party_id", None) in parties:
            row.party = parties[row.party_id]


def case_context(request: HttpRequest, case: Case, viewer: Standing | None = None, **forms: Any) -> dict[str, Any]:
    """The whole case page. `forms` replaces a blank form with a bound one (to show what was typed);
    `viewer` is the viewer's standing when the view has just asked the access layer for it."""
    policy = case.policy_version.policy
    viewer_standing = viewer if viewer is not None else standing(request.user, case)
    # The reports and the parties, read once for every section and panel (which read them with .all()).
    prefetch_related_objects(
        [case],
        Prefetch("parties", Party.objects.select_related("person").prefetch_related("person__identities")),
        "reports__excluded_stewards",
    )
    reports = list(case.reports.all())
    members = committee(case)  # read once for the shepherd choice and the quorum
    candidates = shepherd_candidates(case, members)
    defaults: dict[str, Any] = {
        "triage_form": TriageForm(
            initial={
                "safety_risk": case.safety_risk,
                "ongoing_harassment": case.ongoing_harassment,
                "in_scope": case.in_scope,
                "handled_locally": case.handled_locally,
                "on_file_only": case.on_file_only,
            }
        ),
        "shepherd_form": ShepherdForm(candidates=candidates, initial={"shepherd": str(case.shepherd_id or "none")}),
        "note_form": NoteForm(),
        "message_form": MessageForm(reports=reports, parties=case.parties_with_people()),
        "party_form": PartyForm(),
        "evidence_form": EvidenceForm(),
        "merge_form": MergeForm(),
        "status_form": status_form(case),
        "recuse_form": RecuseForm(soft_already=viewer_standing is Standing.SOFT_READ),
        "soft_read_form": SoftReadForm(initial={"allowed": "yes" if case.soft_conflicted_may_read else "no"}),
    }
    defaults.update(forms)
    return {
        "case": case,
        "policy": policy,
        "can_vote": viewer_standing in ALLOWED[Need.VOTE],
        "can_decide": viewer_standing in ALLOWED[Need.DECIDE],
        "can_see_identity": viewer_standing in ALLOWED[Need.IDENTITY],
        "soft_conflicted": viewer_standing is Standing.SOFT_READ,
        "is_admin": is_admin_steward(request.user),
        "reports": report_views(case, policy),
        "parties": party_views(case),
        "earlier_cases": paginate(
            request, earlier_cases_about(request.user, case), NEWEST_FIRST, "earlier_after", EARLIER_CASES_PAGE, case_url(case)
        ),
        "notes": notes(request, case),
        "thread": thread(request, case),
        "evidence_items": evidence(request, case),
        "timeline": timeline(request, case),
        "quorum": quorum_for(case, members),
        "status_choices": status_choices(case),
        "outcome_title": outcome_title(policy, case.outcome) if case.outcome else "",
        "panels": rendered_panels(request, case, viewer_standing),
        **defaults,
    }
