"""Fixed-window rate counting in the database, keyed by an HMAC of the client's address.

The address itself is never stored: the key is HMAC(SECRET_KEY, scope + address + day), so counts
cannot be linked to a report or to a person, and yesterday's keys mean nothing today.
"""

import hashlib
import hmac
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from steward.models import RateCounter


def client_key(request: HttpRequest, scope: str) -> str:
    address = request.META.get("REMOTE_ADDR", "")
    day = timezone.now().date().isoformat()
    message = f"{scope}|{address}|{day}".encode()
    return scope + ":" + hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:40]


def _window_start(now: datetime, window_seconds: int) -> datetime:
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % window_seconds, tz=now.tzinfo)


def hit(key: str, window_seconds: int) -> int:
    """Count one event for `key` in the current window and return the count including it."""
    start = _window_start(timezone.now(), window_seconds)
    with transaction.atomic():
        updated = RateCounter.objects.filter(key=key, window_start=start).update(count=F("count") + 1)
        if not updated:
            try:
                with transaction.atomic():
                    RateCounter.objects.create(key=key, window_start=start, count=1)
            except IntegrityError:  # another process created it first
                RateCounter.objects.filter(key=key, window_start=start).update(count=F("count") + 1)
        count = RateCounter.objects.get(key=key, window_start=start).count
    RateCounter.objects.filter(window_start__lt=start - timedelta(days=1)).delete()
    return count


def peek(key: str, window_seconds: int) -> int:
    start = _window_start(timezone.now(), window_seconds)
    row = RateCounter.objects.filter(key=key, window_start=start).first()
    return row.count if row else 0


def reset(key: str) -> None:
    RateCounter.objects.filter(key=key).delete()
