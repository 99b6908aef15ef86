"""Sharing a ban with neighbouring communities (Matrix policy lists, docs/spaces/matrix.md "Publishing a ban list").

A per-case choice by the stewards, off by default: an operation here (Op.SHARE_BAN) is never part of a plan the
policy's ladder makes; stewards add it to a case's plan, and only while the policy in force says
`enforcement.share_bans: true`. Switched off, it is not offered, not accepted, and not carried out (an action
added before is refused when its turn comes); rules already published stay until their sanction ends.

What is shared is the person's Matrix id, "ban", and one public reason from the policy's template
(`enforcement.shared_ban_reason`), the same for every case. The steward's reason is never used: the text the
platform receives is replaced by the template's when the action is added and again just before it is applied, and
it passes the reporter leak check on the way (enforcement.actions.check_platform_text, enforcement.executor).
"""

from dataclasses import replace

from django.utils.translation import gettext as _

from policy.schema import Policy
from policy.services import current_policy
from spaces.base import ActionRequest, Op

# The operations that publish a decision outside the community's own spaces.
SHARING_OPS = frozenset({Op.SHARE_BAN})


def shares(op: str) -> bool:
    return op in SHARING_OPS


def offered(op: str, policy: Policy | None = None) -> bool:
    """Whether stewards may choose `op` now: anything else always; a sharing operation where the policy allows it."""
    return not shares(op) or (policy or current_policy()).enforcement.share_bans


def public_reason(policy: Policy | None = None) -> str:
    """The one reason a shared ban carries: the policy's template, with the community's name where it asks for it."""
    policy = policy or current_policy()
    return policy.enforcement.shared_ban_reason.replace("{community}", policy.community_name).strip()


def not_allowed() -> str:
    return _("The policy does not allow sharing bans with other communities (enforcement.share_bans).")


def for_platform(request: ActionRequest) -> tuple[ActionRequest, str]:
    """The request as the platform gets it, and why it may not go ("" when it may): a sharing operation carries
    only the policy's public reason, and only while the policy allows sharing."""
    if not shares(request.op):
        return request, ""
    policy = current_policy()
    if not policy.enforcement.share_bans:
        return request, not_allowed()
    return replace(request, reason=public_reason(policy), params={}), ""
