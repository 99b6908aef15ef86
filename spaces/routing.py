"""Where the spaces' events go: to the handlers that the apps above the spaces register, never to a name spaces knows.

The spaces carry events (spaces.base: ReportEvent, ContentEvent, ModeratorActionEvent, ContentRemovedEvent)
and know nothing of what becomes of them. An app that wants an event type registers a handler for it in
its AppConfig.ready():

    routing.on(ContentEvent, watch_content, order=10)

A handler is called as `handler(connection, event, delivery_id)` (the delivery id is "" for what polling
read). `dispatch` calls every handler registered for the event's type, lowest `order` first, then in the
order they were registered, all inside the caller's transaction (spaces.inbound.receive: one delivery,
one transaction with its replay guard; spaces.polling: what was read, with its cursor). A handler that
answers the platform (a report's reference and the reporter's link) returns a `Handled`; the first one
returned is the reply, else `Handled(event)`. An event nobody handles is logged and otherwise ignored;
spaces.checks warns about an event type no app handles.

Some platforms are read by fetching rather than by events (an e-mail mailbox): an app registers a fetcher
for the platform (`register_fetcher("email", fetch)`), and the poller calls it for each enabled connection
of that platform. A fetcher returns what it did in counts and in words (`Fetched`), so the poller and its
command can report it without knowing the app.

Adding a consumer touches no platform package and nothing in spaces.
"""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import count
from typing import Any, Protocol

from spaces.base import Handled
from spaces.models import SpaceConnection

logger = logging.getLogger("steward.spaces")

DEFAULT_ORDER = 50


@dataclass(frozen=True)
class Route:
    event_type: type
    handler: Callable[[SpaceConnection, Any, str], Handled | None]
    order: int
    registered: int  # breaks ties in `order`: the earlier registration runs first

    @property
    def name(self) -> str:
        return f"{getattr(self.handler, '__module__', '?')}.{getattr(self.handler, '__qualname__', repr(self.handler))}"


_routes: dict[type, list[Route]] = {}
_sequence = count()


def on[E](event_type: type[E], handler: Callable[[SpaceConnection, E, str], Handled | None], *, order: int = DEFAULT_ORDER) -> None:
    """Call `handler` for every event of `event_type`; registering the same handler again only moves it to `order`."""
    routes = [route for route in _routes.get(event_type, []) if route.handler != handler]
    routes.append(Route(event_type, handler, order, next(_sequence)))
    _routes[event_type] = sorted(routes, key=lambda route: (route.order, route.registered))


def off(event_type: type, handler: Callable[..., Any]) -> None:
    """Stop calling `handler` for `event_type` (nothing happens when it was not registered)."""
    remaining = [route for route in _routes.get(event_type, []) if route.handler != handler]
    if remaining:
        _routes[event_type] = remaining
    else:
        _routes.pop(event_type, None)


@contextmanager
def handling[E](
    event_type: type[E], handler: Callable[[SpaceConnection, E, str], Handled | None], *, order: int = DEFAULT_ORDER
) -> Iterator[None]:
    """`handler` registered for the duration of the block only."""
    on(event_type, handler, order=order)
    try:
        yield
    finally:
        off(event_type, handler)


def routes_for(event_type: type) -> tuple[Route, ...]:
    """The handlers of this event type, in the order dispatch calls them."""
    return tuple(_routes.get(event_type, ()))


def dispatch(connection: SpaceConnection, event: Any, *, delivery_id: str = "") -> Handled:
    """Hand one event to every handler of its type, in order; what the first handler that answered said, else Handled(event)."""
    routes = routes_for(type(event))
    if not routes:
        logger.info("inbound event ignored: connection=%s kind=%s", connection.slug, type(event).__name__)
        return Handled(event)
    reply: Handled | None = None
    for route in routes:
        answer = route.handler(connection, event, delivery_id)
        if reply is None and answer is not None:
            reply = answer
    return reply or Handled(event)


# --- Platforms read by fetching -------------------------------------------------------------------


class Fetched(Protocol):
    """What one fetch did: counts by outcome (kept in the poll's result) and the same in words (for commands)."""

    def counts(self) -> dict[str, int]: ...

    def summary(self) -> str: ...


Fetcher = Callable[[SpaceConnection], Fetched]

_fetchers: dict[str, Fetcher] = {}


def register_fetcher(platform: str, fetch: Fetcher) -> None:
    """Let the poller fetch this platform's connections with `fetch`, which raises SpaceError when the source fails."""
    _fetchers[platform] = fetch


def fetcher_for(platform: str) -> Fetcher | None:
    return _fetchers.get(platform)
