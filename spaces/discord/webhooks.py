"""Discord interactions: the "Report message" command, its signature check, and the answer the reporter sees.

Discord signs each interaction with the application's Ed25519 key over `timestamp + raw body` and sends the
signature (hex) and timestamp in `X-Signature-Ed25519` / `X-Signature-Timestamp`. When the endpoint URL is
saved, Discord also sends deliberately bad signatures and expects them refused with 401.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.http import HttpRequest

from spaces.base import Handled, Inbound, NotConfigured, ReportEvent, WebhookRefused
from spaces.discord.messages import message_item, user_handles

REPORT_COMMAND = "Report message"
MAX_AGE_SECONDS = 300

# Interaction and command types (Discord's InteractionTypes, ApplicationCommandType, InteractionCallbackTypes).
PING = 1
APPLICATION_COMMAND = 2
MESSAGE_COMMAND = 3
PONG = 1
CHANNEL_MESSAGE_WITH_SOURCE = 4
EPHEMERAL = 1 << 6  # message flag: only the person who used the command sees the answer
GUILD_CONTEXT = 0


def command_definition() -> dict[str, Any]:
    """The message context-menu command to register (POST /applications/{app}/guilds/{guild}/commands)."""
    return {
        "name": REPORT_COMMAND,
        "type": MESSAGE_COMMAND,
        "contexts": [GUILD_CONTEXT],  # only inside a server: reports from DMs cannot be tied to a connection
        "integration_types": [0],  # installed to the server, not to users
    }


def ephemeral(content: str) -> dict[str, Any]:
    return {"type": CHANNEL_MESSAGE_WITH_SOURCE, "data": {"content": content[:2000], "flags": EPHEMERAL}}


def verify_signature(public_key: str, signature: str, timestamp: str, body: bytes) -> None:
    """Raise WebhookRefused (401, as Discord expects) unless the body carries a valid, fresh signature."""
    if not signature or not timestamp:
        raise WebhookRefused("The interaction has no X-Signature-Ed25519 / X-Signature-Timestamp header.", status=401)
    try:
        signed_at = int(timestamp)
    except ValueError:
        raise WebhookRefused("The interaction's X-Signature-Timestamp is not a Unix time.", status=401) from None
    if abs(time.time() - signed_at) > MAX_AGE_SECONDS:
        raise WebhookRefused("The interaction is more than 5 minutes old (or from the future); refused as a possible replay.", status=401)
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key))
    except ValueError:
        raise NotConfigured("The configured Discord public key is not a 64-character hex Ed25519 key.") from None
    try:
        key.verify(bytes.fromhex(signature), timestamp.encode() + body)
    except (ValueError, InvalidSignature):
        raise WebhookRefused("The interaction's signature does not match the application's public key.", status=401) from None


def parse_interaction(request: HttpRequest, public_key: str, guild: str) -> Inbound:
    if not public_key:
        raise NotConfigured("This Discord connection has no public_key secret, so interactions cannot be verified.")
    body = request.body
    verify_signature(public_key, request.headers.get("X-Signature-Ed25519", ""), request.headers.get("X-Signature-Timestamp", ""), body)
    try:
        interaction = json.loads(body)
    except ValueError:
        raise WebhookRefused("The interaction body is not JSON.") from None
    if not isinstance(interaction, dict) or not interaction.get("id") or not isinstance(interaction.get("type"), int):
        raise WebhookRefused("The interaction has no id or type.")
    delivery_id = str(interaction["id"])
    if interaction["type"] == PING:
        return Inbound(delivery_id=delivery_id, immediate={"type": PONG})
    if str(interaction.get("guild_id") or "") != guild:
        return Inbound(delivery_id=delivery_id, immediate=ephemeral("Steward is not set up to take reports from this server."))
    data = interaction.get("data") or {}
    if interaction["type"] != APPLICATION_COMMAND or data.get("type") != MESSAGE_COMMAND or data.get("name") != REPORT_COMMAND:
        return Inbound(delivery_id=delivery_id, immediate=ephemeral("Steward does not know this command."))
    return Inbound(delivery_id=delivery_id, events=(_report(interaction, data, guild),))


def _report(interaction: Mapping[str, Any], data: Mapping[str, Any], guild: str) -> ReportEvent:
    member = interaction.get("member") or {}
    reporter = member.get("user") or interaction.get("user") or {}
    message = ((data.get("resolved") or {}).get("messages") or {}).get(str(data.get("target_id")))
    if not isinstance(message, Mapping) or "channel_id" not in message:
        raise WebhookRefused("The report names no message that Discord resolved.")
    return ReportEvent(
        reporter=user_handles(reporter),
        item=message_item(message, guild),
        reporter_name=str(member.get("nick") or reporter.get("global_name") or reporter.get("username") or ""),
    )


def report_answer(inbound: Inbound, handled: list[Handled]) -> dict[str, Any]:
    """What the reporter sees (only they): the case reference and their private follow-up link."""
    if inbound.immediate is not None:
        return inbound.immediate
    for item in handled:
        if isinstance(item.event, ReportEvent):
            if not item.report_reference:
                return ephemeral("Thanks — your report reached the stewards.")
            return ephemeral(
                f"Thanks — your report reached the stewards. Reference {item.report_reference}. "
                f"Follow it up privately: {item.follow_up_url}"
            )
    # Nothing was recorded (e.g. the connection is switched off): say so rather than claim a reference.
    return ephemeral("Steward could not record this report. Please use the report form on the community's website.")
