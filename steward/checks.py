"""Deploy checks: `manage.py check --deploy` says what a production site is missing."""

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from steward.clientaddr import BadProxySetting, trusted_proxies


@register(Tags.security, deploy=True)
def steward_deploy_checks(app_configs: Any, **kwargs: Any) -> list[Error | Warning]:
    problems: list[Error | Warning] = []
    if settings.SECRET_KEY == settings.DEV_SECRET_KEY:
        problems.append(Error("SECRET_KEY is the development key.", hint="Set SECRET_KEY or SECRET_KEY_FILE.", id="steward.E001"))
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        problems.append(
            Warning("SQLite is in use.", hint="Set DATABASE_URL to PostgreSQL for more than one worker machine.", id="steward.W001")
        )
    if not settings.STEWARD_REQUIRE_2FA:
        problems.append(Warning("Stewards can sign in without a second factor.", hint="Set STEWARD_REQUIRE_2FA=true.", id="steward.W002"))
    if str(settings.MAILERS["default"]["BACKEND"]).endswith("console.EmailBackend"):
        problems.append(
            Warning("Mail is printed to the console, not sent.", hint="Set EMAIL_BACKEND and the SMTP settings.", id="steward.W003")
        )
    if _behind_proxy() and not settings.STEWARD_TRUSTED_PROXIES:
        problems.append(
            Warning(
                "The site is behind a reverse proxy, but no proxy is trusted: every client counts as the proxy's one address, "
                f"so {settings.STEWARD_REPORT_HARD_LIMIT} reports from different people lock out the next reporter, and "
                f"{settings.STEWARD_LOGIN_MAX_FAILURES} wrong passwords lock out every steward.",
                hint="Set STEWARD_TRUSTED_PROXIES to the proxy's address(es) (docs/operations.md, 'Behind a reverse proxy').",
                id="steward.W004",
            )
        )
    return problems


def _behind_proxy() -> bool:
    """What the settings say about a proxy in front: one that terminates TLS or passes the host on."""
    return bool(settings.SECURE_PROXY_SSL_HEADER or getattr(settings, "USE_X_FORWARDED_HOST", False))


@register(Tags.security)
def trusted_proxies_check(app_configs: Any, **kwargs: Any) -> list[Error]:
    """Not only at deploy: a bad entry would otherwise fail on the first request that is counted."""
    try:
        trusted_proxies()
    except BadProxySetting as error:
        return [Error(str(error), hint="Use addresses or networks such as 10.0.0.5 or 10.0.0.0/24.", id="steward.E002")]
    return []
