"""What intake takes from the spaces: reports made with a space's own tool, and the report mailboxes.

Registered by IntakeConfig.ready through spaces.routing, so the spaces never import intake.
"""

from intake import from_spaces, mail
from spaces.base import Handled, ReportEvent
from spaces.models import SpaceConnection
from spaces.routing import on, register_fetcher

EMAIL = "email"  # spaces.email's platform: its connections are mailboxes whose messages become reports


def take_report(connection: SpaceConnection, event: ReportEvent, delivery_id: str) -> Handled:
    # Looked up at call time (not bound at import), so what runs is always intake.from_spaces' current function.
    return from_spaces.report_from_space(connection, event)


def fetch_mail(connection: SpaceConnection) -> mail.FetchResult:
    return mail.fetch_report_mail(connection)


def install() -> None:
    on(ReportEvent, take_report)
    register_fetcher(EMAIL, fetch_mail)
