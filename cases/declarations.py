"""Changing a conflict declaration after it was made: a steward's later recusal, and an admin's correction.

A steward declares once (cases.actions.do_declare_conflict). Afterwards:
- the steward may make it stricter (none → soft or hard, soft → hard) whenever a conflict comes to light:
  a recusal, which takes effect on their next request, as every read asks cases.access;
- only an admin may make it looser or clear it (so the steward is asked again), or record a conflict they
  know of on another steward's behalf. An admin corrects others, never themselves (their own recusal is the
  steward's way, and nobody loosens their own), and only on a case they are not hidden from.
Each is audited in the same transaction; a steward who stops being free of conflict stops shepherding the
case, and the quorum guard runs again.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.log import record
from cases.access import UNDECLARED, Need, Standing, may, standing
from cases.actions import refresh_quorum
from cases.models import Case, ConflictDeclaration, ConflictLevel
from people.access import is_active_steward, is_admin_steward

STRICTNESS = {ConflictLevel.NONE: 0, ConflictLevel.SOFT: 1, ConflictLevel.HARD: 2}
RECUSAL_LEVELS = (ConflictLevel.SOFT, ConflictLevel.HARD)
CORRECTION_LEVELS = (UNDECLARED, *ConflictLevel.values)


@transaction.atomic
def do_recuse(steward: Any, case: Case, level: str) -> ConflictDeclaration:
    """`steward` declares a conflict on a case they already declared on: their declaration becomes stricter."""
    if level not in RECUSAL_LEVELS:
        raise ValidationError({"level": _("Choose a soft or a hard conflict.")})
    declaration = ConflictDeclaration.objects.select_for_update().filter(case=case, steward=steward).first()
    if declaration is None:
        raise ValidationError(_("Declare your position on this case first."))
    if STRICTNESS[ConflictLevel(level)] <= STRICTNESS[ConflictLevel(declaration.level)]:
        raise ValidationError({"level": _("A recusal makes a declaration stricter; ask an admin to correct a mistake.")})
    previous = declaration.level
    declaration.level = level
    declaration.save(update_fields=["level"])
    # As for the first declaration, the levels are data for the quorum arithmetic; the summary does not show them.
    record(
        "conflict.recused",
        "A steward declared a conflict after their first declaration",
        actor=steward,
        case_id=case.pk,
        data={"from": previous, "to": level},
    )
    _after_change(case, steward, actor=steward)
    return declaration


@transaction.atomic
def do_correct_declaration(admin: Any, case: Case, steward: Any, level: str) -> ConflictDeclaration | None:
    """An admin sets another steward's declaration on `case` to `level`, or clears it (UNDECLARED: the steward is
    asked again). Returns the declaration now in force, None when cleared."""
    if not is_admin_steward(admin) or not may(admin, case, Need.CODE_NAME):
        raise ValidationError(_("Only an admin who may see this case corrects declarations on it."))
    if level not in CORRECTION_LEVELS:
        raise ValidationError({"level": _("Choose no conflict, soft, hard, or ask again.")})
    if steward is None or getattr(steward, "steward_profile", None) is None:
        raise ValidationError({"steward": _("Choose a steward.")})
    if steward.pk == admin.pk:
        raise ValidationError({"steward": _("Another admin corrects your own declaration; you may recuse yourself on the case page.")})
    declaration = ConflictDeclaration.objects.select_for_update().filter(case=case, steward=steward).first()
    previous = declaration.level if declaration is not None else UNDECLARED
    if previous == level:
        raise ValidationError({"level": _("That is already this steward's declaration.")})
    if level == UNDECLARED:
        assert declaration is not None
        declaration.delete()  # cases.awaiting puts the case back on their list to declare on
        declaration = None
    elif declaration is None:
        declaration = ConflictDeclaration.objects.create(case=case, steward=steward, level=level)
    else:
        declaration.level = level
        declaration.save(update_fields=["level"])
    record(
        "conflict.corrected",
        f"An admin corrected the declaration of steward #{steward.pk}",
        actor=admin,
        case_id=case.pk,
        data={"steward": steward.pk, "from": previous, "to": level},
    )
    _after_change(case, steward, actor=admin)
    return declaration


def _after_change(case: Case, steward: Any, actor: Any) -> None:
    """A shepherd must have no conflict on their case; the quorum may have changed."""
    if case.shepherd_id == steward.pk and not (is_active_steward(steward) and standing(steward, case) is Standing.UNCONFLICTED):
        case.shepherd = None
        case.save(update_fields=["shepherd"])
        record("case.shepherd", "Shepherd: none (their declaration changed)", actor=actor, case_id=case.pk)
    refresh_quorum(case, actor=actor)
