"""Fixed-window rate counting in the database, under a random key per window that dies with the window.

What is counted identifies somebody: a client's address, a sender's e-mail address, a reporter's
handle in a space, a user name typed at sign-in. These have little entropy: under a long-lived key
(SECRET_KEY, as before) whoever holds the key could try every IPv4 address, or every member's
handle, and learn whose counter a row is, in hours. Anonymous means nobody can, the operator
included. So every window (of each length in use) gets its own key: `secrets.token_bytes(32)`, made
when the window's first count is taken and stored in `RatePeriod`, because every web process and the
task worker must count under the same key. When the window ends its counters are useless, and its
row is deleted with them a minute later (`purge_expired`, run on every count and by the clocks
sweep every few minutes). While a window runs its key and counters are in the database, as counting
needs; after it, nothing anywhere can say which value a counter belonged to. No persistent secret
enters the key.

The windows in use: report flood control (the form, report mail, reports from the spaces) counts per
`STEWARD_REPORT_WINDOW_SECONDS` (1 hour); sign-in throttling per `STEWARD_LOGIN_LOCKOUT_SECONDS`
(15 minutes), by client and by user name. Each key serves exactly one window, so it lives as long as
the counters that use it and a minute more (a count begun at the window's last moment may still be
writing), never longer.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from steward.clientaddr import client_address
from steward.models import RateCounter, RatePeriod

KEY_BYTES = 32
# A count that began just before its window ended may still be writing to it: its key goes a minute later.
GRACE = timedelta(minutes=1)


@dataclass(frozen=True)
class Counted:
    """Whose events are counted. `value` stays in memory: only its hash under the window's key is stored."""

    scope: str
    value: str


def client_key(request: HttpRequest, scope: str) -> Counted:
    """The client that sent `request` (through trusted proxies only, see steward.clientaddr)."""
    return Counted(scope, client_address(request))


def _window_start(now: datetime, window_seconds: int) -> datetime:
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % window_seconds, tz=now.tzinfo)


def _current_period(window_seconds: int, now: datetime, *, create: bool) -> RatePeriod | None:
    start = _window_start(now, window_seconds)
    if not create:
        return RatePeriod.objects.filter(window_seconds=window_seconds, starts_at=start).first()
    # get_or_create retries the read when another process created the row first (the unique constraint).
    period, _ = RatePeriod.objects.get_or_create(
        window_seconds=window_seconds,
        starts_at=start,
        defaults={"ends_at": start + timedelta(seconds=window_seconds), "secret": secrets.token_bytes(KEY_BYTES)},
    )
    return period


def _key(period: RatePeriod, counted: Counted) -> str:
    message = f"{counted.scope}|{counted.value}".encode()
    return counted.scope + ":" + hmac.new(bytes(period.secret), message, hashlib.sha256).hexdigest()[:40]


def hit(counted: Counted, window_seconds: int) -> int:
    """Count one event in the current window and return the count including it."""
    now = timezone.now()
    with transaction.atomic():
        period = _current_period(window_seconds, now, create=True)
        assert period is not None
        key = _key(period, counted)
        updated = RateCounter.objects.filter(period=period, key=key).update(count=F("count") + 1)
        if not updated:
            try:
                with transaction.atomic():
                    RateCounter.objects.create(period=period, key=key, count=1)
            except IntegrityError:  # another process created it first
                RateCounter.objects.filter(period=period, key=key).update(count=F("count") + 1)
        count = RateCounter.objects.get(period=period, key=key).count
    purge_expired(now)
    return count


def peek(counted: Counted, window_seconds: int) -> int:
    period = _current_period(window_seconds, timezone.now(), create=False)
    if period is None:
        return 0
    row = RateCounter.objects.filter(period=period, key=_key(period, counted)).first()
    return row.count if row else 0


def reset(counted: Counted, window_seconds: int) -> None:
    period = _current_period(window_seconds, timezone.now(), create=False)
    if period is not None:
        RateCounter.objects.filter(period=period, key=_key(period, counted)).delete()


def purge_expired(now: datetime | None = None) -> int:
    """Destroy the keys of ended windows, and their counters with them; return how many keys went."""
    _, by_model = RatePeriod.objects.filter(ends_at__lte=(now or timezone.now()) - GRACE).delete()
    return by_model.get(RatePeriod._meta.label, 0)
