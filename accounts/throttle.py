"""Brute-force protection for signing in: failed attempts counted per user name and per client.

Both the password step and the code step count. Counts live in steward.ratelimit's fixed windows,
so the lock lifts at the end of the window in which the limit was reached.
"""

import math
import time
from enum import StrEnum

from django.conf import settings
from django.http import HttpRequest

from steward import ratelimit


class Scope(StrEnum):
    USERNAME = "username"
    CLIENT = "client"


def _window() -> int:
    return int(settings.STEWARD_LOGIN_LOCKOUT_SECONDS)


def _limit() -> int:
    return int(settings.STEWARD_LOGIN_MAX_FAILURES)


def username_key(username: str) -> ratelimit.Counted:
    # Stored only as a hash under the window's random key: the table never holds what people typed (which is
    # sometimes their password), and once the window is over nobody can test guesses against it.
    return ratelimit.Counted("login-user", username.strip().casefold())


def _keys(request: HttpRequest, username: str) -> dict[Scope, ratelimit.Counted]:
    return {Scope.USERNAME: username_key(username), Scope.CLIENT: ratelimit.client_key(request, "login")}


def is_locked(request: HttpRequest, username: str) -> bool:
    return any(ratelimit.peek(key, _window()) >= _limit() for key in _keys(request, username).values())


def record_failure(request: HttpRequest, username: str) -> list[Scope]:
    """Count one failed attempt. Returns the scopes this failure has just locked (usually none)."""
    return [scope for scope, key in _keys(request, username).items() if ratelimit.hit(key, _window()) == _limit()]


def record_success(username: str) -> None:
    ratelimit.reset(username_key(username), _window())


def seconds_left() -> int:
    """Seconds until the current window, and with it any lock, ends."""
    window = _window()
    return window - int(time.time()) % window


def minutes_left() -> int:
    return max(1, math.ceil(seconds_left() / 60))
