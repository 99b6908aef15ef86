"""Deploy checks: encryption keys must come from the environment in production."""

from typing import Any

from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured

from privacy.keys import configured_index_key, keyring, using_development_key


@register(Tags.security, deploy=True)
def privacy_deploy_checks(app_configs: Any, **kwargs: Any) -> list[Error | Warning]:
    if using_development_key():
        return [
            Error(
                "Confidential data is encrypted with the development key.",
                hint="Set STEWARD_ENCRYPTION_KEYS (or STEWARD_ENCRYPTION_KEYS_FILE) to Fernet keys; see docs/operations.md, Keys.",
                id="privacy.E001",
            )
        ]
    try:
        keyring()
    except ImproperlyConfigured as error:
        return [Error(str(error), hint="See docs/operations.md, Keys.", id="privacy.E002")]
    if not configured_index_key():
        return [
            Warning(
                "STEWARD_INDEX_KEY is not set: identity lookups use keys derived from the encryption keys.",
                hint="Set STEWARD_INDEX_KEY to a long random value so handle lookups never depend on key rotation.",
                id="privacy.W001",
            )
        ]
    return []
