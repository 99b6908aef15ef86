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
    # A request refused before the authentication middleware ran (a host not in ALLOWED_HOSTS: the 400 page) has no user.
    user = getattr(request, "user", None)
    return {"is_steward": user is not None and is_active_steward(user), "policy_name": policy_name}
