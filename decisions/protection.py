"""Who a no-contact order protects, and how letters and pages speak of them (issue #11).

A sanction's no-contact list holds people (`Sanction.no_contact`) and, for a reporter the case knows
only by their report (an anonymous report, or one without contact details), the report itself
(`Sanction.no_contact_reports`): such a reporter is protected without anyone knowing who they are.

Letters speak of a protected person by their role in the case ("the person who reported", "a
witness", "the person named in the decision") and name only someone a steward recorded as having
agreed to be named (`Party.agreed_to_be_named`, set by cases.actions.do_record_naming_consent). A
reporter reading about their own protection reads "you", never their own name.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases.models import Case, PartyRole, Report
from decisions.models import Sanction
from people.models import Person, Space, normalise_handle

# When a person has several roles in the case, the most protective one decides how they are described.
ROLE_ORDER = (PartyRole.REPORTER, PartyRole.WITNESS, PartyRole.AFFECTED)


@dataclass(frozen=True)
class Protected:
    """One entry of a no-contact list as a letter may speak of it."""

    role: str  # a PartyRole value, or "" for somebody without a role in the case
    name: str  # empty unless they agreed to be named
    person_id: int | None = None
    report_id: int | None = None


def reporter_person_ids(report: Report) -> set[int]:
    """The people in the case known to have made `report`: nobody for an anonymous report."""
    if report.anonymous:
        return set()
    case = report.case
    parties = [party for party in case.parties_with_people() if party.role == PartyRole.REPORTER]
    email = normalise_handle(Space.EMAIL, report.reporter_email) if report.reporter_email else ""
    name = report.reporter_name.strip().casefold()
    contact = report.reporter_other_contact.strip().casefold()
    found = set()
    for party in parties:
        handles = {(identity.space, identity.handle) for identity in party.person.identities.all()}
        by_email = bool(email) and (Space.EMAIL, email) in handles
        by_name = bool(name) and party.person.display_name.strip().casefold() == name
        # A report from a space keeps "<handle> on <space>" as its contact (intake.from_spaces).
        by_handle = any(space != Space.EMAIL and contact.startswith(f"{handle} on ") for space, handle in handles)
        if by_email or by_name or by_handle:
            found.add(party.person_id)
    if not found and len(parties) == 1 and not case.reports.exclude(pk=report.pk).filter(anonymous=False).exists():
        found.add(parties[0].person_id)  # the only named report and the only reporter: theirs
    return found


def protectable_reports(case: Case) -> list[Report]:
    """Reports whose reporter is no person in the case: a no-contact order protects them through the report."""
    return [report for report in case.reports.all() if not reporter_person_ids(report)]


def _role(roles: set[str]) -> str:
    return next((role for role in ROLE_ORDER if role in roles), "")


def entries(case: Case, people: Iterable[Person], reports: Iterable[Report]) -> list[Protected]:
    roles: dict[int, set[str]] = {}
    consented: set[int] = set()
    for party in case.parties.all():
        roles.setdefault(party.person_id, set()).add(party.role)
        if party.agreed_to_be_named:
            consented.add(party.person_id)
    found = [
        Protected(_role(roles.get(person.pk, set())), name_of(person) if person.pk in consented else "", person_id=person.pk)
        for person in people
    ]
    found += [Protected(PartyRole.REPORTER, "", report_id=report.pk) for report in reports]
    return found


def sanction_entries(sanction: Sanction) -> list[Protected]:
    return entries(sanction.decision.case, sanction.no_contact.all(), sanction.no_contact_reports.all())


def name_of(person: Person) -> str:
    """How a letter names a protected person who agreed to it: as the case knows them, never by code name."""
    if person.display_name:
        return person.display_name
    identity = person.identities.exclude(space=Space.EMAIL).first()
    if identity is not None:
        return f"{identity.handle} ({identity.get_space_display()})"
    return _("a person involved in this matter")


def join(phrases: list[str], *, either: bool = False) -> str:
    """ "A, B and C" (or "A, B or C")."""
    if len(phrases) <= 1:
        return "".join(phrases)
    values = {"first": ", ".join(phrases[:-1]), "last": phrases[-1]}
    return (_("%(first)s or %(last)s") if either else _("%(first)s and %(last)s")) % values


def _by_role(found: list[Protected]) -> list[str]:
    """Names of those who agreed, then the others by role, each role once."""
    phrases = [entry.name for entry in found if entry.name]
    unnamed = [entry for entry in found if not entry.name]
    reporters = sum(1 for entry in unnamed if entry.role == PartyRole.REPORTER)
    witnesses = sum(1 for entry in unnamed if entry.role == PartyRole.WITNESS)
    others = len(unnamed) - reporters - witnesses
    if reporters:
        phrases.append(_("the person who reported") if reporters == 1 else _("the people who reported"))
    if witnesses:
        phrases.append(_("a witness") if witnesses == 1 else _("the witnesses"))
    if others:
        phrases.append(_("the person named in the decision") if others == 1 else _("the people named in the decision"))
    return phrases


def order_to_reported(found: list[Protected], until: str) -> str:
    """The order as the reported person (or anyone but a protected reporter) reads it."""
    people = join(_by_role(found))
    if until:
        return _("Do not contact %(people)s until %(until)s.") % {"people": people, "until": until}
    return _("Do not contact %(people)s.") % {"people": people}


def is_reader(entry: Protected, report: Report, reporter_ids: set[int]) -> bool:
    return entry.report_id == report.pk or (entry.person_id is not None and entry.person_id in reporter_ids)


def order_to_reporter(found: list[Protected], report: Report, until: str) -> str:
    """The order as the reporter of `report` reads it: they are "you"; the others only by name if they agreed."""
    reporter_ids = reporter_person_ids(report)
    you = any(is_reader(entry, report, reporter_ids) for entry in found)
    others = [entry for entry in found if not is_reader(entry, report, reporter_ids)]
    # Other people's roles are not the reporter's business (another reporter, a witness): only a count.
    phrases = [entry.name for entry in others if entry.name]
    unnamed = sum(1 for entry in others if not entry.name)
    if unnamed and you:
        phrases.append(ngettext("%(count)d other person", "%(count)d other people", unnamed) % {"count": unnamed})
    elif unnamed:
        phrases.append(ngettext("%(count)d person", "%(count)d people", unnamed) % {"count": unnamed})
    values = {"others": join(phrases, either=you), "until": until}
    if you and not phrases:
        if until:
            return _("The decision orders the reported person not to contact you until %(until)s.") % values
        return _("The decision orders the reported person not to contact you.")
    if you:
        if until:
            return _("The decision orders the reported person not to contact you or %(others)s until %(until)s.") % values
        return _("The decision orders the reported person not to contact you or %(others)s.") % values
    if until:
        return _("The decision orders the reported person not to contact %(others)s until %(until)s.") % values
    return _("The decision orders the reported person not to contact %(others)s.") % values


def protects_reporter_of(sanction: Sanction, report: Report) -> bool:
    """Whether the order protects the person who made `report` (for their own follow-up page)."""
    reporter_ids = reporter_person_ids(report)
    return any(is_reader(entry, report, reporter_ids) for entry in sanction_entries(sanction))
