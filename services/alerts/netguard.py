"""Webhook URL checks against server-side request forgery (SSRF).

A webhook URL is typed by a user and fetched by our workers, which sit inside the operator's network.
Without a check, a subscription could make Paperfeed POST to the cloud metadata service
(169.254.169.254), an admin port on localhost, or any host on the private network. So a URL must be
http(s), carry no credentials, and resolve only to globally routable unicast addresses, unless the
operator allows private targets (WEBHOOK_ALLOW_PRIVATE, e.g. for a receiver on the same LAN, or tests).

Check when the subscription is saved (a clear 422) and again at send time, because DNS may have changed
since; ``resolve_webhook_url`` returns the checked addresses so the sender can connect to exactly
those and a second, different DNS answer cannot slip in between check and connect (DNS rebinding).

The answer must not become an oracle into the operator's network: a host that resolves to an internal
address and a host that does not resolve get the same message, which never names an address (anyone
with a user token could otherwise map internal DNS). Ports are limited to DEFAULT_PORTS unless
configured (WEBHOOK_PORTS), so a public host's other services are not reachable through us either.
Resolution runs with a timeout (WEBHOOK_RESOLVE_TIMEOUT_SECONDS): a slow resolver cannot hold the
request thread or a worker.
"""

from __future__ import annotations

import concurrent.futures
import functools
import ipaddress
import logging
import socket
from collections.abc import Collection
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

MAX_URL_LENGTH = 2000
DEFAULT_PORTS: tuple[int, ...] = (80, 443, 8080, 8443)
DEFAULT_RESOLVE_TIMEOUT_SECONDS = 2.0
# Said of every refused or unresolvable host alike: what is true of each, naming no address.
NOT_ALLOWED = "webhook host {host!r} is refused: webhooks may only point at public addresses of hosts that resolve"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# NAT64's well-known prefix embeds an IPv4 address in the low 32 bits (RFC 6052).
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class UnresolvableHost(ValueError):
    """The URL is well formed but its host name does not resolve (perhaps only for now, or not within
    the resolver timeout). Its message is the same as for a refused host."""


@functools.cache
def _resolver_pool() -> concurrent.futures.ThreadPoolExecutor:
    """Threads for getaddrinfo, which has no timeout of its own (made on first use, not at import)."""
    return concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="netguard-dns")


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, NAT64), or None."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def forbidden_reason(address: IPAddress) -> str | None:
    """Why ``address`` may not be a webhook target ("loopback", "private", ...), or None if it may."""
    inner = _embedded_ipv4(address)
    if inner is not None:
        reason = forbidden_reason(inner)
        return f"{reason}: it embeds the IPv4 address {inner}" if reason else None
    for reason, flag in (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
    ):
        if flag:
            return reason
    # is_global is False for the remaining special ranges, e.g. shared address space 100.64.0.0/10.
    if not address.is_global:
        return "not globally routable"
    return None


def _split(url: str, ports: Collection[int] | None) -> tuple[str, str, int]:
    """Syntax and port checks (``ports`` None: any port); returns (scheme, host, port)."""
    if len(url) > MAX_URL_LENGTH:
        raise ValueError(f"webhook URL is longer than {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"webhook URL is malformed: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise ValueError("webhook URL must start with http:// or https://")
    if parts.username is not None or parts.password is not None:
        raise ValueError("webhook URL must not contain credentials (user:password@)")
    if not parts.hostname:
        raise ValueError("webhook URL must have a host")
    port = port or (443 if parts.scheme == "https" else 80)
    if ports is not None and port not in ports:
        raise ValueError(f"webhook URL port {port} is not allowed; use one of {', '.join(map(str, sorted(ports)))}")
    return parts.scheme, parts.hostname, port


def _getaddrinfo(host: str, port: int, timeout: float) -> list:
    future = _resolver_pool().submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    try:
        return future.result(timeout=timeout)
    except concurrent.futures.TimeoutError:
        log.info("webhook host %r did not resolve within %.1fs", host, timeout)
        raise UnresolvableHost(NOT_ALLOWED.format(host=host)) from None
    except (socket.gaierror, UnicodeError) as exc:
        log.info("webhook host %r does not resolve: %s", host, exc)
        raise UnresolvableHost(NOT_ALLOWED.format(host=host)) from None


def resolve_webhook_url(url: str, *, allow_private: bool, ports: Collection[int] | None = DEFAULT_PORTS,
                        resolve_timeout: float = DEFAULT_RESOLVE_TIMEOUT_SECONDS) -> list[IPAddress]:
    """Check ``url`` and return the addresses its host resolves to, all of them allowed.

    Raises ValueError with a message fit for an API error: bad syntax, a host that does not resolve
    (``UnresolvableHost``, a ValueError), or (unless ``allow_private``) any resolved address that is
    not a global unicast address. One bad address among several is enough to refuse: the connecting
    code may pick any of them.
    """
    _scheme, host, port = _split(url, ports)
    infos = _getaddrinfo(host, port, resolve_timeout)
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        # Strip an IPv6 zone ("fe80::1%eth0") before parsing; the zone only exists on link-local anyway.
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise UnresolvableHost(NOT_ALLOWED.format(host=host))
    if not allow_private:
        for address in addresses:
            reason = forbidden_reason(address)
            if reason:
                # The detail is for the operator's log only (see the module doc).
                log.info("webhook host %r refused: resolves to %s (%s)", host, address, reason)
                raise ValueError(NOT_ALLOWED.format(host=host))
    return addresses


def check_webhook_url(url: str, *, allow_private: bool, ports: Collection[int] | None = DEFAULT_PORTS,
                      resolve_timeout: float = DEFAULT_RESOLVE_TIMEOUT_SECONDS) -> None:
    """Raise ValueError with a clear message if ``url`` may not be a webhook target (see module doc)."""
    resolve_webhook_url(url, allow_private=allow_private, ports=ports, resolve_timeout=resolve_timeout)
