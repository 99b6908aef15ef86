"""Keeps cases.AwaitingDeclaration true: a row for (steward, case) exactly while the steward has a profile, the
case has a page of its own (not joined into another) and the steward has not declared on it.

The rows follow from three facts, so they are kept by the signals of those facts' models rather than by each
action: a case created, a steward created, a declaration made or removed (a join removes and remakes
declarations, cases.merging). Whatever path writes one of those through the ORM, the rows follow, in the same
transaction. Paths that bypass signals (`.update()`, `bulk_create`, raw SQL, a hand edit) are caught by
`reconcile`, which the clocks' sweep runs once a day and `manage.py reconcile_awaiting` runs on demand; it logs
what it had to fix, since any fix means a path was missed.

Inactive stewards keep their rows, so a steward who is reactivated finds the cases created meanwhile; the access
layer shows them nothing while inactive. Rows are a list's index, never its permission: cases.access applies
every rule (automatic conflicts, the declaration itself) to them.
"""

import logging
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q

from cases.models import AwaitingDeclaration, Case, ConflictDeclaration
from steward.once import exclusive

logger = logging.getLogger("steward.awaiting")


def _fill(*, steward_id: int | None = None, case_id: int | None = None) -> int:
    """Add the missing rows (of one steward, of one case, or all); returns how many were added."""
    from people.models import StewardProfile

    awaiting, case, declaration = AwaitingDeclaration._meta.db_table, Case._meta.db_table, ConflictDeclaration._meta.db_table
    profile = StewardProfile._meta.db_table
    scope, params = [], []
    if steward_id is not None:
        scope.append("p.user_id = %s")
        params.append(steward_id)
    if case_id is not None:
        scope.append("c.id = %s")
        params.append(case_id)
    # One statement, so a steward joining a committee with 100,000 cases costs one pass, not 100,000 saves.
    sql = f"""
        INSERT INTO {awaiting} (steward_id, case_id, code_name)
        SELECT p.user_id, c.id, c.code_name FROM {profile} p CROSS JOIN {case} c
        WHERE c.merged_into_id IS NULL {"".join(f" AND {condition}" for condition in scope)}
          AND NOT EXISTS (SELECT 1 FROM {declaration} d WHERE d.case_id = c.id AND d.steward_id = p.user_id)
          AND NOT EXISTS (SELECT 1 FROM {awaiting} a WHERE a.case_id = c.id AND a.steward_id = p.user_id)
    """  # noqa: S608 (table names from the models; values are parameters)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def _extra() -> Q:
    """Rows that should not be there: the steward declared, or the case was joined into another."""
    declared = ConflictDeclaration.objects.filter(case_id=OuterRef("case_id"), steward_id=OuterRef("steward_id"))
    return Q(Exists(declared)) | Q(case__merged_into__isnull=False)


@exclusive("cases.awaiting.reconcile", busy=lambda: {"already_running": 1})
@transaction.atomic
def reconcile() -> dict[str, int]:
    """Make the rows true for every steward and case; a non-zero count means some path was missed."""
    removed, _ = AwaitingDeclaration.objects.filter(_extra()).delete()
    added = _fill()
    if added or removed:
        logger.warning("awaiting declarations repaired: %d added, %d removed", added, removed)
    return {"added": added, "removed": removed}


def case_created(sender: Any, instance: Case, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if created and not raw:
        _fill(case_id=instance.pk)


def steward_created(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if created and not raw:
        _fill(steward_id=instance.user_id)


def declared(sender: Any, instance: ConflictDeclaration, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if created and not raw:
        AwaitingDeclaration.objects.filter(steward_id=instance.steward_id, case_id=instance.case_id).delete()


def declaration_removed(sender: Any, instance: ConflictDeclaration, origin: Any = None, **kwargs: Any) -> None:
    """A join removes a declaration the steward must make again on the result (cases.merging.merge_declarations).

    Only a deletion of declarations themselves: when a case or a user is deleted, its declarations go with it and
    a row made now would point at a case (or steward) that is gone by the end of the transaction."""
    if getattr(origin, "model", type(origin)) is ConflictDeclaration:
        _fill(steward_id=instance.steward_id, case_id=instance.case_id)


def case_joined(source: Case) -> None:
    """A case joined into another has no list of its own (called by cases.actions.do_merge_cases)."""
    AwaitingDeclaration.objects.filter(case=source).delete()


def connect() -> None:
    from django.db.models.signals import post_delete, post_save

    from people.models import StewardProfile

    post_save.connect(case_created, sender=Case, dispatch_uid="cases.awaiting.case_created")
    post_save.connect(steward_created, sender=StewardProfile, dispatch_uid="cases.awaiting.steward_created")
    post_save.connect(declared, sender=ConflictDeclaration, dispatch_uid="cases.awaiting.declared")
    post_delete.connect(declaration_removed, sender=ConflictDeclaration, dispatch_uid="cases.awaiting.declaration_removed")
