"""Deploy checks: `manage.py check --deploy` says what a production site is missing."""

import ipaddress
from typing import Any
from urllib.parse import urlsplit

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
    if not settings.DEBUG:
        problems.extend(_site_url_problems())
    return problems


# Names no reporter's browser can reach: the machine itself, or only the local network's multicast DNS.
LOCAL_NAMES = ("localhost", ".localhost", ".local", ".localdomain")


def _is_local_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(LOCAL_NAMES):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified or address.is_link_local


def _site_url_problems() -> list[Error | Warning]:
    """Every follow-up link mailed or shown names SITE_URL: a computed or local one sends reporters nowhere."""
    hint = "Set SITE_URL to the site's public address, e.g. https://conduct.example.org (docs/operations.md, 'Deploying')."
    if not settings.SITE_URL_CONFIGURED:
        return [
            Error(
                f"SITE_URL is not set: follow-up links name {settings.SITE_URL}, the address the server listens on.",
                hint=hint,
                id="steward.E003",
            )
        ]
    parts = urlsplit(settings.SITE_URL)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return [Error(f"SITE_URL {settings.SITE_URL!r} is not an http(s) address.", hint=hint, id="steward.E003")]
    if _is_local_host(parts.hostname):
        return [
            Error(
                f"SITE_URL names {parts.hostname}, which only this machine or network can reach: reporters' links would lead nowhere.",
                hint=hint,
                id="steward.E003",
            )
        ]
    if parts.scheme != "https":
        return [
            Warning(
                "SITE_URL is not https: follow-up links, and the secret in them, would travel unencrypted.",
                hint="Serve the site over TLS (docs/operations.md, 'Behind a reverse proxy') and set SITE_URL to its https address.",
                id="steward.W005",
            )
        ]
    return []


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
