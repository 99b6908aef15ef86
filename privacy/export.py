"""What Steward holds about one person (GDPR 15), with other people's identities and words kept out.

Two promises meet here:
- The access layer (cases.access) holds for an export as for any page: the steward making it gets
  the content only of cases they may read. A case they have not declared on (or may not read as
  soft-conflicted) is counted, so they can declare or hand over; a case they are hard-conflicted on
  is left out without a word, because even "one case withheld" would tell a reported steward who
  reported them. A case the person reported goes only into an export made by a steward who may see
  the reporter's identity (Need.IDENTITY): a soft-conflicted reader of it is not told of it either.
  Each case left out is marked in that case's own timeline (privacy.actions), without saying whose
  request it was, and the request pages point only the admins who may export it to it.
- A person's export holds what is about them or from them, never other people's words: a reporter
  gets their own reports and their own thread, a reported person the letters approved for them, the
  decisions about them and their responses. Reporters' and witnesses' identities are never in it
  (GDPR 15(4)). The report text is left out by default; on request it is included with every name,
  handle, e-mail address and phone number of the case's reporters and witnesses replaced by "[redacted]",
  in whatever form it is written (privacy.identity_match, the matcher the letters' leak check uses too).
"""

from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import Event
from cases.access import Need, may, readable_cases
from cases.models import Audience, Case, Channel, Message, Party, PartyRole, Report
from intake.portal import reporter_messages
from letters.models import OutgoingMail, PartyLink
from letters.portal import SHOWN_TO_PARTY
from people.models import Person, Space, normalise_handle
from privacy.identity_match import Matcher, Protected, contact_forms
from privacy.models import DataSubjectRequest
from surveys.models import SurveyInvitation

REDACTED = "[redacted]"
# Audit event kinds of an export (privacy.actions.do_export writes them).
EXPORTED = "privacy.exported"
CASE_EXPORTED = "privacy.case_exported"
CASE_LEFT_OUT = "privacy.case_left_out"
PROTECTED_ROLES = {PartyRole.REPORTER, PartyRole.WITNESS}
# Roles whose export carries the (redacted) report text when asked: the reports are about them.
# A witness is in a report only by name, and witnesses' names are redacted, so the text would hold
# nothing of theirs; a reporter gets their own reports only.
REPORTS_ARE_ABOUT = {PartyRole.REPORTED, PartyRole.AFFECTED}


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _identity_values(report: Report) -> set[str]:
    return {report.reporter_name, report.reporter_email} | {form.value for form in contact_forms(report.reporter_other_contact)}


def protected_strings(case_id: int, *, own: Person | None = None, own_reports: tuple[Report, ...] = ()) -> list[str]:
    """Every identifying value of the case's reporters and witnesses (free-text contact details split into the
    addresses, numbers and handles they hold), longest first. The values of `own` (the person the export is
    for) and of their own reports are left out: a reporter's own name is theirs to read."""
    found: set[str] = set()
    for report in Report.objects.filter(case_id=case_id):
        found.update(_identity_values(report))
    for party in Party.objects.filter(case_id=case_id, role__in=PROTECTED_ROLES).select_related("person"):
        found.add(party.person.display_name)
        found.update(identity.handle for identity in party.person.identities.all())
    if own is not None:
        found -= {own.display_name} | {identity.handle for identity in own.identities.all()}
        for report in own_reports:
            found -= _identity_values(report)
    return sorted((value.strip() for value in found if value and len(value.strip()) >= 2), key=len, reverse=True)


def redact(text: str, secrets: list[str]) -> str:
    """`text` with every form of the `secrets` cut out (privacy.identity_match: any case, look-alike letters,
    invisible characters, spelled out or split, name parts alone, phone numbers by their digits)."""
    return Matcher([Protected.guess(secret) for secret in secrets]).redact(text, REDACTED)


def with_merged(case: Case) -> list[Case]:
    """The case and every case joined into it: decisions and responses stay on the case they were made in."""
    found = [case]
    for source in Case.objects.filter(merged_into=case):
        found.extend(with_merged(source))
    return found


def reports_by(person: Person, case: Case) -> list[Report]:
    """The reports of `case` this person made, matched through the identity each report came with:
    its e-mail address (the report form), or the handle a space's own report tool gave (intake.from_spaces
    writes it as "<handle> on <space>"). An anonymous report matches nobody."""
    identities = list(person.identities.all())
    emails = {identity.handle for identity in identities if identity.space == Space.EMAIL}
    handles = {identity.handle for identity in identities if identity.space != Space.EMAIL}
    mine = []
    for report in Report.objects.filter(case=case, anonymous=False):
        by_email = bool(report.reporter_email) and normalise_handle(Space.EMAIL, report.reporter_email) in emails
        space_handle = report.reporter_other_contact.partition(" on ")[0] if report.channel == Channel.SPACE else ""
        by_handle = bool(space_handle) and normalise_handle(Space.OTHER, space_handle) in handles
        if by_email or by_handle:
            mine.append(report)
    return mine


def _messages(party: Party, person: Person, own_reports: list[Report]) -> list[Message]:
    if party.role == PartyRole.REPORTER:
        # Each reporter's thread hangs on their own report; another reporter's thread is never theirs.
        return [message for report in own_reports for message in reporter_messages(report)]
    if party.role == PartyRole.REPORTED:
        # Message.party is the party row of the case the letter was written in (it stays with a merge).
        thread = Message.objects.filter(case=party.case, audience=Audience.REPORTED, party__person=person).filter(SHOWN_TO_PARTY)
        return list(thread.order_by("created_at", "id"))
    return []


def _message_rows(messages: list[Message]) -> list[dict[str, Any]]:
    mails: dict[int, list[OutgoingMail]] = {}
    for mail in OutgoingMail.objects.filter(message__in=messages).order_by("created_at", "id"):
        mails.setdefault(mail.message_id, []).append(mail)
    return [
        {
            "sent_at": _iso(m.created_at),
            "from_you": bool(m.from_reporter or m.from_party),
            "text": m.body,
            "letters": [{"subject": mail.subject, "status": mail.status, "sent_at": _iso(mail.sent_at)} for mail in mails.get(m.pk, [])],
        }
        for m in messages
    ]


def _decisions(party: Party, person: Person, group: list[Case]) -> list[dict[str, Any]]:
    """Decisions about this reported person: those aimed at them, and outcomes for the whole case.
    A decision about another reported person in the same case is theirs, not this person's."""
    if party.role != PartyRole.REPORTED:
        return []
    try:
        decision_model = apps.get_model("decisions", "Decision")
        sanction_model = apps.get_model("decisions", "Sanction")
    except LookupError:
        return []
    about_them = Q(proposal__target__person=person) | Q(proposal__target__isnull=True)
    rows = []
    for decision in decision_model.objects.filter(case__in=group).filter(about_them).order_by("decided_at", "id"):
        sanctions = sanction_model.objects.filter(decision=decision, person=person)
        rows.append(
            {
                "outcome": decision.outcome,
                "decided_at": _iso(decision.decided_at),
                "sanctions": [
                    {"level": s.level, "starts_at": _iso(s.starts_at), "ends_at": _iso(s.ends_at), "status": s.status} for s in sanctions
                ],
            }
        )
    return rows


def _responses(party: Party, person: Person, group: list[Case]) -> list[dict[str, Any]]:
    if party.role != PartyRole.REPORTED:
        return []
    try:
        response_model = apps.get_model("decisions", "ResponseRecord")
    except LookupError:
        return []
    records = response_model.objects.filter(case__in=group, party__person=person).order_by("recorded_at", "id")
    return [{"kind": r.kind, "recorded_at": _iso(r.recorded_at), "text": r.text} for r in records]


def _portal_links(party: Party, person: Person, group: list[Case]) -> list[dict[str, Any]]:
    links = PartyLink.objects.filter(case__in=group, party__person=person).order_by("created_at", "id")
    return [{"created_at": _iso(link.created_at), "revoked_at": _iso(link.revoked_at)} for link in links]


def _reports(party: Party, own_reports: list[Report], include_text: bool) -> list[dict[str, Any]] | str:
    if party.role == PartyRole.REPORTER:
        reports = own_reports
    elif party.role in REPORTS_ARE_ABOUT:
        reports = list(Report.objects.filter(case=party.case))
    else:
        return _("Not included: the reports are not about you.")
    if not include_text:
        return _("%(count)d report(s); text withheld to protect the people who reported") % {"count": len(reports)}
    secrets = protected_strings(party.case_id, own=party.person, own_reports=tuple(own_reports))
    return [
        {"reference_date": _iso(report.submitted_at), "text": redact(report.body, secrets), "categories": report.categories}
        for report in reports
    ]


def _closing_survey(party: Party, own_reports: list[Report]) -> str:
    """Whether the person answered the closing survey. Their answer is not in the export because nothing links it
    to them: only this mark (surveys.SurveyInvitation) says that they answered."""
    if party.role == PartyRole.REPORTER:
        answered = SurveyInvitation.objects.filter(report__in=own_reports).exists()
    else:
        answered = SurveyInvitation.objects.filter(party=party).exists()
    if answered:
        return _("answered; the answers are kept without any link to you or to the case, so they cannot be included")
    return _("not answered")


def case_entry(party: Party, person: Person, *, include_report_text: bool) -> dict[str, Any]:
    """One case as the person sees it. The caller has checked the steward may read the case."""
    case = party.case
    group = with_merged(case)
    own_reports = reports_by(person, case) if party.role == PartyRole.REPORTER else []
    return {
        "case": case.code_name,
        "your_role": party.role,
        "opened_at": _iso(case.created_at),
        "status": case.status,
        "decided_at": _iso(case.decided_at),
        "closed_at": _iso(case.closed_at),
        "other_people": [
            {"role": other.role, "identity": REDACTED if other.role in PROTECTED_ROLES else "not included"}
            for other in Party.objects.filter(case=case).exclude(person=person)
        ],
        "decisions": _decisions(party, person, group),
        "your_responses": _responses(party, person, group),
        "messages_to_you": _message_rows(_messages(party, person, own_reports)),
        "portal_links": _portal_links(party, person, group) if party.role == PartyRole.REPORTED else [],
        "reports": _reports(party, own_reports, include_report_text),
        "closing_survey": _closing_survey(party, own_reports),
    }


@dataclass
class Export:
    payload: dict[str, Any]
    included: list[Party] = field(default_factory=list)
    # The steward may know these cases exist (undeclared, or soft-conflicted where the case keeps them out): counted.
    withheld_counted: list[Party] = field(default_factory=list)
    # Hard conflicts: not named, not counted, not hinted at.
    withheld_silently: list[Party] = field(default_factory=list)

    @property
    def withheld(self) -> list[Party]:
        return [*self.withheld_counted, *self.withheld_silently]


def scope_statement() -> str:
    return _(
        "This export holds the cases the steward who made it may read. A case in which that steward has a conflict "
        "of interest is not in it and is not mentioned; the stewards of that case are told, and another admin "
        "produces the export for it."
    )


def _need_to_export(party: Party) -> Need:
    """A reporter's export names them and holds their report: it says who reported the case, so only a steward
    who may see the reporter's identity (not a soft-conflicted one) makes it. Any other party's, whoever may read."""
    return Need.IDENTITY if party.role == PartyRole.REPORTER else Need.READ


def sort_parties(steward: Any, person: Person) -> Export:
    """The person's parties (in cases not joined into another) by what `steward` may do with each case."""
    export = Export(payload={})
    parties = Party.objects.filter(person=person, case__merged_into__isnull=True).select_related("case")
    for party in parties.order_by("case__created_at", "id"):
        if may(steward, party.case, _need_to_export(party)):
            export.included.append(party)
        elif may(steward, party.case, Need.READ):
            # A soft-conflicted reader of a case this person reported: they may read the case but not learn who
            # reported it, and a count would point at the case they can read. Another admin exports it.
            export.withheld_silently.append(party)
        elif may(steward, party.case, Need.CODE_NAME):
            export.withheld_counted.append(party)
        else:
            export.withheld_silently.append(party)
    return export


def may_know_of(steward: Any, person: Person) -> bool:
    """Whether `steward` may know this person is on record at all.

    A person is on record because they are a party somewhere (or a steward). If every case they are in is
    hidden from this steward, even "a request about them exists" would tell the steward who is in those
    cases, so requests about them are not shown to this steward (other admins answer them)."""
    if hasattr(person, "steward_profile"):
        return True  # stewards are on record for being stewards: that tells nobody anything
    parties = sort_parties(steward, person)
    return bool(parties.included or parties.withheld_counted or not parties.withheld_silently)


def build_export(steward: Any, person: Person, *, include_report_text: bool = False) -> Export:
    """The person's data as far as `steward` may read it. Writes nothing: privacy.actions.do_export records it."""
    export = sort_parties(steward, person)
    export.payload = {
        "generated_at": timezone.now().isoformat(),
        "scope": scope_statement(),
        "person": {"code_name": person.code_name, "name": person.display_name, "recorded_since": _iso(person.created_at)},
        "identities": [{"space": identity.space, "handle": identity.handle} for identity in person.identities.all()],
        "cases": [case_entry(party, person, include_report_text=include_report_text) for party in export.included],
    }
    if export.withheld_counted:
        export.payload["incomplete"] = withheld_notice(len(export.withheld_counted))
    return export


def left_out_for(viewer: Any, request_id: int) -> list[Case]:
    """Cases left out of an earlier export for this request that `viewer` may read, not exported since.

    Read from the cases' own audit events and filtered through the access layer, so an admin sees only
    what they could read anyway, and the admin who could not read a case never learns of it here."""
    pending: set[int] = set()
    events = Event.objects.filter(kind__in=(CASE_LEFT_OUT, CASE_EXPORTED), data__request=request_id, case_id__isnull=False)
    for kind, case_id in events.order_by("id").values_list("kind", "case_id"):
        if case_id is None:
            continue
        if kind == CASE_LEFT_OUT:
            pending.add(case_id)
        else:
            pending.discard(case_id)
    # Only the cases this viewer would put in the person's export: a soft-conflicted reader of a case the
    # person reported may read the case, but learning it was left out of their export would say who reported.
    request = DataSubjectRequest.objects.filter(pk=request_id).select_related("person").first()
    if request is not None and request.person is not None:
        pending &= {party.case_id for party in sort_parties(viewer, request.person).included}
    return list(readable_cases(viewer).filter(pk__in=pending).order_by("created_at"))


def withheld_notice(count: int) -> str:
    return _(
        "Incomplete: %(count)d of this person's cases are not in this export because you may not read them yet "
        "(you have not declared your position on them, or are soft-conflicted). Declare on the cases waiting in "
        "your queue, or ask another admin to produce the export."
    ) % {"count": count}
