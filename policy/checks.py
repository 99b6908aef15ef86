"""System checks: the configured policy file must load, and must not go live with placeholder contacts."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

from policy.errors import PolicyError
from policy.loader import load_policy_file
from policy.schema import Policy

_PLACEHOLDER_DOMAINS = ("@example.org", "@example.com", "@example.net")


def _load() -> Policy | PolicyError:
    try:
        return load_policy_file(settings.STEWARD_POLICY_FILE)
    except PolicyError as exc:
        return exc


@register("policy")
def policy_file_valid(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    # An invalid file would otherwise surface only when the first page falls back to loading it.
    result = _load()
    if isinstance(result, PolicyError):
        path = settings.STEWARD_POLICY_FILE
        return [Error(f"The policy file {path} is not valid:\n{result}", hint="Fix the file; see docs/policy-format.md.", id="policy.E001")]
    return []


@register("policy", deploy=True)
def policy_contacts_real(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    policy = _load()
    if isinstance(policy, PolicyError):
        return []  # already reported by policy_file_valid
    problems: list[CheckMessage] = []
    for label, address in (("stewards_contact", policy.stewards_contact), ("outside_contact.email", policy.outside_contact.email)):
        if address.lower().endswith(_PLACEHOLDER_DOMAINS):
            problems.append(
                Warning(
                    f"The policy's {label} is a placeholder address ({address}).",
                    hint=f"Set a real address in {settings.STEWARD_POLICY_FILE} and load it.",
                    id="policy.W001",
                )
            )
    return problems
