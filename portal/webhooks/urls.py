"""Which URLs may receive webhooks: the SSRF guard, at save time and at every delivery.

A receiver's URL is typed by a customer, and the worker that POSTs to it runs inside our
network: without a guard, ``http://169.254.169.254/…`` or ``https://db.internal/`` would make
the portal a proxy into places only it can reach. So the host is resolved and every address
it resolves to must be public, unless ``PORTAL_WEBHOOK_ALLOW_PRIVATE_NETWORKS`` is on (a
portal whose receivers live on its own network, or tests). DNS can change between the check
and the connection (DNS rebinding), so delivery resolves again and connects to the very
address it checked (``resolve_for_delivery``), sending the URL's host name as ``Host`` and
in TLS (SNI, certificate check).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

MAX_URL_LENGTH = 2000  # the column's size
URL_SAFE = "/?:@!$&'()*+,;=-._~%"  # kept as typed: reserved and unreserved characters, escapes

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Beyond what ``ipaddress`` calls private, loopback, link-local, multicast, reserved or
# unspecified: the carrier-grade NAT range (which also holds Alibaba Cloud's metadata
# service, 100.100.100.200) and the metadata services by name, so that the list says so.
REFUSED_NETWORKS = tuple(
    ipaddress.ip_network(network)
    for network in (
        "0.0.0.0/8",  # "this network"
        "100.64.0.0/10",  # carrier-grade NAT (RFC 6598)
        "169.254.169.254/32",  # AWS, GCP, Azure, OpenStack metadata
        "192.0.0.0/24",  # IETF protocol assignments
        "198.18.0.0/15",  # benchmarking
        "240.0.0.0/4",  # reserved, and the broadcast address
        "fd00:ec2::254/128",  # AWS metadata over IPv6
        "64:ff9b:1::/48",  # local-use NAT64
        "2001:db8::/32",  # documentation
    )
)
# IPv6 prefixes that carry an IPv4 address: checked as that IPv4 address.
NAT64_PREFIX = ipaddress.ip_network("64:ff9b::/96")


class InvalidWebhookUrl(ValueError):
    """The URL cannot receive webhooks; ``reason`` says why, in English, for logs and docs
    (people see "URL inválida" / "Invalid URL")."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Target:
    """Where a delivery connects: the URL's host (for ``Host`` and TLS), port and the
    address that was checked."""

    scheme: str
    host: str
    port: int
    ip: str
    path: str  # path and query, as sent in the request line


def check_url(url: str, *, allow_private: bool) -> str:
    """The normalised ``url`` if it may receive webhooks, else ``InvalidWebhookUrl``.

    https only (http too when private networks are allowed), a host, no user or password,
    no fragment; its host must resolve, and only to public addresses unless ``allow_private``.
    """
    normalised, host, port = _parse(url, allow_private=allow_private)
    if not allow_private:
        _public_addresses(host, port)
    return normalised


def resolve_for_delivery(url: str, *, allow_private: bool) -> Target:
    """Check ``url`` again (DNS may have changed since it was saved) and pick the address
    to connect to: the first of those it resolves to, all of which passed the guard."""
    normalised, host, port = _parse(url, allow_private=allow_private)
    parts = urlsplit(normalised)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    addresses = _resolve(host, port) if allow_private else _public_addresses(host, port)
    return Target(parts.scheme, host, port, str(addresses[0]), path)


def is_refused_address(address: IPAddress) -> bool:
    """Whether the guard refuses ``address`` (private, loopback, link-local, CGNAT,
    multicast, unspecified, reserved, metadata; IPv6 forms of IPv4 ones likewise)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return is_refused_address(embedded)
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_unspecified
        or address.is_reserved
        or not address.is_global
        or any(address in network for network in REFUSED_NETWORKS)
    )


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:  # ::ffff:10.0.0.1
        return address.ipv4_mapped
    if address.sixtofour is not None:  # 2002:0a00:0001::
        return address.sixtofour
    if address.teredo is not None:  # the client's address, obfuscated
        return address.teredo[1]
    if address in NAT64_PREFIX:  # 64:ff9b::10.0.0.1
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if int(address) >> 32 == 0 and int(address) > 1:  # ::10.0.0.1 (IPv4-compatible)
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _parse(url: str, *, allow_private: bool) -> tuple[str, str, int]:
    """(the normalised URL, its host in ASCII, its port)."""
    if not isinstance(url, str):
        raise InvalidWebhookUrl("not a string")
    url = url.strip()
    if not url or len(url) > MAX_URL_LENGTH:
        raise InvalidWebhookUrl("empty or too long")
    if any(ord(c) < 33 or ord(c) == 127 for c in url):
        raise InvalidWebhookUrl("spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidWebhookUrl(f"malformed: {exc}") from None
    scheme = parts.scheme.lower()
    allowed = ("https", "http") if allow_private else ("https",)
    if scheme not in allowed:
        raise InvalidWebhookUrl(f"scheme must be {' or '.join(allowed)}")
    if "@" in parts.netloc:
        raise InvalidWebhookUrl("credentials in the URL")
    if parts.fragment:
        raise InvalidWebhookUrl("a fragment is never sent")
    host = _ascii_host(parts.hostname or "")
    if port is None:
        port = 443 if scheme == "https" else 80
    if port == 0:
        raise InvalidWebhookUrl("port 0")
    netloc = f"[{host}]" if ":" in host else host
    if port != (443 if scheme == "https" else 80):
        netloc += f":{port}"
    # Non-ASCII in the path or query is sent percent-encoded (UTF-8), as browsers do.
    path = quote(parts.path or "/", safe=URL_SAFE)
    query = quote(parts.query, safe=URL_SAFE)
    normalised = urlunsplit((scheme, netloc, path, query, ""))
    return normalised, host, port


def _ascii_host(host: str) -> str:
    host = host.rstrip(".").lower()
    if not host:
        raise InvalidWebhookUrl("no host")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise InvalidWebhookUrl("host name not valid") from None
    labels = ascii_host.split(".")
    if any(not label or len(label) > 63 for label in labels) or len(ascii_host) > 253:
        raise InvalidWebhookUrl("host name not valid")
    if not all(c.isalnum() or c in "-." for c in ascii_host):
        raise InvalidWebhookUrl("host name not valid")
    return ascii_host


# The resolver; tests put a fake one here (patching ``socket.getaddrinfo`` itself would
# change every connection of the process).
getaddrinfo = socket.getaddrinfo


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise InvalidWebhookUrl(f"host {host} does not resolve") from None
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise InvalidWebhookUrl(f"host {host} does not resolve")
    return addresses


def _public_addresses(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to, all public; one that is not refuses the URL
    (a name with a public and a private record would otherwise pick either)."""
    addresses = _resolve(host, port)
    refused = [address for address in addresses if is_refused_address(address)]
    if refused:
        raise InvalidWebhookUrl(f"host {host} resolves to a non-public address ({refused[0]})")
    return addresses
