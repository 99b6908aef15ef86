"""Key rotation: written with A; keys "B,A"; rotate; keys "B" alone still read everything."""

import hashlib

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from cases.evidence import blob_path, read_blob
from cases.models import Evidence, Report
from people.actions import person_for_identity
from people.models import Identity, Space
from privacy.keys import DecryptionError
from privacy.rotation import rotate_everything
from privacy.tests.conftest import BODY, FILE_TEXT, KEY_A, KEY_B, REPORTED_HANDLE, REPORTER_NAME
from screening.access import may_see, visible_flags
from screening.ingest import take
from screening.models import Flag, ItemParty
from spaces.base import Item as SpaceItem
from spaces.models import SpaceConnection


@pytest.fixture
def key_a(settings):
    """Everything, the stewards included, is written with key A (requested before make_case)."""
    settings.STEWARD_ENCRYPTION_KEYS = KEY_A
    return settings


@pytest.fixture
def fixed_index(key_a):
    key_a.STEWARD_INDEX_KEY = "a-long-random-index-key-for-tests"
    return key_a


def raw_body(case_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM cases_report WHERE case_id = %s", [case_id])
        return str(cursor.fetchone()[0])


def read_everything(case_id: int) -> None:
    report = Report.objects.get(case_id=case_id)
    assert (report.body, report.reporter_name) == (BODY, REPORTER_NAME)
    assert read_blob(Evidence.objects.get(case_id=case_id).sha256) == FILE_TEXT
    identity = Identity.objects.get(space=Space.GITHUB, handle=REPORTED_HANDLE)
    assert identity.handle == REPORTED_HANDLE
    assert identity.person.display_name == "Morgan Reported"


@pytest.mark.django_db
def test_rotation_moves_everything_to_the_new_key(key_a, make_case) -> None:
    settings = key_a
    case = make_case()
    settings.STEWARD_ENCRYPTION_KEYS = f"{KEY_B},{KEY_A}"
    read_everything(case.pk)  # both keys configured: old data reads before rotating
    before = raw_body(case.pk)
    call_command("rotate_keys", batch_size=2)
    assert raw_body(case.pk) != before
    settings.STEWARD_ENCRYPTION_KEYS = KEY_B
    read_everything(case.pk)
    # Identity lookups (whose index key followed the encryption key) still find the same person.
    assert person_for_identity(Space.GITHUB, REPORTED_HANDLE) == Identity.objects.get(space=Space.GITHUB, handle=REPORTED_HANDLE).person


@pytest.mark.django_db
def test_rotation_is_idempotent(key_a, make_case) -> None:
    settings = key_a
    case = make_case()
    settings.STEWARD_ENCRYPTION_KEYS = f"{KEY_B},{KEY_A}"
    first = rotate_everything()
    after_first = raw_body(case.pk)
    second = rotate_everything()
    assert first["cases.Report"] == 1 and first["evidence files"] == 1
    assert second["cases.Report"] == 0 and second["evidence files"] == 0 and second["people.Identity"] == 0
    assert raw_body(case.pk) == after_first


@pytest.mark.django_db
def test_dropping_the_old_key_before_rotating_fails_clearly(key_a, make_case) -> None:
    settings = key_a
    case = make_case()
    settings.STEWARD_ENCRYPTION_KEYS = KEY_B
    with pytest.raises(DecryptionError, match="rotate_keys"):
        Report.objects.get(case=case)
    with pytest.raises(CommandError, match="none of the configured keys"):
        call_command("rotate_keys")
    settings.STEWARD_ENCRYPTION_KEYS = f"{KEY_B},{KEY_A}"  # put the old key back: all is well again
    call_command("rotate_keys")
    settings.STEWARD_ENCRYPTION_KEYS = KEY_B
    read_everything(case.pk)


@pytest.mark.django_db
def test_with_a_fixed_index_key_digests_do_not_change(fixed_index, make_case) -> None:
    settings = fixed_index
    make_case()
    digests = set(Identity.objects.values_list("handle_digest", flat=True))
    settings.STEWARD_ENCRYPTION_KEYS = f"{KEY_B},{KEY_A}"
    rotate_everything()
    assert set(Identity.objects.values_list("handle_digest", flat=True)) == digests


@pytest.mark.django_db
def test_plain_evidence_from_before_encryption_is_encrypted_by_rotation(make_case) -> None:
    case = make_case()
    path = blob_path(Evidence.objects.get(case=case).sha256)
    path.write_bytes(FILE_TEXT)  # as written before encryption at rest existed
    assert hashlib.sha256(path.read_bytes()).hexdigest() == path.name
    rotate_everything()
    assert FILE_TEXT not in path.read_bytes()
    assert read_blob(path.name) == FILE_TEXT
    path.write_bytes(b"tampered")
    with pytest.raises(DecryptionError, match="neither readable"):
        rotate_everything()


def _flag_addressed_to_bob() -> Flag:
    connection = SpaceConnection.objects.create(slug="gh", platform="github", title="GitHub", settings={})
    item = take(connection, SpaceItem(external_id="1", author=("ivan-gh",), text="you again", addressed=("@Bob",)), schedule=False)
    assert item is not None
    return Flag.objects.create(item=item, category="trolling-insults", score=0.9, threshold=0.5, priority=1.35)


def _party_digests() -> set[str]:
    return set(ItemParty.objects.values_list("digest", flat=True))


@pytest.mark.django_db
def test_rotation_moves_the_screening_party_index_and_stewards_stay_off_their_own_content(key_a, stewards) -> None:
    settings = key_a
    flag = _flag_addressed_to_bob()
    before = _party_digests()
    assert len(before) == 2 and not may_see(stewards["bob"], flag) and may_see(stewards["carol"], flag)
    settings.STEWARD_ENCRYPTION_KEYS = f"{KEY_B},{KEY_A}"
    assert not may_see(stewards["bob"], flag)  # mid-rotation: the old digests still match
    first = rotate_everything()
    assert first["screening.ItemParty"] == 1 and _party_digests().isdisjoint(before) and ItemParty.objects.count() == 2
    assert rotate_everything()["screening.ItemParty"] == 0
    settings.STEWARD_ENCRYPTION_KEYS = KEY_B
    assert not may_see(stewards["bob"], flag) and list(visible_flags(stewards["bob"])) == []
    assert list(visible_flags(stewards["carol"])) == [flag]


@pytest.mark.django_db
def test_with_a_fixed_index_key_party_digests_do_not_change(fixed_index, stewards) -> None:
    settings = fixed_index
    flag = _flag_addressed_to_bob()
    before = _party_digests()
    settings.STEWARD_ENCRYPTION_KEYS = f"{KEY_B},{KEY_A}"
    assert rotate_everything()["screening.ItemParty"] == 0
    assert _party_digests() == before and not may_see(stewards["bob"], flag)
