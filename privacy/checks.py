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


@register(Tags.security, deploy=True)
def key_canary_check(app_configs: Any, **kwargs: Any) -> list[Error | Warning]:
    """Whether the configured keys read this database (privacy.canary); the processes refuse to start when not."""
    from django.db import DatabaseError

    from privacy.canary import canary_on_newest_key, canary_problem

    try:
        keyring()
    except ImproperlyConfigured:
        return []  # privacy.E002 says so
    try:
        problem = canary_problem()
        on_newest = None if problem else canary_on_newest_key()
    except DatabaseError as error:
        return [
            Warning(
                f"Could not check the encryption keys against the database ({type(error).__name__}).",
                hint="Run this check where the database answers (and after `manage.py migrate`).",
                id="privacy.W003",
            )
        ]
    if problem:
        return [Error(problem, hint="The web process and the task worker refuse to start until this is fixed.", id="privacy.E003")]
    if on_newest is False:
        return [
            Warning(
                "A key rotation has not finished: the key canary is not yet on the newest key.",
                hint="Run `manage.py rotate_keys`; remove the older keys only after it reports success.",
                id="privacy.W002",
            )
        ]
    return []
