"""Changes to people, identities and stewards."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.log import record
from people.models import Identity, Person, Space, StewardProfile, normalise_handle


def person_for_identity(space: str, handle: str, display_name: str = "") -> Person:
    """The person who holds this identity, created with it if nobody does yet."""
    if space not in Space.values:
        raise ValidationError(f"Unknown space {space!r}.")
    handle = normalise_handle(space, handle)
    if not handle:
        raise ValidationError("The handle is empty.")
    identity = Identity.objects.filter(space=space, handle=handle).select_related("person").first()
    if identity is not None:
        return identity.person
    person = Person.objects.create(display_name=display_name[:200])
    Identity.objects.create(person=person, space=space, handle=handle)
    return person


@transaction.atomic
def do_link_identity(actor: Any, person: Person, space: str, handle: str) -> Identity:
    """Give `person` an identity. If somebody else already holds it, they are the same human: merge them.

    Merging keeps recusal sound: a steward whose GitHub handle was named in a report before they
    linked it becomes a party of that case the moment they link it.
    """
    handle = normalise_handle(space, handle)
    existing = Identity.objects.filter(space=space, handle=handle).select_related("person").first()
    if existing is None:
        identity = Identity.objects.create(person=person, space=space, handle=handle)
        record("identity.linked", f"{person.code_name} linked to {space}", actor=actor, data={"person": person.code_name, "space": space})
        return identity
    if existing.person_id != person.pk:
        merge_people(actor, keep=person, absorb=existing.person)
        existing.refresh_from_db()
    return existing


def merge_people(actor: Any, *, keep: Person, absorb: Person) -> None:
    """`absorb` is the same human as `keep`: everything that points at them now points at `keep`.

    Every foreign key to Person is followed (found through the model metadata, so a new one is not
    forgotten): sanctions, no-contact protections, watch alerts, screening authors, requests. A
    party row that `keep` already has in the same case and role is folded into theirs, with the
    messages, proposals, responses and links about it (deleting it would delete those too).
    """
    from cases.merging import relations_to
    from cases.models import Party

    if hasattr(absorb, "steward_profile"):
        raise ValidationError("That identity belongs to another steward.")
    for party in Party.objects.filter(person=absorb):
        same = Party.objects.filter(case=party.case, person=keep, role=party.role).first()
        if same is None:
            Party.objects.filter(pk=party.pk).update(person=keep)
            continue
        for rel in relations_to(Party):
            rel.related_model._default_manager.filter(**{rel.field.name: party}).update(**{rel.field.name: same})
        party.delete()
    for rel in relations_to(Person):
        _repoint(rel, absorb, keep)
    record(
        "person.merged",
        f"{absorb.code_name} merged into {keep.code_name}",
        actor=actor,
        data={"kept": keep.code_name, "absorbed": absorb.code_name},
    )
    absorb.delete()


def _repoint(rel: Any, absorb: Person, keep: Person) -> None:
    model, name = rel.related_model, rel.field.name
    rows = model._default_manager.filter(**{name: absorb})
    if model._meta.auto_created:
        # A many-to-many row (a proposal's or sanction's protected people): drop it where `keep` is already there.
        other = next(field.name for field in model._meta.concrete_fields if field.is_relation and field.name != name)
        kept = model._default_manager.filter(**{name: keep}).values(other)
        rows.filter(**{f"{other}__in": kept}).delete()
    rows.update(**{name: keep})


@transaction.atomic
def do_create_steward(
    actor: Any,
    *,
    username: str,
    email: str,
    public_name: str,
    password: str | None = None,
    is_admin: bool = False,
    actor_label: str = "",
) -> StewardProfile:
    user_model = get_user_model()
    if user_model.objects.filter(username__iexact=username).exists():
        raise ValidationError(f"The user name {username!r} is taken.")
    user = user_model.objects.create_user(username=username, email=email, password=password)
    if password is None:
        user.set_unusable_password()
    return _make_steward(actor, user, public_name=public_name, is_admin=is_admin, actor_label=actor_label, existing_user=False)


@transaction.atomic
def do_make_steward(actor: Any, user: Any, *, public_name: str, is_admin: bool, actor_label: str = "") -> StewardProfile:
    """Give an existing user (one `createsuperuser` made, say) the steward profile that lets them sign in."""
    if StewardProfile.objects.filter(user=user).exists():
        raise ValidationError(f"{user.get_username()} is already a steward.")
    return _make_steward(actor, user, public_name=public_name, is_admin=is_admin, actor_label=actor_label, existing_user=True)


def _make_steward(actor: Any, user: Any, *, public_name: str, is_admin: bool, actor_label: str, existing_user: bool) -> StewardProfile:
    user.is_active = True
    user.is_staff = is_admin  # the Django admin is where admins manage stewards and the policy
    user.is_superuser = is_admin
    user.save()
    person = Person.objects.create(display_name=public_name)
    profile = StewardProfile.objects.create(user=user, person=person, public_name=public_name, is_admin=is_admin)
    if user.email:
        do_link_identity(actor, person, Space.EMAIL, user.email)
    username = user.get_username()
    data: dict[str, Any] = {"username": username, "admin": is_admin}
    if existing_user:
        data["existing_user"] = True
    record("steward.created", f"Steward {username} created", actor=actor, actor_label=actor_label, data=data)
    return profile


@transaction.atomic
def do_deactivate_steward(actor: Any, profile: StewardProfile) -> StewardProfile:
    """Takes effect on the steward's very next request: every access check asks is_active_steward."""
    profile.is_active = False
    profile.deactivated_at = timezone.now()
    profile.save(update_fields=["is_active", "deactivated_at"])
    user = profile.user
    user.is_staff = user.is_superuser = False
    user.save(update_fields=["is_staff", "is_superuser"])
    record("steward.deactivated", f"Steward {user.get_username()} deactivated", actor=actor, data={"username": user.get_username()})
    return profile


@transaction.atomic
def do_unlink_identity(actor: Any, identity: Identity) -> None:
    person = identity.person
    space = identity.space
    identity.delete()
    record("identity.unlinked", f"{person.code_name} unlinked from {space}", actor=actor, data={"person": person.code_name, "space": space})


@transaction.atomic
def do_update_steward(actor: Any, profile: StewardProfile, *, public_name: str, is_admin: bool) -> StewardProfile:
    """Rename a steward or change their admin role; the user's admin flags follow the role."""
    current = StewardProfile.objects.select_for_update().select_related("user").get(pk=profile.pk)
    changes: dict[str, Any] = {}
    if public_name != current.public_name:
        changes["public_name"] = public_name
    if is_admin != current.is_admin:
        changes["admin"] = is_admin
    if not changes:
        return current
    current.public_name = public_name
    current.is_admin = is_admin
    current.save(update_fields=["public_name", "is_admin"])
    user = current.user
    if "admin" in changes:
        user.is_staff = user.is_superuser = is_admin and current.is_active
        user.save(update_fields=["is_staff", "is_superuser"])
    record("steward.changed", f"Steward {user.get_username()} changed", actor=actor, data={"username": user.get_username(), **changes})
    return current
