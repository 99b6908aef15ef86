"""One archive holding the database and the evidence files, and putting it back (manage.py backup / restore).

Evidence rows name their files by SHA-256, so the two halves must match: every row in the database copy
must find its file. The copy is taken while holding the evidence directory's shared lock (cases.evidence):
uploads go on, but no erasure or leftover sweep can remove a file until both halves are copied. A file
written by an upload whose row was not yet in the database copy is carried too; after a restore the
leftover sweep removes it, as it would have on the live site.

The archive (tar, gzip) holds `manifest.json` (what it is, each member's SHA-256, the migration state and
a few counts), the database (SQLite: a copy made with SQLite's online backup API, safe while the site runs;
PostgreSQL: `pg_dump --format=custom`) and `evidence/`. It holds no key: the evidence and the encrypted
columns stay encrypted, and the keys are backed up separately (docs/operations.md, Backups).
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from cases.evidence import INCOMING_PREFIX, evidence_root, store_lock

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
EVIDENCE = "evidence"


class BackupError(Exception):
    """Something the operator must fix; the message says what."""


@dataclass
class RestoreReport:
    manifest: dict[str, Any]
    evidence_files: int
    counts: dict[str, int]
    audit_ok: bool
    audit_checked: int
    problems: list[str] = field(default_factory=list)


def vendor() -> str:
    return str(connection.vendor)


def counts() -> dict[str, int]:
    from audit.models import Event
    from cases.models import Case, Evidence, Report

    return {
        "cases": Case.objects.count(),
        "reports": Report.objects.count(),
        "evidence": Evidence.objects.count(),
        "audit_events": Event.objects.count(),
    }


def migration_state() -> dict[str, str]:
    state: dict[str, str] = {}
    for app, name in MigrationRecorder.Migration.objects.values_list("app", "name"):
        state[app] = max(state.get(app, ""), name)
    return dict(sorted(state.items()))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _evidence_files(root: Path) -> Iterator[Path]:
    if not root.exists():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.name.startswith(INCOMING_PREFIX):
            yield path


def _pg_env() -> dict[str, str]:
    """libpq's environment for the configured database, so no password appears on a command line."""
    db = connection.settings_dict
    env = {**os.environ, "PGDATABASE": str(db["NAME"]), "PGUSER": str(db.get("USER") or "")}
    for key, name in (("PASSWORD", "PGPASSWORD"), ("HOST", "PGHOST"), ("PORT", "PGPORT")):
        if db.get(key):
            env[name] = str(db[key])
    for option, name in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT"), ("sslcert", "PGSSLCERT"), ("sslkey", "PGSSLKEY")):
        if db.get("OPTIONS", {}).get(option):
            env[name] = str(db["OPTIONS"][option])
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    tool = shutil.which(command[0])
    if tool is None:
        raise BackupError(f"{command[0]} is not installed (Debian: apt-get install postgresql-client).")
    done = subprocess.run([tool, *command[1:]], env=env, capture_output=True, text=True, check=False)  # noqa: S603 - fixed tool, our arguments
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-2000:]}")


def _dump_database(workdir: Path) -> str:
    if vendor() == "sqlite":
        target = workdir / SQLITE_FILE
        source = sqlite3.connect(str(connection.settings_dict["NAME"]))
        copy = sqlite3.connect(str(target))
        try:
            source.backup(copy)  # SQLite's online backup: a consistent copy while the site writes
        finally:
            copy.close()
            source.close()
        return SQLITE_FILE
    if vendor() == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={workdir / PG_FILE}"], _pg_env())
        return PG_FILE
    raise BackupError(f"Backing up a {vendor()} database is not supported; use its own tools.")


def create_backup(output: Path) -> dict[str, Any]:
    """Write the archive to `output` (never half-written: a temporary file renamed at the end); its manifest."""
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".steward-backup-") as tmp:
        workdir = Path(tmp)
        root = evidence_root()
        with store_lock(exclusive=False):
            database_file = _dump_database(workdir)
            manifest: dict[str, Any] = {
                "format": FORMAT,
                "created_at": timezone.now().isoformat(),
                "database": vendor(),
                "database_file": database_file,
                "migrations": migration_state(),
                "counts": counts(),
                "files": {database_file: _sha256(workdir / database_file)},
            }
            partial = workdir / "archive.tar.gz"
            with tarfile.open(partial, "w:gz") as archive:
                archive.add(workdir / database_file, arcname=database_file)
                for path in _evidence_files(root):
                    name = str(PurePosixPath(EVIDENCE, *path.relative_to(root).parts))
                    manifest["files"][name] = _sha256(path)
                    archive.add(path, arcname=name)
                manifest_path = workdir / MANIFEST
                manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
                archive.add(manifest_path, arcname=MANIFEST)
        partial.chmod(0o600)  # encrypted, but it holds password and secret hashes too
        partial.replace(output)
    return manifest


def read_archive(archive_path: Path, into: Path) -> dict[str, Any]:
    """Unpack into `into` and check every member against the manifest; the manifest."""
    try:
        with tarfile.open(archive_path, "r:*") as archive:
            archive.extractall(into, filter="data")  # refuses absolute paths, .. and links out of `into`
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"{archive_path} is not a readable backup archive: {exc}") from exc
    try:
        manifest: dict[str, Any] = json.loads((into / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{archive_path} has no readable {MANIFEST}; it is not a Steward backup.") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{archive_path} is backup format {manifest.get('format')}; this Steward reads format {FORMAT}.")
    present = {str(PurePosixPath(*p.relative_to(into).parts)) for p in into.rglob("*") if p.is_file()} - {MANIFEST}
    if present != set(manifest["files"]):
        raise BackupError(f"{archive_path} does not hold the files its manifest lists; it is incomplete or altered.")
    for name, expected in manifest["files"].items():
        if _sha256(into / name) != expected:
            raise BackupError(f"{name} in {archive_path} does not match its SHA-256 in the manifest; it is damaged or altered.")
    return manifest


def _check_empty_targets(root: Path) -> None:
    if root.exists() and any(root.iterdir()):
        raise BackupError(f"The evidence directory {root} is not empty; restore into an empty one (STEWARD_EVIDENCE_DIR).")
    tables = connection.introspection.table_names()
    if tables:
        raise BackupError(
            f"The database is not empty ({len(tables)} tables); restore into a new, empty database (DATABASE_URL), "
            "never over a running site's."
        )


def _restore_database(manifest: dict[str, Any], unpacked: Path) -> None:
    if manifest["database"] != vendor():
        raise BackupError(f"This backup holds a {manifest['database']} database; DATABASE_URL names a {vendor()} one.")
    source = unpacked / manifest["database_file"]
    if vendor() == "sqlite":
        connection.close()
        restored = sqlite3.connect(str(source))
        target = sqlite3.connect(str(connection.settings_dict["NAME"]))
        try:
            restored.backup(target)
        finally:
            target.close()
            restored.close()
        return
    database = connection.settings_dict["NAME"]
    _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", f"--dbname={database}", str(source)], _pg_env())


def restore_backup(archive_path: Path) -> RestoreReport:
    """Put a backup into the configured (empty) database and evidence directory, then check what came back."""
    from audit.log import verify_chain
    from cases.evidence import blob_path
    from cases.models import Evidence

    root = evidence_root()
    _check_empty_targets(root)
    with tempfile.TemporaryDirectory(prefix=".steward-restore-") as tmp:
        unpacked = Path(tmp)
        manifest = read_archive(archive_path, unpacked)
        _restore_database(manifest, unpacked)
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        evidence_files = 0
        for name in manifest["files"]:
            parts = PurePosixPath(name).parts
            if parts[0] != EVIDENCE:
                continue
            target = root.joinpath(*parts[1:])
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            shutil.copyfile(unpacked / name, target)
            target.chmod(0o600)
            evidence_files += 1
    connection.close()  # the restored database, read afresh
    now = counts()
    expected = manifest["counts"].items()
    problems = [f"{what}: {now.get(what)} restored, {number} in the backup" for what, number in expected if now.get(what) != number]
    missing = [sha for sha in Evidence.objects.values_list("sha256", flat=True).distinct() if not blob_path(sha).exists()]
    if missing:
        problems.append(f"{len(missing)} evidence file(s) named in the database are not in the backup")
    chain = verify_chain()
    if not chain.ok:
        problems.append(f"audit chain broken at event #{chain.first_broken_id}: {chain.reason}")
    return RestoreReport(manifest, evidence_files, now, chain.ok, chain.checked, problems)
