"""Whether a link from a platform may be stored and shown as a link: only web addresses, never `javascript:`."""

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

MAX_LENGTH = 500  # the link fields' size


def is_web_link(url: str) -> bool:
    if not url or len(url) > MAX_LENGTH:
        return False
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        return False
    return True
