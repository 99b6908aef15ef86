"""Identities, merging and steward changes in people.actions."""

import pytest
from django.core.exceptions import ValidationError

from audit.models import Event
from cases.models import Case, Party, PartyRole
from people.actions import do_link_identity, do_unlink_identity, do_update_steward, person_for_identity
from people.models import Identity, Person, Space
from policy.services import current_version

pytestmark = pytest.mark.django_db


def test_linking_an_identity_someone_else_holds_merges_the_persons(stewards):
    """A steward named by a handle before they linked it becomes that case's party when they link it."""
    named = person_for_identity(Space.SLACK, "@Dave.S", display_name="Dave S")
    case = Case.objects.create(policy_version=current_version())
    Party.objects.create(case=case, person=named, role=PartyRole.REPORTED)
    dave = stewards["dave"].steward_profile.person

    identity = do_link_identity(stewards["alice"], dave, Space.SLACK, "dave.s")
    assert identity.person == dave
    assert not Person.objects.filter(pk=named.pk).exists()
    assert Party.objects.get(case=case).person == dave
    assert Event.objects.filter(kind="person.merged").exists()


def test_merging_keeps_one_party_per_role(stewards):
    named = person_for_identity(Space.SLACK, "dave.s")
    case = Case.objects.create(policy_version=current_version())
    dave = stewards["dave"].steward_profile.person
    Party.objects.create(case=case, person=named, role=PartyRole.REPORTED)
    Party.objects.create(case=case, person=dave, role=PartyRole.REPORTED)
    do_link_identity(None, dave, Space.SLACK, "dave.s")
    assert list(Party.objects.filter(case=case).values_list("person", flat=True)) == [dave.pk]


def test_another_stewards_identity_cannot_be_taken(stewards):
    with pytest.raises(ValidationError):
        do_link_identity(None, stewards["dave"].steward_profile.person, Space.GITHUB, "@Bob")
    assert Identity.objects.get(space=Space.GITHUB, handle="bob").person == stewards["bob"].steward_profile.person


def test_linking_an_identity_already_held_is_a_no_op(stewards):
    person = stewards["bob"].steward_profile.person
    before = Identity.objects.count()
    assert do_link_identity(None, person, Space.GITHUB, "BOB").person == person
    assert Identity.objects.count() == before


def test_unlink_is_audited(stewards):
    identity = Identity.objects.get(space=Space.GITHUB, handle="bob")
    do_unlink_identity(stewards["alice"], identity)
    assert not Identity.objects.filter(pk=identity.pk).exists()
    event = Event.objects.get(kind="identity.unlinked")
    assert event.actor == stewards["alice"]
    assert "bob" not in str(event.data)  # like linking, the log names the space, not the handle


def test_update_steward_syncs_admin_flags(stewards):
    bob = stewards["bob"]
    do_update_steward(stewards["alice"], bob.steward_profile, public_name="Robert", is_admin=True)
    bob.refresh_from_db()
    assert bob.steward_profile.public_name == "Robert"
    assert bob.is_staff and bob.is_superuser and bob.steward_profile.is_admin
    assert Event.objects.get(kind="steward.changed").data == {"username": "bob", "public_name": "Robert", "admin": True}
    do_update_steward(stewards["alice"], bob.steward_profile, public_name="Robert", is_admin=False)
    bob.refresh_from_db()
    assert not bob.is_staff and not bob.is_superuser


def test_update_without_changes_records_nothing(stewards):
    do_update_steward(None, stewards["bob"].steward_profile, public_name="Bob", is_admin=False)
    assert not Event.objects.filter(kind="steward.changed").exists()


def test_admin_role_on_a_deactivated_steward_grants_nothing(stewards):
    frank = stewards["frank"]
    do_update_steward(None, frank.steward_profile, public_name="Frank", is_admin=True)
    frank.refresh_from_db()
    assert not frank.is_staff and not frank.is_superuser
