"""Upgrading a database an earlier release made: back to its migration state, its rows in, forward again.

The snapshots in steward/releases/ were written by scripts/release_snapshot.py running each release's own
code (its demo, a report with evidence, a joined case). They hold rows as that release's schema had them,
so they are loaded through the historical models of that migration state, never through today's models;
then today's migrations run over them, data migrations included, as `manage.py migrate` would on a site.
"""

import base64
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from django.apps.registry import Apps
from django.core.management.color import no_style
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from cases.evidence import blob_path
from privacy.keys import blind_digest, encrypt_bytes

RELEASES = Path(__file__).resolve().parents[1] / "releases"


def snapshots() -> list[Path]:
    return sorted(RELEASES.glob("*.json"))


def read_snapshot(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def migrate_to(targets: list[tuple[str, str | None]]) -> Apps:
    """Run the migrations (back or forward) to `targets`; the historical models of that state."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    # An app the release did not have yet (None: unapplied) has no node to build a state from.
    present = [(app, name) for app, name in targets if name is not None]
    return MigrationExecutor(connection).loader.project_state(present).apps


def latest_targets() -> list[tuple[str, str | None]]:
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def release_targets(snapshot: dict[str, Any]) -> list[tuple[str, str | None]]:
    return list(snapshot["migrations"].items())


def load_rows(state: Apps, snapshot: dict[str, Any]) -> None:
    """Insert the snapshot's rows through the historical models, keeping every primary key.

    Timestamps are stored as the release wrote them (auto_now_add would stamp today), encrypted fields
    encrypt under this run's keys (the release wrote them under its own), and the identities' blind index
    is computed under this run's index key for the same reason.
    """
    many: dict[Any, list[tuple[Any, str, list[Any]]]] = defaultdict(list)
    touched = []
    for row in snapshot["rows"]:
        model = state.get_model(row["model"])
        values: dict[str, Any] = {model._meta.pk.attname: row["pk"]}
        for name, value in row["fields"].items():
            field = model._meta.get_field(name)
            if field.many_to_many:
                many[model].append((row["pk"], name, value))
            elif field.is_relation:
                values[field.attname] = value
            else:
                values[field.attname] = field.to_python(value)
        if row["model"] == "people.identity":
            values["handle_digest"] = blind_digest(values["handle"])
        obj = model(**values)
        for field in model._meta.concrete_fields:
            if getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False):
                field.auto_now_add = field.auto_now = False  # historical models are this state's own copies
        obj.save(force_insert=True)
        touched.append(model)
    for model, links in many.items():
        for pk, name, targets in links:
            getattr(model._default_manager.get(pk=pk), name).set(targets)
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), list(dict.fromkeys(touched))):
            cursor.execute(statement)


def write_blobs(snapshot: dict[str, Any]) -> None:
    """The evidence files, encrypted at rest as every release since encryption wrote them."""
    for sha256, content in snapshot["blobs"].items():
        path = blob_path(sha256)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(encrypt_bytes(base64.b64decode(content)))
