"""A steward's home page: what waits for them (mywork.work), each item linked to where the work is done."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from cases.views.common import steward_only
from mywork.work import waiting_for


@require_safe
@steward_only
def home(request: HttpRequest) -> HttpResponse:
    kinds = waiting_for(request.user)
    return render(request, "mywork/home.html", {"kinds": kinds, "total": sum(kind.count for kind in kinds)})
