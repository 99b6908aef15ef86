"""Write the data an upgrade test starts from, using the code of an earlier release (run inside its checkout).

    git worktree add /tmp/prev <commit-of-the-previous-release>    # or: git archive <commit> | tar -x -C /tmp/prev
    cd /tmp/prev && ln -s /path/to/steward/.venv .venv
    DATABASE_URL=sqlite:////tmp/prev/snap.sqlite3 STEWARD_EVIDENCE_DIR=/tmp/prev/evidence \
      RELEASE_COMMIT=<commit> .venv/bin/python /path/to/steward/scripts/release_snapshot.py /path/to/steward/steward/releases/NAME.json

It migrates a fresh database, loads that release's demo (`load_demo`), adds through that release's own
actions what the demo lacks (a named report with two evidence files, a second report joined into its case
after a steward declared a hard conflict on it) and dumps every row of Steward's apps as that release's
schema has it, with encrypted values in the clear (the upgrade test encrypts them again under its own keys)
and the evidence files' bytes. The follow-up secrets are written too: the test opens the links after
upgrading. Only code every release so far has (`do_submit_report`, `do_declare_conflict`, `do_merge_cases`,
`check_upload`) is used; if a later release renames one, adjust this script in that release.
"""

import base64
import datetime
import json
import os
import struct
import sys
import zlib
from pathlib import Path

OWN_APPS = [
    *("steward", "audit", "policy", "people", "cases", "decisions"),
    *("letters", "clocks", "privacy", "spaces", "enforcement", "screening"),
]


def full_precision_encoder() -> type:
    from django.core.serializers.json import DjangoJSONEncoder

    class FullPrecision(DjangoJSONEncoder):
        """Django's encoder cuts times to milliseconds; audit events hash their time to the microsecond."""

        def default(self, o: object) -> object:
            if isinstance(o, datetime.datetime):
                return o.isoformat()
            return super().default(o)

    return FullPrecision


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes([200, 40, 40]) * 4 for _ in range(4))
    header = chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))  # 4x4, 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + header + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def main(out: Path) -> None:
    sys.path.insert(0, os.getcwd())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "steward.settings")
    import django

    django.setup()
    from django.apps import apps
    from django.core import serializers
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db.migrations.recorder import MigrationRecorder

    call_command("migrate", verbosity=0)
    call_command("load_policy", verbosity=0)
    call_command("load_demo", verbosity=0)

    from django.contrib.auth.models import User

    from cases.actions import do_declare_conflict, do_merge_cases
    from cases.evidence import check_upload
    from intake.actions import Submission, do_submit_report

    log = b"[21:04] someone: you do not belong here\n[21:05] someone: leave or else\n"
    files = [check_upload(SimpleUploadedFile("chat-log.txt", log)), check_upload(SimpleUploadedFile("screenshot.png", tiny_png()))]
    first = do_submit_report(
        Submission(
            body="Upgrade snapshot: threats in the project chat after the release call.",
            reporter_name="Robin Reporter",
            reporter_email="robin.reporter@example.net",
            involved="someone in the chat",
            categories=["harassment"],
            files=files,
        )
    )
    second = do_submit_report(Submission(body="Upgrade snapshot: the same chat, seen by another member.", anonymous=True))
    from cases.models import Case

    target, source = Case.objects.get(code_name=first.case_code_name), Case.objects.get(code_name=second.case_code_name)
    steward = User.objects.filter(steward_profile__is_admin=False, steward_profile__is_active=True).order_by("username")[0]
    admin = User.objects.filter(steward_profile__is_admin=True).order_by("username")[0]
    do_declare_conflict(steward, source, "hard")
    do_merge_cases(admin, target, source)

    present = {config.label for config in apps.get_app_configs()}
    models = [User] + [model for label in OWN_APPS if label in present for model in apps.get_app_config(label).get_models()]
    rows = serializers.serialize("python", [obj for model in models for obj in model._default_manager.order_by("pk")])
    evidence = apps.get_model("cases", "Evidence")
    from cases.evidence import read_blob

    blobs = {sha: base64.b64encode(read_blob(sha)).decode() for sha in evidence.objects.values_list("sha256", flat=True).distinct()}
    applied: dict[str, str] = {}
    for app, name in MigrationRecorder.Migration.objects.filter(app__in=OWN_APPS).order_by("id").values_list("app", "name"):
        applied[app] = max(applied.get(app, ""), name)
    commit = os.environ.get("RELEASE_COMMIT", "")
    FullPrecision = full_precision_encoder()
    snapshot = {
        "release": out.stem,
        "commit": commit or "unknown (set RELEASE_COMMIT)",
        "migrations": {app: applied.get(app) for app in OWN_APPS},
        "follow_up": [
            {"reference": first.reference, "secret": first.secret, "case": first.case_code_name},
            {"reference": second.reference, "secret": second.secret, "case": second.case_code_name, "joined_into": first.case_code_name},
        ],
        "hard_conflict": {"steward": steward.username, "declared_on": second.case_code_name},
        "blobs": blobs,
        "rows": rows,
    }
    out.write_text(json.dumps(snapshot, indent=1, ensure_ascii=False, cls=FullPrecision) + "\n", encoding="utf-8")
    print(f"{out}: {len(rows)} rows, {len(blobs)} evidence files, migrations {snapshot['migrations']}")


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve())
