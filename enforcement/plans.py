"""From a sanction to a plan: the concrete actions per identity per space (REQUIREMENTS 8.1).

The plan is written in the transaction that creates the sanction, so a decision never exists without its
outbox. What goes into it comes from the policy: the ladder level's `enforce` intents ("ban", "mute"),
which each space translates into its own operations (GitHub blocks, Discord bans, Discourse suspends...).
Stewards review the plan — remove actions, add content actions, change reasons — before approving it.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.utils import timezone

from decisions.models import Sanction
from enforcement.models import EnforcementAction, Plan
from people.models import Identity
from spaces.base import Capability, Op, Space, Target
from spaces.models import SpaceConnection
from spaces.registry import platforms

# Content first (hide the harm), then the thread, then the person.
POSITION = {Target.CONTENT: 10, Target.THREAD: 20, Target.PERSON: 30}


def default_reason(sanction: Sanction) -> str:
    """What the platform's own log shows (Discord audit log, Discourse suspension reason): no case details."""
    policy = sanction.decision.policy_version.policy
    title = policy.level(sanction.level).title if sanction.level in {level.code for level in policy.ladder} else sanction.level
    until = f" until {timezone.localtime(sanction.ends_at):%Y-%m-%d}" if sanction.ends_at else ""
    return f"{title}{until}, under the {policy.community_name} code of conduct."


def platform_text(reason: str, params: Mapping[str, Any]) -> str:
    """Everything an action hands the platform as text of Steward's (its reason, a replacement comment...)."""
    return "\n".join([reason, *(value for value in params.values() if isinstance(value, str))])


def space_class(connection: SpaceConnection) -> type[Space] | None:
    return platforms().get(connection.platform)


def fits_period(capability: Capability, sanction: Sanction) -> bool:
    """An operation the platform lifts by itself can't be used beyond its longest period (Discord: 28 days)."""
    if capability.native_expiry is None or not capability.needs_end:
        return True
    if sanction.ends_at is None:
        return False
    return sanction.ends_at - sanction.starts_at <= capability.native_expiry


def revert_time(capability: Capability, sanction: Sanction) -> datetime | None:
    return sanction.ends_at if capability.reversible else None


def build_plan(sanction: Sanction) -> Plan:
    """The draft plan of a new sanction; one action per intent's operation per identity per enabled space."""
    decision = sanction.decision
    policy = decision.policy_version.policy
    plan = Plan.objects.create(case=decision.case, decision=decision, sanction=sanction, notify_first=policy.enforcement.notify_first)
    intents = policy.level(sanction.level).enforce if sanction.level in {level.code for level in policy.ladder} else ()
    reason = default_reason(sanction)
    connections = [(connection, space_class(connection)) for connection in SpaceConnection.objects.filter(enabled=True)]
    for identity in Identity.objects.filter(person=sanction.person):
        for connection, cls in connections:
            if cls is None or cls.acts_on() != identity.space:
                continue
            ops = [op for intent in intents for op in cls.intents.get(intent, ())]
            for op in dict.fromkeys(ops):  # keep order, drop repeats
                capability = _capability(cls, op)
                if capability is None or not fits_period(capability, sanction):
                    continue
                EnforcementAction.objects.create(
                    plan=plan,
                    connection=connection,
                    identity=identity,
                    op=op,
                    subject=identity.handle,
                    reason=reason,
                    position=POSITION[capability.target],
                    revert_at=revert_time(capability, sanction),
                )
    return plan


def _capability(cls: type[Space], op: Op | str) -> Capability | None:
    return next((item for item in cls.capabilities if item.op == op), None)


def capability_of(action: EnforcementAction) -> Capability | None:
    cls = space_class(action.connection)
    return _capability(cls, action.op) if cls is not None else None
