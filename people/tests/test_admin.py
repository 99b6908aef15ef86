"""The steward admin: create, change, deactivate, and link a steward's own identities."""

import pytest
from django.contrib.auth.models import User
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import Event
from cases.models import Case, Party, PartyRole
from people.actions import person_for_identity
from people.models import Identity, Person, Space, StewardProfile
from policy.services import current_version

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/people/stewardprofile/"


@pytest.fixture
def admin_client(login, stewards):
    return login(stewards["alice"])


def change_url(user):
    return f"{CHANGELIST}{user.steward_profile.pk}/change/"


def change_data(user, *, new=None, delete=(), **fields):
    """POST data for the change form: the steward's fields, their identities, and one new row."""
    profile = user.steward_profile
    identities = list(Identity.objects.filter(person=profile.person).order_by("space", "handle"))
    data = {
        "public_name": fields.get("public_name", profile.public_name),
        "identities-TOTAL_FORMS": str(len(identities) + 1),
        "identities-INITIAL_FORMS": str(len(identities)),
        "identities-MIN_NUM_FORMS": "0",
        "identities-MAX_NUM_FORMS": "1000",
    }
    if fields.get("is_admin", profile.is_admin):
        data["is_admin"] = "on"
    for index, identity in enumerate(identities):
        data[f"identities-{index}-id"] = str(identity.pk)
        data[f"identities-{index}-person"] = str(profile.person_id)
        if identity.handle in delete:
            data[f"identities-{index}-DELETE"] = "on"
    last = len(identities)
    data[f"identities-{last}-person"] = str(profile.person_id)
    if new:
        data[f"identities-{last}-space"], data[f"identities-{last}-handle"] = new
    return data


def test_changelist_and_change_page(admin_client, stewards):
    page = admin_client.get(CHANGELIST).content.decode()
    for name in ["Alice", "Bob", "Frank"]:
        assert name in page
    response = admin_client.get(change_url(stewards["bob"]))
    assert response.status_code == 200
    assert "This steward&#x27;s identities" in response.content.decode()
    assert admin_client.get(f"{CHANGELIST}add/").status_code == 200


def test_non_admin_cannot_use_it(login, stewards):
    client = login(stewards["bob"])
    response = client.post(CHANGELIST, {"action": "deactivate_stewards", "_selected_action": [stewards["carol"].steward_profile.pk]})
    assert response.status_code == 302
    assert StewardProfile.objects.get(user=stewards["carol"]).is_active


def test_deactivate_action(admin_client, stewards):
    bob = stewards["bob"].steward_profile
    response = admin_client.post(CHANGELIST, {"action": "deactivate_stewards", "_selected_action": [bob.pk]})
    assert response.status_code == 302
    bob.refresh_from_db()
    assert not bob.is_active and bob.deactivated_at is not None
    event = Event.objects.filter(kind="steward.deactivated").latest("id")
    assert event.actor == stewards["alice"] and event.data == {"username": "bob"}


def test_cannot_deactivate_yourself(admin_client, stewards):
    alice = stewards["alice"].steward_profile
    admin_client.post(CHANGELIST, {"action": "deactivate_stewards", "_selected_action": [alice.pk]})
    alice.refresh_from_db()
    assert alice.is_active


def test_no_delete(admin_client, stewards):
    assert "delete_selected" not in admin_client.get(CHANGELIST).content.decode()
    assert admin_client.get(f"{change_url(stewards['bob'])}".replace("change/", "delete/")).status_code == 403


def test_remove_two_factor_action(admin_client, stewards):
    TOTPDevice.objects.create(user=stewards["bob"], name="lost phone", confirmed=True)
    admin_client.post(CHANGELIST, {"action": "remove_two_factor", "_selected_action": [stewards["bob"].steward_profile.pk]})
    assert not TOTPDevice.objects.filter(user=stewards["bob"]).exists()
    assert Event.objects.get(kind="auth.2fa_removed").data == {"username": "bob"}


def test_create_steward(admin_client, client, stewards):
    password = "a long initial passphrase 7"
    response = admin_client.post(
        f"{CHANGELIST}add/",
        {
            "username": "grace",
            "email": "Grace@Example.org",
            "public_name": "Grace",
            "password1": password,
            "password2": password,
        },
    )
    assert response.status_code == 302, response.content.decode()
    profile = StewardProfile.objects.get(user__username="grace")
    assert profile.is_active and not profile.is_admin and not profile.user.is_staff
    assert Identity.objects.get(space=Space.EMAIL, handle="grace@example.org").person == profile.person
    assert Event.objects.filter(kind="steward.created", actor=stewards["alice"]).exists()
    admin_client.post("/accounts/logout/")
    assert client.post("/accounts/login/", {"username": "grace", "password": password}).status_code == 302


def test_create_steward_without_password(admin_client, stewards):
    response = admin_client.post(f"{CHANGELIST}add/", {"username": "grace", "email": "grace@example.org", "public_name": "Grace"})
    assert response.status_code == 302
    assert not User.objects.get(username="grace").has_usable_password()


@pytest.mark.parametrize(
    "data,field",
    [
        ({"username": "BOB", "email": "new@example.org", "public_name": "B"}, "username"),
        ({"username": "grace", "email": "Carol@example.org", "public_name": "G"}, "email"),
        ({"username": "grace", "email": "g@example.org", "public_name": "G", "password1": "short", "password2": "short"}, "password1"),
        (
            {"username": "grace", "email": "g@example.org", "public_name": "G", "password1": "a long one 123", "password2": "other"},
            "password2",
        ),
    ],
)
def test_create_steward_refusals(admin_client, stewards, data, field):
    response = admin_client.post(f"{CHANGELIST}add/", data)
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not User.objects.filter(username="grace").exists()


def test_change_admin_role_syncs_user_flags(admin_client, stewards):
    response = admin_client.post(change_url(stewards["bob"]), change_data(stewards["bob"], is_admin=True))
    assert response.status_code == 302, response.content.decode()
    bob = User.objects.get(username="bob")
    assert bob.steward_profile.is_admin and bob.is_staff and bob.is_superuser
    assert Event.objects.get(kind="steward.changed").data == {"username": "bob", "admin": True}


def test_last_admin_keeps_the_role(admin_client, stewards):
    response = admin_client.post(change_url(stewards["alice"]), change_data(stewards["alice"], is_admin=False))
    assert response.status_code == 200
    assert "At least one active admin steward is needed." in response.content.decode()
    assert StewardProfile.objects.get(user=stewards["alice"]).is_admin


def test_link_identity_through_the_admin(admin_client, stewards):
    response = admin_client.post(change_url(stewards["bob"]), change_data(stewards["bob"], new=(Space.SLACK, "@Bobby")))
    assert response.status_code == 302, response.content.decode()
    identity = Identity.objects.get(space=Space.SLACK, handle="bobby")
    assert identity.person == stewards["bob"].steward_profile.person
    assert Event.objects.filter(kind="identity.linked", actor=stewards["alice"]).exists()


def test_linking_a_handle_named_in_a_case_merges_and_recuses(admin_client, stewards):
    named = person_for_identity(Space.DISCORD, "dave#1234")
    case = Case.objects.create(policy_version=current_version())
    Party.objects.create(case=case, person=named, role=PartyRole.REPORTED)
    dave = stewards["dave"]
    response = admin_client.post(change_url(dave), change_data(dave, new=(Space.DISCORD, "Dave#1234")))
    assert response.status_code == 302, response.content.decode()
    assert not Person.objects.filter(pk=named.pk).exists()
    assert Party.objects.get(case=case).person == dave.steward_profile.person


def test_another_stewards_identity_is_refused(admin_client, stewards):
    dave = stewards["dave"]
    response = admin_client.post(change_url(dave), change_data(dave, new=(Space.GITHUB, "bob")))
    assert response.status_code == 200
    assert "That identity belongs to another steward." in response.content.decode()
    assert Identity.objects.get(space=Space.GITHUB, handle="bob").person == stewards["bob"].steward_profile.person


def test_unlink_identity_through_the_admin(admin_client, stewards):
    bob = stewards["bob"]
    response = admin_client.post(change_url(bob), change_data(bob, delete=("bob",)))
    assert response.status_code == 302, response.content.decode()
    assert not Identity.objects.filter(space=Space.GITHUB, handle="bob").exists()
    assert Identity.objects.filter(space=Space.EMAIL, handle="bob@example.org").exists()
    assert Event.objects.filter(kind="identity.unlinked").exists()


def test_existing_identities_cannot_be_edited_in_place(admin_client, stewards):
    bob = stewards["bob"]
    data = change_data(bob)
    for key in [k for k in data if k.endswith("-id")]:
        index = key.split("-")[1]
        data[f"identities-{index}-space"], data[f"identities-{index}-handle"] = Space.GITHUB, "somebody-else"
    assert admin_client.post(change_url(bob), data).status_code == 302
    assert not Identity.objects.filter(handle="somebody-else").exists()
    assert Identity.objects.filter(space=Space.GITHUB, handle="bob").exists()
