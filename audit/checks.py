"""Deploy checks: the audit log's signing keys must come from the environment in production."""

from typing import Any

from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

from audit.keys import audit_keyring, using_development_audit_key


@register(Tags.security, deploy=True)
def audit_deploy_checks(app_configs: Any, **kwargs: Any) -> list[Error]:
    if using_development_audit_key():
        return [
            Error(
                "Audit events are signed with the development key.",
                hint="Set STEWARD_AUDIT_KEYS (or STEWARD_AUDIT_KEYS_FILE); see docs/operations.md, Keys.",
                id="audit.E001",
            )
        ]
    try:
        audit_keyring()
    except ImproperlyConfigured as error:
        return [Error(str(error), hint="See docs/operations.md, Keys.", id="audit.E002")]
    return []
