"""Keyset pagination for every list a steward pages through (queue, search, flags, a case's notes...).

A page is the next `size` rows after the last row already shown, in a stable order: sort keys that end
with a unique one (the primary key as tie-breaker). The next page is found with a WHERE on those keys,
never an OFFSET, so page 500 costs what page 1 costs when an index serves the order.

The cursor is the last row's key values, base64 JSON in the query string. It is opaque to people but not
a secret: a forged cursor can only move where a list starts, never widen what the list holds (the queryset
comes from the access layer), and a cursor that does not parse starts at the top.
"""

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest

NEWEST_FIRST = ("-created_at", "-pk")
NEWEST_FIRST_ADDED = ("-added_at", "-pk")  # evidence, which records when it was added


@dataclass(frozen=True)
class Page:
    items: list[Any]
    next_cursor: str = ""  # empty on the last page
    more_href: str = ""  # the same page's URL with this list's cursor moved on; empty on the last page
    param: str = field(default="", repr=False)

    @property
    def has_more(self) -> bool:
        return bool(self.next_cursor)


def _keys(order: Sequence[str]) -> list[tuple[str, bool]]:
    """(field name, descending) for each sort key."""
    return [(key.lstrip("-"), key.startswith("-")) for key in order]


def _field(model: type[Model], name: str) -> Any:
    return model._meta.pk if name == "pk" else model._meta.get_field(name)


def encode_cursor(row: Any, order: Sequence[str]) -> str:
    values = []
    for name, _descending in _keys(order):
        value = getattr(row, name)
        values.append(value.isoformat() if hasattr(value, "isoformat") else value)
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(model: type[Model], order: Sequence[str], cursor: str) -> list[Any] | None:
    """The key values a cursor carries, typed by the model's fields; None for anything that does not parse."""
    keys = _keys(order)
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(values, list) or len(values) != len(keys):
        return None
    try:
        typed = [_field(model, name).to_python(value) for (name, _descending), value in zip(keys, values, strict=True)]
    except (ValidationError, TypeError, ValueError):
        return None
    return None if any(value is None for value in typed) else typed


def after(order: Sequence[str], values: Sequence[Any]) -> Q:
    """Rows that come after `values` in `order`: (k1 > v1) or (k1 = v1 and k2 > v2) or ...

    The leading bound on the first key alone is implied but spelled out, so the database can start an
    index range scan there instead of reading the index from its beginning."""
    keys = _keys(order)
    first, first_descending = keys[0]
    condition = Q()
    equal = Q()
    for (name, descending), value in zip(keys, values, strict=True):
        condition |= equal & Q(**{f"{name}__{'lt' if descending else 'gt'}": value})
        equal &= Q(**{name: value})
    bound = Q(**{f"{first}__{'lte' if first_descending else 'gte'}": values[0]})
    return bound & condition


def page_of(queryset: QuerySet[Any], order: Sequence[str], cursor: str = "", size: int = 50) -> Page:
    """One page of `queryset` in `order`, after `cursor` (the first page without one)."""
    last = _field(queryset.model, order[-1].lstrip("-"))
    if not (last.primary_key or last.unique):
        raise ValueError("a keyset order must end with a unique key (the pk) so every row has one place")
    rows = queryset.order_by(*order)
    values = decode_cursor(queryset.model, order, cursor) if cursor else None
    if values is not None:
        rows = rows.filter(after(order, values))
    items = list(rows[: size + 1])  # one more than shown says whether there is a next page, without a COUNT
    if len(items) <= size:
        return Page(items)
    items = items[:size]
    return Page(items, next_cursor=encode_cursor(items[-1], order))


def oldest_first(page: Page) -> Page:
    """A page read newest first, shown in the order things happened (its link leads further back)."""
    return Page(list(reversed(page.items)), page.next_cursor, page.more_href, page.param)


def paginate(
    request: HttpRequest,
    queryset: QuerySet[Any],
    order: Sequence[str],
    param: str,
    size: int = 50,
    path: str = "",
    forget: Sequence[str] = (),
) -> Page:
    """page_of with the cursor read from `param` in the request's query string, and the "more" link made
    (to `path`, by default the request's own: a section answered to a POST links to the page it sits on; without
    the query parameters named in `forget`, such as a one-time notice's flag)."""
    page = page_of(queryset, order, request.GET.get(param, "")[:500], size)
    if not page.has_more:
        return Page(page.items, param=param)
    query = request.GET.copy()
    for name in forget:
        query.pop(name, None)
    query[param] = page.next_cursor
    return Page(page.items, page.next_cursor, more_href=f"{path or request.path}?{query.urlencode()}", param=param)
