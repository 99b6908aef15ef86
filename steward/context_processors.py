from typing import Any

from django.http import HttpRequest


def steward(request: HttpRequest) -> dict[str, Any]:
    """What the base template needs on every page: is this a steward, and the community's name."""
    from people.access import is_active_steward
    from policy.services import current_policy

    try:
        policy_name = current_policy().name
    except Exception:  # noqa: BLE001 - the base template must render even before a policy loads
        policy_name = "Code of conduct"
    return {"is_steward": is_active_steward(request.user), "policy_name": policy_name}
