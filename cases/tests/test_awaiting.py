"""Each steward's "waiting for your declaration" list is kept as rows (cases.awaiting): a busy committee's every
move keeps the rows true, and the rows never show a steward more than the access rules allow."""

import random
from typing import Any

import pytest
from django.db import connection
from django.db.models import Exists, OuterRef
from django.test.utils import CaptureQueriesContext

from cases import awaiting
from cases.access import _not_hidden, awaiting_declaration, undeclared_cases
from cases.actions import InvolvedPerson, do_declare_conflict, do_merge_cases
from cases.models import AwaitingDeclaration, Case, ConflictDeclaration, ConflictLevel, PartyRole
from cases.tasks import RECONCILE_EVERY, reconcile_awaiting
from people.actions import do_create_steward, do_deactivate_steward
from people.models import Space
from privacy.erasure import erase_case
from steward.testing import assert_served_in_order_by, declare, new_case

pytestmark = pytest.mark.django_db


def listed(steward: Any) -> set[str]:
    """The steward's list to declare on, as the queue reads it; the access layer's case-based answer must agree."""
    rows = set(awaiting_declaration(steward).values_list("code_name", flat=True))
    assert rows == set(undeclared_cases(steward).values_list("code_name", flat=True))
    return rows


def by_the_rules(steward: Any) -> set[str]:
    """The list as the rules define it, case by case: every case with a page, not hidden, without a declaration."""
    declaration = ConflictDeclaration.objects.filter(case=OuterRef("pk"), steward=steward)
    return set(_not_hidden(steward).exclude(Exists(declaration)).values_list("code_name", flat=True))


def test_a_new_case_waits_for_every_steward_until_each_declares(stewards: Any) -> None:
    case = new_case("Rude remarks in review.")
    for name in ("alice", "dave", "erin"):
        assert case.code_name in listed(stewards[name])
    do_declare_conflict(stewards["dave"], case, ConflictLevel.NONE)
    do_declare_conflict(stewards["erin"], case, ConflictLevel.HARD)
    assert case.code_name not in listed(stewards["dave"]) | listed(stewards["erin"])
    assert case.code_name in listed(stewards["alice"])
    assert not AwaitingDeclaration.objects.filter(case=case, steward__in=[stewards["dave"], stewards["erin"]]).exists()


def test_a_steward_who_joins_later_finds_every_earlier_case_waiting(stewards: Any) -> None:
    first, second = new_case("One."), new_case("Two.")
    declare(first, "none", stewards["dave"])
    newcomer = do_create_steward(None, username="gina", email="gina@example.org", public_name="Gina").user
    assert listed(newcomer) == {first.code_name, second.code_name}


def test_a_reactivated_steward_finds_the_cases_made_while_they_were_away(stewards: Any) -> None:
    """frank is deactivated in the fixture: he sees nothing while away, and everything waiting when back."""
    frank = stewards["frank"]
    while_away = new_case("Reported while Frank was away.")
    assert listed(frank) == set()
    frank.steward_profile.is_active = True
    frank.steward_profile.save(update_fields=["is_active"])
    assert while_away.code_name in listed(frank)


def test_a_stale_row_shows_nothing_the_rules_forbid(stewards: Any) -> None:
    """Rows are an index, not a permission: a row left by a path that bypassed the signals (a bulk write, a hand
    edit) must not list a case the steward declared on or is automatically conflicted on."""
    dave = stewards["dave"]
    declared_on = new_case("Declared.")
    declare(declared_on, "none", dave)
    about_dave = new_case("About Dave.", involved_people=[InvolvedPerson(PartyRole.REPORTED, "Dave", Space.GITHUB, "dave")])
    excluded = new_case("Not Dave, please.", excluded_steward_ids=[dave.pk])
    AwaitingDeclaration.objects.bulk_create(
        [AwaitingDeclaration(steward=dave, case=case) for case in (declared_on, about_dave, excluded)], ignore_conflicts=True
    )
    joined_into, joined = new_case("Kept."), new_case("Joined.")
    do_merge_cases(None, joined_into, joined)
    AwaitingDeclaration.objects.create(steward=dave, case=joined, code_name=joined.code_name)  # a hand edit
    assert AwaitingDeclaration.objects.filter(steward=dave).count() == 5
    assert listed(dave) == {joined_into.code_name}, "a joined case has no page: its old row leads nowhere"
    frank = stewards["frank"]
    assert AwaitingDeclaration.objects.filter(steward=frank).exists()
    assert listed(frank) == set(), "a deactivated steward lists nothing, rows or not"


def test_a_join_lists_the_result_for_those_who_must_declare_again_and_the_joined_case_for_nobody(stewards: Any) -> None:
    dave, erin = stewards["dave"], stewards["erin"]
    target, source = new_case("A."), new_case("B.")
    declare(target, "none", dave, erin)
    declare(source, "none", dave)  # erin never weighed B's people: she must declare again on the result
    do_merge_cases(dave, target, source)
    assert target.code_name in listed(erin) and target.code_name not in listed(dave)
    assert not AwaitingDeclaration.objects.filter(case=source).exists()
    assert source.code_name not in listed(stewards["alice"])


def test_erasing_a_case_with_declarations_leaves_no_row_behind(stewards: Any) -> None:
    case = new_case("To be erased.")
    declare(case, "none", stewards["dave"], stewards["erin"])
    assert erase_case(case.pk, expunged=True)
    assert not Case.objects.filter(pk=case.pk).exists()
    assert not AwaitingDeclaration.objects.filter(case_id=case.pk).exists()


def test_reconcile_repairs_what_bypassed_the_signals_and_says_so(stewards: Any, caplog: Any) -> None:
    dave = stewards["dave"]
    waiting, declared_on = new_case("Waiting."), new_case("Declared.")
    AwaitingDeclaration.objects.filter(case=waiting, steward=dave).delete()  # a bulk path forgot dave's row
    ConflictDeclaration.objects.bulk_create([ConflictDeclaration(case=declared_on, steward=dave, level="none")])  # no signal
    assert waiting.code_name not in listed(dave), "a missing row hides the case from that steward (others' rows do not count)"
    assert waiting.code_name in listed(stewards["erin"])

    counts = awaiting.reconcile()

    assert counts == {"added": 1, "removed": 1}
    assert "awaiting declarations repaired" in caplog.text
    assert waiting.code_name in listed(dave) and declared_on.code_name not in listed(dave)
    assert awaiting.reconcile() == {"added": 0, "removed": 0}


def test_the_daily_task_repairs_the_rows_and_keeps_its_next_run_queued(stewards: Any, settings: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    case = new_case("Waiting.")
    AwaitingDeclaration.objects.filter(case=case).delete()
    assert reconcile_awaiting.call() == {"added": len(stewards), "removed": 0}
    queued = DBTaskResult.objects.filter(task_path__endswith="reconcile_awaiting")
    assert queued.count() == 1
    assert queued.get().run_after is not None and queued.get().run_after - queued.get().enqueued_at >= RECONCILE_EVERY * 0.99


def test_a_busy_committee_keeps_every_list_true(stewards: Any) -> None:
    """Reports with exclusions and stewards as parties, declarations of every level, joins, a steward joining
    and one leaving: after each step every active steward's list is the rules' answer, and nothing needs repair."""
    rng = random.Random(7)
    names = ["alice", "bob", "carol", "dave", "erin"]
    cases: list[Case] = []
    for step in range(40):
        roll = rng.random()
        if roll < 0.35 or len(cases) < 3:
            involved = []
            if rng.random() < 0.2:
                who = rng.choice(names)
                involved = [InvolvedPerson(PartyRole.REPORTED, who.title(), Space.GITHUB, who)]
            excluded = [stewards[rng.choice(names)].pk] if rng.random() < 0.2 else []
            cases.append(new_case(f"Report {step}.", involved_people=involved, excluded_steward_ids=excluded))
        elif roll < 0.8:
            case, steward = rng.choice(cases), stewards[rng.choice(names)]
            if case.code_name in listed(steward):
                do_declare_conflict(steward, case, rng.choice(ConflictLevel.values))
        elif roll < 0.92:
            open_cases = [case for case in cases if not Case.objects.filter(pk=case.pk, merged_into__isnull=False).exists()]
            target, source = rng.sample(open_cases, 2)
            declare(target, "none", stewards["alice"])
            declare(source, "none", stewards["alice"])
            try:
                do_merge_cases(stewards["alice"], target, source)
            except Exception:  # noqa: BLE001  (alice may be conflicted on one of them: then no join this step)
                pass
        elif step == 30:
            stewards["gina"] = do_create_steward(None, username="gina", email="g@example.org", public_name="Gina").user
            names.append("gina")
        else:
            leaving = names.pop(rng.randrange(1, len(names)))
            do_deactivate_steward(None, stewards[leaving].steward_profile)
        for name in names:
            assert listed(stewards[name]) == by_the_rules(stewards[name]), (step, name)
    assert awaiting.reconcile() == {"added": 0, "removed": 0}


def test_the_list_to_declare_on_is_read_from_the_stewards_rows_in_name_order(stewards: Any, login: Any) -> None:
    """Whether the steward has declared on every case or on none, a page of the list is one range of their rows,
    never a pass over every case (which is what a steward who has declared on everything would otherwise cost)."""
    for n in range(3):
        new_case(f"Report {n}.")
    with CaptureQueriesContext(connection) as captured:
        assert login(stewards["dave"]).get("/cases/").status_code == 200
    [page_query] = [query["sql"] for query in captured.captured_queries if 'FROM "cases_awaitingdeclaration"' in query["sql"]]
    assert_served_in_order_by(page_query, "awaiting_by_name")


def test_reconcile_says_so_for_any_repair_and_clears_rows_of_joined_cases(stewards: Any, caplog: Any) -> None:
    dave = stewards["dave"]
    target, source = new_case("A."), new_case("B.")
    declare(target, "none", dave)
    declare(source, "none", dave)
    do_merge_cases(dave, target, source)
    AwaitingDeclaration.objects.create(steward=dave, case=source, code_name=source.code_name)  # a hand edit
    assert awaiting.reconcile() == {"added": 0, "removed": 1}
    assert "1 removed" in caplog.text
    caplog.clear()
    AwaitingDeclaration.objects.filter(steward=stewards["erin"], case=target).delete()
    assert awaiting.reconcile() == {"added": 1, "removed": 0}
    assert "1 added" in caplog.text
    caplog.clear()
    assert awaiting.reconcile() == {"added": 0, "removed": 0}
    assert "repaired" not in caplog.text, "a true table is not reported as repaired"
