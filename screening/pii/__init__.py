"""Private-information detection: e-mail addresses, phone numbers, street addresses and access tokens."""

from .detector import PiiHit, find_private_information

__all__ = ["PiiHit", "find_private_information"]
