"""What every case view shares: who may come in at all, and how a write answers."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from cases.forms import first_error
from cases.models import Case
from people.access import is_active_steward, is_admin_steward


def steward_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in active stewards only. Others are sent to sign in, or get the same 404 as a missing case.

    A 404 (not a 403) for a signed-in non-steward, so a deactivated steward learns nothing about
    which case names exist. Which *case* a steward may reach is decided by cases.access, per view.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_active_steward(request.user):
            raise Http404("No such page.")
        return view(request, *args, **kwargs)

    return wrapper


def admin_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Admin stewards only (every admin page: privacy requests, where screening flags…). Others are sent to sign in,
    or get the same 404 as a missing page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_admin_steward(request.user):
            raise Http404("No such page.")
        return view(request, *args, **kwargs)

    return wrapper


def case_url(case: Case, anchor: str = "") -> str:
    url = reverse("cases:detail", kwargs={"code": case.code_name})
    return f"{url}#{anchor}" if anchor else url


def back_to_case(case: Case, anchor: str = "") -> HttpResponseRedirect:
    return HttpResponseRedirect(case_url(case, anchor))


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def apply_form(request: HttpRequest, form: forms.Form, action: Callable[[dict[str, Any]], object], done: str) -> bool:
    """The shape of every POST on the case page: validate, run one action, say what happened.

    Returns whether the action ran. A form or action error becomes a message and nothing is saved
    (each action is one transaction).
    """
    if not form.is_valid():
        messages.error(request, first_error(form))
        return False
    try:
        action(form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return False
    messages.success(request, done)
    return True


def add_refusal(form: forms.Form, error: ValidationError) -> None:
    """An action's refusal shown on the form: next to the field it names (a ValidationError given as a dict of
    field names), else above the form's fields."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)
