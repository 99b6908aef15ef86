"""The "reported people's links" section of the case page."""

from typing import Any

from django.http import HttpRequest

from cases.access import Standing
from cases.models import Case, PartyRole
from letters.models import PartyLink


def panel_context(request: HttpRequest, case: Case, viewer: Standing) -> dict[str, Any]:
    parties = [party for party in case.parties_with_people() if party.role == PartyRole.REPORTED]
    links = PartyLink.objects.filter(case=case).select_related("created_by__steward_profile")
    by_party: dict[int, list[PartyLink]] = {}
    for link in links:
        by_party.setdefault(link.party_id, []).append(link)
    return {
        "rows": [(party, by_party.get(party.pk, [])) for party in parties],
        "can_write": viewer in (Standing.SOFT_READ, Standing.UNCONFLICTED),
    }
