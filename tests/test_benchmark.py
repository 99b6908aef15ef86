"""The benchmark's instrument at a tiny scale: the data builder and the in-process page measurement.

No timing is asserted (the machine's load decides those); what is checked is that the data set is what the
app itself would hold (access answers, encrypted reporters tied to their person records, the audit chain)
and that the measured pages are the real pages, found by the searches they stand for.
"""

import io

import pytest
from django.core.management import CommandError, call_command

from audit.log import verify_chain
from audit.models import Event
from cases.access import readable_cases, undeclared_cases
from cases.models import Case, ConflictDeclaration, ConflictLevel, Party, PartyRole, Report
from people.models import Identity, Space
from screening.models import Flag
from steward.benchdata.pages import benchmark_stewards, choose_pages, count_queries
from steward.benchdata.sample import PREFIX

pytestmark = pytest.mark.django_db


def build(cases: int = 40, stewards: int = 5) -> str:
    out = io.StringIO()
    call_command(
        "benchmark_data",
        cases=cases,
        stewards=stewards,
        sample=12,
        long_cases=2,
        long_events=40,
        events_per_case=6,
        stdout=out,
    )
    return out.getvalue()


def expected_readable(steward) -> set[int]:
    """The access rules, worked out from the rows themselves (not through cases.access)."""
    person = steward.steward_profile.person_id
    hidden = set(Party.objects.filter(person_id=person).values_list("case_id", flat=True))
    hidden |= set(Report.objects.filter(excluded_stewards=steward).values_list("case_id", flat=True))
    readable = set()
    for declaration in ConflictDeclaration.objects.filter(steward=steward).select_related("case"):
        case = declaration.case
        if case.pk in hidden or case.merged_into_id is not None:
            continue
        if declaration.level == ConflictLevel.NONE or (declaration.level == ConflictLevel.SOFT and case.soft_conflicted_may_read):
            readable.add(case.pk)
    return readable


def test_the_builder_refuses_a_database_that_holds_other_data(stewards):
    with pytest.raises(CommandError, match="Refusing"):
        build(cases=10)
    assert not Case.objects.exists()
    assert not Identity.objects.filter(handle__startswith=PREFIX).exists()


def test_the_built_data_set_answers_like_the_app(settings):
    output = build()
    assert Case.objects.count() == 40
    everyone = [*benchmark_stewards()]
    all_stewards = list(type(everyone[0]).objects.filter(username__startswith=PREFIX).order_by("username"))
    assert len(all_stewards) == 5
    for steward in all_stewards:
        assert set(readable_cases(steward).values_list("pk", flat=True)) == expected_readable(steward), steward.username
    reader, newcomer = everyone
    assert readable_cases(reader).count() > 20  # the busy steward reads most cases
    assert not readable_cases(newcomer).exists()
    assert undeclared_cases(newcomer).count() == Case.objects.exclude(parties__person=newcomer.steward_profile.person).count()
    # Copies hold their own conflicts: some hard and soft declarations, some stewards named as parties.
    levels = set(ConflictDeclaration.objects.values_list("level", flat=True))
    assert levels == {ConflictLevel.NONE, ConflictLevel.SOFT, ConflictLevel.HARD}

    # Each copied reporter is their own person: the encrypted address on the report is the handle of the
    # reporter party's e-mail identity in the same case, and found through the blind index.
    reports = [report for report in Report.objects.all() if report.reporter_email]
    assert len(reports) > 10
    for report in reports:
        identity = Identity.objects.get(space=Space.EMAIL, handle=report.reporter_email)
        assert Party.objects.filter(case=report.case, person=identity.person, role=PartyRole.REPORTER).exists()
    reporters = Party.objects.filter(role=PartyRole.REPORTER)
    assert reporters.values("person").distinct().count() == reporters.count() == len(reports)

    events = Event.objects.filter(case_id__isnull=False)
    assert f"{events.count()} timeline events" in output
    assert set(events.values_list("case_id", flat=True).distinct()) == set(Case.objects.values_list("pk", flat=True))
    per_case = sorted(events.filter(case_id__in=Case.objects.values("pk")).values_list("case_id", flat=True))
    assert max(per_case.count(case_id) for case_id in set(per_case)) >= 40  # the long cases
    assert verify_chain().ok  # copies are appended to the audit chain with real signatures
    assert Flag.objects.exists()


def test_pages_are_measured_in_process_on_the_real_views():
    build()
    pages = {page.name.split(" (")[0]: page for page in choose_pages()}
    assert {"queue /cases/", "case page", "search: handle", "search: person code name", "flag queue", "bare page"} <= set(pages)
    names = ["queue /cases/", "case page", "search: handle", "search: person code name", "queue, steward who declared nothing", "my work"]
    for name in names + (["queue filtered by category"] if "queue filtered by category" in pages else []):
        counted = count_queries(pages[name])
        assert counted.status == 200, name
        assert counted.found, name  # the search finds the copied case by its reported person's handle and code name
        assert counted.queries > 0
        assert counted.size > 1000
