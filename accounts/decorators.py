from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from people.access import is_active_steward


def steward_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in active stewards only: others are sent to sign in, or refused if signed in."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_active_steward(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
