"""Every release keeps a test that upgrades a database its predecessors' demo made (docs/testing.md, "Upgrades").

For each snapshot in steward/releases/ (see steward/tests/upgrade.py): migrate the test database back to the
release's migration state, load the rows that release's own code wrote, migrate forward with today's
migrations, and check what an operator must find after `manage.py migrate` and `load_policy`: every case,
the reporters' follow-up links, the evidence files, the conflicts (a hard-conflicted steward sees nothing of
a case joined before merges carried conflicts), the declaration lists the data migration builds, the policy
version each case was opened under, and an audit chain that verifies end to end with new events on it.
"""

import base64
import hashlib
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from audit.models import Event
from cases.access import access_report_by_link, awaiting_declaration, readable_cases
from cases.actions import do_declare_conflict
from cases.evidence import read_blob
from cases.models import AwaitingDeclaration, Case, ConflictDeclaration, Evidence, Report
from policy.loader import load_policy_file
from policy.models import PolicyVersion
from policy.services import current_version
from steward.tests.upgrade import latest_targets, load_rows, migrate_to, read_snapshot, release_targets, snapshots, write_blobs

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def upgraded(request: Any) -> Any:
    """The snapshot's database at its own release, then migrated to today; back to today's schema however the test ends."""
    snapshot = read_snapshot(request.param)
    # Rows an earlier test or today's data migrations left (default letter templates...) would collide with the
    # release's own: start from an empty database, as a site's history began.
    call_command("flush", interactive=False, verbosity=0)
    try:
        state = migrate_to(release_targets(snapshot))
        load_rows(state, snapshot)
        write_blobs(snapshot)
        migrate_to(latest_targets())
        yield snapshot
    finally:
        migrate_to(latest_targets())


def test_there_is_a_snapshot_of_an_earlier_release() -> None:
    assert snapshots(), "steward/releases/ holds no snapshot: a release must add one (docs/testing.md, Upgrades)"


@pytest.mark.parametrize("upgraded", snapshots(), ids=[path.stem for path in snapshots()], indirect=True)
def test_upgrade_keeps_cases_links_evidence_conflicts_and_audit(upgraded: dict[str, Any], settings: Any, tmp_path: Path) -> None:
    snapshot = upgraded
    case_names = sorted(row["fields"]["code_name"] for row in snapshot["rows"] if row["model"] == "cases.case")
    assert sorted(Case.objects.values_list("code_name", flat=True)) == case_names

    # Reports and their follow-up links: the secret the reporter holds still opens their report, as a page too.
    for link in snapshot["follow_up"]:
        report = access_report_by_link(link["reference"], link["secret"])
        assert report.case.code_name == link["case"] or report.case.code_name == link.get("joined_into")
        response = Client().get(f"/follow-up/{link['reference']}/{link['secret']}/", follow=True)
        assert response.status_code == 200 and report.body in response.content.decode()
    first = Report.objects.get(reference=snapshot["follow_up"][0]["reference"])
    assert first.body.startswith("Upgrade snapshot:") and first.reporter_email == "robin.reporter@example.net"

    # Evidence: the same bytes, the name and hash it was stored under.
    evidence = list(Evidence.objects.filter(case=first.case))
    assert {item.original_name for item in evidence} == {"chat-log.txt", "screenshot.png"}
    for item in evidence:
        content = read_blob(item.sha256)
        assert hashlib.sha256(content).hexdigest() == item.sha256 and content == base64.b64decode(snapshot["blobs"][item.sha256])

    # cases/0007: the hard conflict declared on the joined case now keeps that steward out of the case it joined.
    conflicted = User.objects.get(username=snapshot["hard_conflict"]["steward"])
    target = Case.objects.get(code_name=snapshot["follow_up"][1]["joined_into"])
    assert ConflictDeclaration.objects.filter(case=target, steward=conflicted, level="hard").exists()
    assert not readable_cases(conflicted).filter(pk=target.pk).exists()
    # cases/0009: the declaration lists were built for the cases already there.
    undeclared = Case.objects.filter(merged_into__isnull=True).exclude(declarations__steward=conflicted)
    rows = AwaitingDeclaration.objects.filter(steward=conflicted)
    assert set(rows.values_list("case_id", flat=True)) == set(undeclared.values_list("pk", flat=True)) != set()
    assert set(awaiting_declaration(conflicted).values_list("case_id", flat=True)) <= set(undeclared.values_list("pk", flat=True))

    # The policy: load_policy after the upgrade (what `make migrate` runs) loads the shipped file; old cases keep theirs.
    old_versions = dict(Case.objects.values_list("code_name", "policy_version__version"))
    call_command("load_policy", stdout=StringIO())
    assert dict(Case.objects.values_list("code_name", "policy_version__version")) == old_versions
    assert PolicyVersion.objects.filter(version__in=set(old_versions.values())).count() == len(set(old_versions.values()))
    shipped = hashlib.sha256(Path(settings.STEWARD_POLICY_FILE).read_bytes()).hexdigest()
    in_force = current_version()
    assert in_force.source_sha256 == shipped or in_force.data == load_policy_file(settings.STEWARD_POLICY_FILE).to_dict()

    # The audit chain: the release's events verify, and new ones (signed now) carry on from them.
    admin = User.objects.filter(steward_profile__is_admin=True).order_by("username")[0]
    if not ConflictDeclaration.objects.filter(case=target, steward=admin).exists():
        do_declare_conflict(admin, target, "none")
    client = Client()
    client.force_login(admin)
    assert client.get(f"/cases/{target.code_name}/").status_code == 200
    download = client.get(f"/cases/{target.code_name}/evidence/{evidence[0].pk}/download/")
    assert download.status_code == 200 and download.getvalue() == read_blob(evidence[0].sha256)
    assert Event.objects.count() > len([row for row in snapshot["rows"] if row["model"] == "audit.event"])
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert "Audit chain intact" in out.getvalue(), out.getvalue()
