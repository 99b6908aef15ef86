"""The client's address, as far as it can be trusted: the one place that reads it.

Behind a reverse proxy every request comes from the proxy's address, so per-client counters (report
flood control, sign-in throttling) would count every client together. The proxy names the client in
`X-Forwarded-For`, but anybody can send that header, so it is read only when the request comes from
a proxy listed in `STEWARD_TRUSTED_PROXIES` (addresses or networks, comma-separated). The header is
then walked from the right, skipping trusted proxies: the first address that is not one is the
client (everything to its left was written by the client and proves nothing).

A request that carries `X-Forwarded-For` from a loopback or private address that is not trusted
looks like a proxy nobody configured: that is logged once per process, and `check --deploy` warns
when the settings say the site is behind a proxy but none is trusted.
"""

import ipaddress
import logging
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

logger = logging.getLogger("steward.clientaddr")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_warned_untrusted_proxy = False


class BadProxySetting(ValueError):
    pass


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise BadProxySetting(f"STEWARD_TRUSTED_PROXIES: {entry!r} is not an IP address or network.") from None
    return tuple(networks)


def trusted_proxies() -> tuple[Network, ...]:
    """The configured proxies; BadProxySetting names an entry that is not an address or network."""
    return _networks(tuple(getattr(settings, "STEWARD_TRUSTED_PROXIES", ())))


def parse_address(text: str) -> Address | None:
    """An address as proxies write it (`1.2.3.4`, `1.2.3.4:5678`, `[2001:db8::1]:443`, `2001:db8::1`), or None."""
    text = text.strip().strip('"')
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else text
    elif text.count(":") == 1:  # IPv4 with a port; a bare IPv6 address has at least two colons
        text = text.split(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_trusted(address: Address | None, proxies: tuple[Network, ...]) -> bool:
    return address is not None and any(address.version == network.version and address in network for network in proxies)


def client_address(request: HttpRequest) -> str:
    """The address of the client that sent `request`, read through trusted proxies only (see the module docstring)."""
    remote_text = request.META.get("REMOTE_ADDR", "")
    remote = parse_address(remote_text)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    proxies = trusted_proxies()
    if not _is_trusted(remote, proxies):
        if forwarded and remote is not None and (remote.is_loopback or remote.is_private):
            _warn_untrusted_proxy()
        return str(remote) if remote is not None else remote_text
    client: Address | None = remote
    for hop in reversed([part for part in forwarded.split(",") if part.strip()]):
        address = parse_address(hop)
        if address is None:
            break  # not an address: nothing to its left can be trusted either; the last good hop stands
        client = address
        if not _is_trusted(address, proxies):
            break
    return str(client)


def _warn_untrusted_proxy() -> None:
    global _warned_untrusted_proxy
    if _warned_untrusted_proxy:
        return
    _warned_untrusted_proxy = True
    logger.warning(
        # Not the address itself: even a private one may be a client's, and Steward logs no client addresses.
        "X-Forwarded-For arrives from a loopback or private address that is not in STEWARD_TRUSTED_PROXIES: every client "
        "behind that proxy is counted as one (report flood control, sign-in throttling). Set STEWARD_TRUSTED_PROXIES."
    )
