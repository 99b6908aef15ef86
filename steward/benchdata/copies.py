"""Bulk copies of the sample cases: every row a sample case holds, cloned with new keys, in batches.

The rows to copy are found from the models, not listed by hand: every model with a foreign key into a
case (and, transitively, into those rows) belongs to a case's graph, so a table added later is copied
too. People named in a case get their own copies (a new code name, handles made unique, blind index
recomputed, names encrypted again), except a reported person who is sometimes the same across copies
(repeat behaviour). Encrypted fields are written through the model fields, so every copy is encrypted
as the app would encrypt it. Timeline events are appended to the audit chain with real signatures, so
`verify_audit` still holds over the whole data set.
"""

import copy
import json
import random
import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.db.models.base import ModelState

from audit.keys import audit_keyring
from audit.log import record
from audit.models import ChainHead, Event, head_message, signed_chain_hash
from people.models import Identity, Person, Space, StewardProfile, normalise_handle
from privacy.keys import blind_digest
from steward.codenames import unique_code_name

Model = type[models.Model]


@dataclass
class Graph:
    """The models reachable from `root` through foreign keys pointing at it, in the order they can be written."""

    root: Model
    order: list[Model]
    links: dict[Model, list[models.ForeignKey[Any, Any]]]  # foreign keys into the graph, remapped on copy

    @classmethod
    def of(cls, root: Model) -> "Graph":
        members = {root}
        grew = True
        while grew:
            grew = False
            for model in apps.get_models():
                if model not in members and model is not Event and any(f.related_model in members for f in _foreign_keys(model)):
                    members.add(model)
                    grew = True
        links = {model: [f for f in _foreign_keys(model) if f.related_model in members] for model in members}
        return cls(root, _write_order(root, members, links), links)


def _foreign_keys(model: Model) -> list[Any]:
    return [f for f in model._meta.concrete_fields if f.is_relation and (f.many_to_one or f.one_to_one)]


def _write_order(root: Model, members: set[Model], links: dict[Model, list[Any]]) -> list[Model]:
    """Targets before the rows that point at them; a cycle is cut at a nullable key (written empty)."""
    order, remaining = [root], members - {root}
    while remaining:
        ready = [m for m in remaining if not _waits(m, remaining, links, False)]
        ready = ready or [m for m in remaining if not _waits(m, remaining, links, True)]
        ready.sort(key=lambda m: m._meta.label)
        order += ready
        remaining -= set(ready)
    return order


def _waits(model: Model, remaining: set[Model], links: dict[Model, list[Any]], allow_null: bool) -> bool:
    return any(f.related_model in remaining and f.related_model is not model and not (allow_null and f.null) for f in links[model])


@dataclass
class Template:
    """One sample case and everything it holds, read once and copied many times."""

    case_id: int
    code_name: str
    created_at: datetime
    rows: dict[Model, list[models.Model]]
    m2m: dict[tuple[Model, str], list[tuple[int, int]]]
    persons: list[Person]
    identities: dict[int, list[Identity]]
    events: list[Event]
    shareable: set[int] = field(default_factory=set)  # reported people who may recur across copies


def load_template(graph: Graph, root_pk: int, steward_persons: set[int]) -> Template:
    root = graph.root._base_manager.get(pk=root_pk)
    rows: dict[Model, list[models.Model]] = {graph.root: [root]}
    ids: dict[Model, set[Any]] = {graph.root: {root.pk}}
    for model in graph.order[1:]:
        query = models.Q()
        for f in graph.links[model]:
            if ids.get(f.related_model):
                query |= models.Q(**{f"{f.attname}__in": ids[f.related_model]})
        found = list(model._base_manager.filter(query).order_by("pk")) if query else []
        rows[model], ids[model] = found, {row.pk for row in found}
    m2m: dict[tuple[Model, str], list[tuple[int, int]]] = {}
    person_ids: set[int] = set()
    for model, found in rows.items():
        for m2m_field in model._meta.many_to_many:
            through: Any = m2m_field.remote_field.through
            source, target = m2m_field.m2m_field_name(), m2m_field.m2m_reverse_field_name()
            pairs = list(through._base_manager.filter(**{f"{source}__in": ids[model]}).values_list(f"{source}_id", f"{target}_id"))
            m2m[(model, m2m_field.name)] = pairs
            if m2m_field.related_model is Person:
                person_ids |= {target_id for _, target_id in pairs}
        for f in _foreign_keys(model):
            if f.related_model is Person:
                person_ids |= {getattr(row, f.attname) for row in found} - {None}
    person_ids -= steward_persons
    persons = list(Person.objects.filter(pk__in=person_ids).order_by("pk"))
    identities: dict[int, list[Identity]] = defaultdict(list)
    for identity in Identity.objects.filter(person_id__in=person_ids).order_by("pk"):
        identities[identity.person_id].append(identity)
    sanctioned = {getattr(row, "person_id", 0) for model, found in rows.items() if model._meta.model_name == "sanction" for row in found}
    reported = {getattr(row, "person_id", 0) for row in rows.get(_model("cases.Party"), []) if getattr(row, "role", "") == "reported"}
    events = list(Event.objects.filter(case_id=root.pk).order_by("pk"))
    created_at = getattr(root, "created_at")  # noqa: B009 - every root model here has one
    return Template(root.pk, getattr(root, "code_name", ""), created_at, rows, m2m, persons, identities, events, reported - sanctioned)


def _model(label: str) -> Model:
    return apps.get_model(label)


class CodeNames:
    """Unique code names chosen in memory, as unique_code_name chooses them against the database."""

    def __init__(self, model: Model) -> None:
        self.taken = set(model._base_manager.values_list("code_name", flat=True))

    def new(self) -> str:
        name = unique_code_name(lambda names: [name for name in names if name in self.taken])
        self.taken.add(name)
        return name


@dataclass
class Copy:
    serial: int
    template: Template
    created_at: datetime
    event_count: int  # timeline events to give it (its template's, cycled or cut); 0 keeps them all
    share_people: bool
    ids: dict[Model, dict[Any, Any]] = field(default_factory=lambda: defaultdict(dict))
    texts: dict[str, str] = field(default_factory=dict)  # template value -> copy value (code names, handles)

    @property
    def delta(self) -> timedelta:
        return self.created_at - self.template.created_at


class Copier:
    """Writes copies of templates in one transaction per batch."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.case_names = CodeNames(graph.root) if any(f.name == "code_name" for f in graph.root._meta.fields) else None
        self.person_names = CodeNames(Person)
        self.unique = {model: _unique_plain_fields(model, graph) for model in graph.order}
        self.stamps = {model: [f for f in model._meta.concrete_fields if isinstance(f, models.DateTimeField)] for model in graph.order}
        self.texts = {
            model: [f for f in model._meta.concrete_fields if isinstance(f, (models.CharField, models.TextField))] for model in graph.order
        }
        self.references = {model: [f for f in _foreign_keys(model) if f not in graph.links[model]] for model in graph.order}

    def write(self, batch: list[Copy]) -> int:
        """Write the batch; return the number of timeline events it added."""
        with transaction.atomic(), _stamps_as_given([*self.graph.order, Person, Identity]):
            self._people(batch)
            for model in self.graph.order:
                self._rows(model, batch)
            for model, name in {key for copy_ in batch for key in copy_.template.m2m}:
                self._m2m(model, name, batch)
            return append_events(self._events(batch))

    def _people(self, batch: list[Copy]) -> None:
        persons, identities = [], []
        for c in batch:
            for person in c.template.persons:
                if c.share_people and person.pk in c.template.shareable:
                    c.ids[Person][person.pk] = person.pk
                    continue
                clone = _fresh(person)
                clone.code_name = self.person_names.new()
                clone.created_at = person.created_at + c.delta
                persons.append((c, person.pk, clone))
                for identity in c.template.identities.get(person.pk, []):
                    new = _fresh(identity)
                    new.handle = _unique_handle(identity.space, identity.handle, c.serial)
                    new.handle_digest = blind_digest(new.handle)
                    new.created_at = identity.created_at + c.delta
                    c.texts[identity.handle] = new.handle
                    identities.append((c, identity.pk, clone, new))
        Person.objects.bulk_create([clone for _, _, clone in persons], batch_size=500)
        for c, old, clone in persons:
            c.ids[Person][old] = clone.pk
        for _, _, person, identity in identities:
            identity.person_id = person.pk
        Identity.objects.bulk_create([identity for *_, identity in identities], batch_size=500)
        for c, old, _, identity in identities:
            c.ids[Identity][old] = identity.pk

    def _rows(self, model: Model, batch: list[Copy]) -> None:
        made: list[tuple[Copy, Any, models.Model]] = []
        for c in batch:
            for row in c.template.rows.get(model, []):
                made.append((c, row.pk, self._clone(model, row, c)))
        model._base_manager.bulk_create([row for *_, row in made], batch_size=500)
        for c, old, row in made:
            c.ids[model][old] = row.pk

    def _clone(self, model: Model, row: models.Model, c: Copy) -> models.Model:
        clone = _fresh(row)
        if model is self.graph.root and self.case_names is not None:
            name = self.case_names.new()
            c.texts[c.template.code_name] = name
            clone.code_name = name
        for f in self.graph.links[model]:
            old = getattr(row, f.attname)
            if old is not None:
                new = c.ids[f.related_model].get(old)
                setattr(clone, f.attname, new if new is not None or not f.null else None)
                if new is None and not f.null:
                    setattr(clone, f.attname, old)
        for f in self.references[model]:
            old = getattr(row, f.attname)
            if old is not None and f.related_model in (Person, Identity):
                setattr(clone, f.attname, c.ids[f.related_model].get(old, old))
        for stamp in self.stamps[model]:
            value = getattr(row, stamp.attname)
            if value is not None:
                setattr(clone, stamp.attname, value + c.delta)
        for text in self.texts[model]:
            value = getattr(row, text.attname)
            if value and value in c.texts:
                setattr(clone, text.attname, c.texts[value])
        for plain in self.unique[model]:
            setattr(clone, plain.attname, _unique_value(plain, getattr(row, plain.attname), c.serial))
        return clone

    def _m2m(self, model: Model, name: str, batch: list[Copy]) -> None:
        f = model._meta.get_field(name)
        through = f.remote_field.through  # type: ignore[union-attr]
        source, target = f.m2m_field_name(), f.m2m_reverse_field_name()  # type: ignore[union-attr]
        rows = []
        for c in batch:
            for old_source, old_target in c.template.m2m.get((model, name), []):
                new_target = c.ids[f.related_model].get(old_target, old_target) if f.related_model in c.ids else old_target
                rows.append(through(**{f"{source}_id": c.ids[model][old_source], f"{target}_id": new_target}))
        through._base_manager.bulk_create(rows, batch_size=500)

    def _events(self, batch: list[Copy]) -> list[Event]:
        events = []
        for c in batch:
            case_id = c.ids[self.graph.root].get(c.template.case_id)
            for event in _cycled(c.template.events, c.event_count):
                summary, data = event.summary, json.dumps(event.data)
                for old, new in c.texts.items():
                    summary, data = summary.replace(old, new), data.replace(old, new)
                events.append(
                    Event(
                        created_at=event.created_at + c.delta,
                        actor_id=event.actor_id,
                        actor_label=event.actor_label,
                        kind=event.kind,
                        case_id=case_id,
                        summary=summary,
                        data=json.loads(data),
                    )
                )
        return events


def _cycled(events: list[Event], count: int) -> list[Event]:
    """The template's events, cut to `count` or repeated (after the first, the report) up to it."""
    if count <= 0 or count == len(events) or not events:
        return events
    if count < len(events):
        return events[:count]
    again = events[1:] or events
    return events + [again[i % len(again)] for i in range(count - len(events))]


def append_events(events: list[Event]) -> int:
    """Append `events` to the audit chain in order, signed as audit.log.record signs one event."""
    if not events:
        return 0
    key = audit_keyring().newest
    head = ChainHead.objects.select_for_update().get(pk=1)
    if head.key_id != key.id:
        raise RuntimeError("the audit chain's last event was signed with another key; record one event first")
    for event in events:
        event.prev_hash, event.key_id = head.last_hash, key.id
        event.hash = signed_chain_hash(key.secret, event.prev_hash, event.payload())
        head.last_hash, head.count = event.hash, head.count + 1
    Event.objects.bulk_create(events, batch_size=1000)
    mac = key.sign(head_message(head.count, head.last_hash))
    ChainHead.objects.filter(pk=head.pk).update(last_hash=head.last_hash, count=head.count, key_id=key.id, mac=mac)
    return len(events)


def _fresh(row: Any) -> Any:
    clone = copy.copy(row)
    clone.__dict__.pop("_prefetched_objects_cache", None)
    clone._state = ModelState()
    clone.pk = None
    if row._meta.pk.attname != "id":
        setattr(clone, row._meta.pk.attname, None)
    return clone


def _unique_plain_fields(model: Model, graph: Graph) -> list[Any]:
    """Fields that must differ between copies: unique on their own, or the only plain part of a unique set."""
    remapped = {f.name for f in graph.links[model]} | {f.name for f in _foreign_keys(model) if f.related_model in (Person, Identity)}
    found: list[Any] = [f for f in model._meta.concrete_fields if f.unique and not f.primary_key and not f.is_relation]
    for constraint in model._meta.constraints:
        names = getattr(constraint, "fields", ())
        if names and not set(names) & remapped:
            plain = [model._meta.get_field(n) for n in names if isinstance(model._meta.get_field(n), (models.CharField, models.TextField))]
            found += plain[:1]
    return [f for f in dict.fromkeys(found) if f.name != "code_name"]


def _unique_value(f: Any, value: Any, serial: int) -> Any:
    if f.has_default() and callable(f.default):
        return f.default()
    if "hash" in f.name or "digest" in f.name:
        return secrets.token_hex(32)
    return f"{value}~{serial}"[: f.max_length or None]


def _unique_handle(space: str, handle: str, serial: int) -> str:
    if space == Space.EMAIL and "@" in handle:
        local, domain = handle.rsplit("@", 1)
        return normalise_handle(space, f"{local}+c{serial}@{domain}")
    return normalise_handle(space, f"{handle}-c{serial}")


class _stamps_as_given:
    """Let bulk_create keep the times a copy was given (auto_now_add would set them all to now)."""

    def __init__(self, model_list: Iterable[Model]) -> None:
        self.fields: list[Any] = [
            f for m in model_list for f in m._meta.concrete_fields if getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False)
        ]

    def __enter__(self) -> None:
        self.saved = [(f, f.auto_now_add, f.auto_now) for f in self.fields]
        for f in self.fields:
            f.auto_now_add = f.auto_now = False

    def __exit__(self, *exc: object) -> None:
        for f, add, now in self.saved:
            f.auto_now_add, f.auto_now = add, now


def steward_person_ids() -> set[int]:
    return set(StewardProfile.objects.values_list("person_id", flat=True))


def copy_cases(
    templates: list[Template],
    count: int,
    *,
    start_serial: int,
    events_per_case: int,
    years: float,
    rng: random.Random,
    batch_size: int = 500,
    progress: Any = None,
) -> int:
    """Write `count` copies of the templates (chosen at random), spread over `years`; return events added."""
    if count <= 0 or not templates:
        return 0
    copier = Copier(Graph.of(_model("cases.Case")))
    record("benchmark.copying", f"Benchmark data: {count} copies of {len(templates)} sample cases", data={"copies": count})
    now = datetime.now(tz=templates[0].created_at.tzinfo)
    events = 0
    for first in range(0, count, batch_size):
        batch = []
        for serial in range(start_serial + first, start_serial + min(count, first + batch_size)):
            template = rng.choice(templates)
            spread = max(events_per_case // 2, 1)
            wanted = rng.randint(max(events_per_case - spread, 1), events_per_case + spread) if events_per_case else 0
            when = now - timedelta(days=rng.uniform(0, 365 * years))
            batch.append(Copy(serial, template, when, wanted, share_people=rng.random() < 0.15))
        events += copier.write(batch)
        if progress is not None:
            progress(first + len(batch), events)
    return events
