"""What Steward holds about one person (GDPR 15), with other people's identities kept out.

Reporters' and witnesses' identities are never in the export (GDPR 15(4): the rights of others).
The report text is left out by default; on request it is included with every name (and part of a name),
handle, e-mail address and phone number of the case's reporters and witnesses replaced by "[redacted]",
in whatever form it is written (privacy.identity_match, the matcher the letters' leak check uses too).
"""

from typing import Any

from django.apps import apps
from django.utils import timezone

from cases.models import Audience, Message, Party, PartyRole, Report
from people.models import Person
from privacy.identity_match import Matcher, Protected, contact_forms

REDACTED = "[redacted]"
PROTECTED_ROLES = {PartyRole.REPORTER, PartyRole.WITNESS}


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def protected_strings(case_id: int) -> list[str]:
    """Every identifying value of the case's reporters and witnesses (free-text contact details split into the
    addresses, numbers and handles they hold), longest first."""
    found: set[str] = set()
    for report in Report.objects.filter(case_id=case_id):
        found.update({report.reporter_name, report.reporter_email})
        found.update(form.value for form in contact_forms(report.reporter_other_contact))
    for party in Party.objects.filter(case_id=case_id, role__in=PROTECTED_ROLES).select_related("person"):
        found.add(party.person.display_name)
        found.update(identity.handle for identity in party.person.identities.all())
    return sorted((value.strip() for value in found if value and len(value.strip()) >= 2), key=len, reverse=True)


def redact(text: str, secrets: list[str]) -> str:
    """`text` with every form of the `secrets` cut out (privacy.identity_match: any case, look-alike letters,
    invisible characters, spelled out or split, name parts alone, phone numbers by their digits)."""
    return Matcher([Protected.guess(secret) for secret in secrets]).redact(text, REDACTED)


def _decisions(party: Party, person: Person) -> list[dict[str, Any]]:
    try:
        decision_model = apps.get_model("decisions", "Decision")
        sanction_model = apps.get_model("decisions", "Sanction")
    except LookupError:
        return []
    rows = []
    for decision in decision_model.objects.filter(case_id=party.case_id):
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


def _messages(party: Party) -> list[dict[str, Any]]:
    if party.role == PartyRole.REPORTER:
        messages = Message.objects.filter(case_id=party.case_id, audience=Audience.REPORTER)
    elif party.role == PartyRole.REPORTED:
        messages = Message.objects.filter(case_id=party.case_id, audience=Audience.REPORTED, party=party).exclude(approval="awaiting")
    else:
        return []
    return [{"sent_at": _iso(m.created_at), "from_you": bool(m.from_reporter or m.from_party), "text": m.body} for m in messages]


def _reports(party: Party, secrets: list[str]) -> list[dict[str, Any]]:
    return [
        {"reference_date": _iso(report.submitted_at), "text": redact(report.body, secrets), "categories": report.categories}
        for report in Report.objects.filter(case_id=party.case_id)
    ]


def build_export(person: Person, *, include_report_text: bool = False) -> dict[str, Any]:
    cases = []
    for party in Party.objects.filter(person=person).select_related("case").order_by("case__created_at", "id"):
        case = party.case
        entry: dict[str, Any] = {
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
            "decisions": _decisions(party, person),
            "messages_to_you": _messages(party),
        }
        if include_report_text:
            entry["reports"] = _reports(party, protected_strings(case.pk))
        else:
            entry["reports"] = f"{Report.objects.filter(case=case).count()} report(s); text withheld to protect the people who reported"
        cases.append(entry)
    return {
        "generated_at": timezone.now().isoformat(),
        "person": {"code_name": person.code_name, "name": person.display_name, "recorded_since": _iso(person.created_at)},
        "identities": [{"space": identity.space, "handle": identity.handle} for identity in person.identities.all()],
        "cases": cases,
    }
