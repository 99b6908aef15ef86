"""Every time a steward or a party reads shows its zone: "5 Dec 2026, 14:03 UTC" (the site's TIME_ZONE, by its
abbreviation). `when` for Python (mails, messages, audit lines) and the `when` template filter, a builtin of
every template (settings.TEMPLATES), are the one format. A date alone (no hour) needs no zone."""

from datetime import datetime

from django import template
from django.utils import dateformat, timezone

ZONED = "j M Y, H:i T"  # Django's date format: the month by its (translated) short name, then the zone's abbreviation

register = template.Library()


def when(value: datetime | None) -> str:
    """A moment in the site's time zone, with the zone: "" for no moment."""
    if value is None:
        return ""
    return dateformat.format(timezone.localtime(value) if timezone.is_aware(value) else value, ZONED)


@register.filter(name="when", expects_localtime=True)
def when_filter(value: datetime | None) -> str:
    return when(value) if isinstance(value, datetime) else ""
