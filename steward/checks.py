"""Deploy checks: `manage.py check --deploy` says what a production site is missing."""

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


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
    return problems
