"""Which addresses storywatch refuses to connect to (SSRF), whatever their spelling.

A story URL comes from any chat member, so the fetcher must never be turned
against the bot's own host or network: loopback, private and carrier-grade NAT
ranges, link-local (cloud metadata at 169.254.169.254), multicast, reserved and
unspecified addresses, and the IPv6 forms that embed one of those IPv4
addresses (mapped, compatible, 6to4, NAT64, Teredo).

`literal_host_address` reads a URL host the way `inet_aton` and browsers do
(decimal `2130706433`, octal `0177.0.0.1`, hex `0x7f.1`, short `127.1`,
a trailing dot, bracketed IPv6 with a zone), so such hosts are checked before
any connection is made.

`allowing` opens address ranges the operator names (`fetch.allow_networks`), except
that link-local and cloud metadata addresses stay refused unless a range within them
names them: a broad range such as "0.0.0.0/0" never opens the metadata service.

Pure: no I/O.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from urllib.parse import unquote

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
BlockPolicy = Callable[[IPAddress], bool]
"""Whether an address is refused."""

ALLOW_KEY = "fetch.allow_networks"

_V4 = ipaddress.IPv4Network
_V6 = ipaddress.IPv6Network

# IANA special-purpose IPv4 registry: nothing here is a public web server.
_BLOCKED_V4 = tuple(
    _V4(net)
    for net in (
        "0.0.0.0/8",  # "this network", 0.0.0.0 reaches the local host on Linux
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata services
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and 255.255.255.255 broadcast
    )
)

# Inside 2000::/3 (global unicast) these are special-purpose; everything outside
# 2000::/3 is reserved, loopback, ULA, link-local or multicast once the forms that
# embed IPv4 have been unwrapped.
_GLOBAL_V6 = _V6("2000::/3")
_BLOCKED_V6 = tuple(
    _V6(net)
    for net in (
        "2001:2::/48",  # benchmarking
        "2001:10::/28",  # ORCHID
        "2001:20::/28",  # ORCHIDv2
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation (RFC 9637)
    )
)
_IPV4_COMPATIBLE = _V6("::/96")  # deprecated; includes :: and ::1
_NAT64 = _V6("64:ff9b::/96")  # well-known prefix: the last 32 bits are IPv4
_SIIT = _V6("::ffff:0:0:0/96")  # IPv4-translated

# Link-local (169.254.169.254 is the metadata service of most clouds) and AWS's IPv6
# metadata address: opened only by a range that lies inside one of these.
_LINK_LOCAL_OR_METADATA: tuple[IPNetwork, ...] = (
    _V4("169.254.0.0/16"), _V6("fe80::/10"), _V6("fd00:ec2::254/128"))

_DEC = frozenset("0123456789")
_OCT = frozenset("01234567")
_HEX = frozenset("0123456789abcdef")


def is_blocked_address(ip: str | IPAddress) -> bool:
    """Whether storywatch refuses to connect to `ip`.

    `ip` is an address object or any spelling `literal_host_address` reads.
    Returns True for loopback, private, CGNAT, link-local, multicast, reserved,
    unspecified, documentation addresses and IPv6 forms embedding any of those.
    Raises ValueError when `ip` is a string that is not an IP address.
    """
    if isinstance(ip, str):
        parsed = literal_host_address(ip)
        if parsed is None:
            raise ValueError(f"not an IP address: {ip!r}")
        ip = parsed
    if isinstance(ip, ipaddress.IPv4Address):
        return _is_blocked_v4(ip)
    return _is_blocked_v6(ip)


def allowing(networks: Sequence[IPNetwork]) -> BlockPolicy:
    """The address policy with `networks` opened (`fetch.allow_networks`).

    An address in one of `networks` is allowed, unless it is link-local or a metadata
    address (itself or the IPv4 address it embeds) and that range does not lie inside
    the link-local or metadata range; every other address is as `is_blocked_address` says.
    """
    opened = tuple(networks)

    def is_blocked(ip: IPAddress) -> bool:
        if any(_opens(network, ip) for network in opened):
            return False
        return is_blocked_address(ip)

    return is_blocked


def _opens(network: IPNetwork, ip: IPAddress) -> bool:
    if ip.version != network.version or ip not in network:
        return False
    return all(_within(network, guarded) for guarded in _guarded_ranges(ip))


def _within(network: IPNetwork, outer: IPNetwork) -> bool:
    return network.network_address in outer and network.broadcast_address in outer


def _guarded_ranges(ip: IPAddress) -> list[IPNetwork]:
    """The link-local or metadata ranges holding `ip` or an IPv4 address it embeds."""
    carried: list[IPAddress] = [ip]
    if isinstance(ip, ipaddress.IPv6Address):
        carried += _embedded_v4(ip) or ()
    return [guarded for guarded in _LINK_LOCAL_OR_METADATA for address in carried
            if address.version == guarded.version and address in guarded]


def why_refused(ip: IPAddress) -> str:
    """Why `ip` is refused and which key opens it, for a one-line message."""
    if _guarded_ranges(ip):
        return (f"{ip} is a link-local or cloud metadata address, refused unless "
                f"{ALLOW_KEY} names its range")
    single = ipaddress.ip_network(ip)
    return (f"{ip} is a private, local or reserved address "
            f'(to allow it: {ALLOW_KEY} = ["{single}"])')


def _is_blocked_v4(ip: ipaddress.IPv4Address) -> bool:
    # The explicit table keeps the policy identical across Python versions,
    # whose is_private/is_global lists have changed; the flags are a backstop.
    return (
        any(ip in net for net in _BLOCKED_V4)
        or ip.is_private
        or ip.is_reserved
        or ip.is_multicast
        or not ip.is_global
    )


def _is_blocked_v6(ip: ipaddress.IPv6Address) -> bool:
    embedded = _embedded_v4(ip)
    if embedded is not None:
        return any(_is_blocked_v4(v4) for v4 in embedded)
    if ip in _IPV4_COMPATIBLE:
        return True
    if ip not in _GLOBAL_V6:
        return True
    return any(ip in net for net in _BLOCKED_V6)


def _embedded_v4(ip: ipaddress.IPv6Address) -> tuple[ipaddress.IPv4Address, ...] | None:
    """The IPv4 addresses an IPv6 address carries (mapped, NAT64, 6to4, Teredo)."""
    if ip.ipv4_mapped is not None:
        return (ip.ipv4_mapped,)
    if ip in _SIIT or ip in _NAT64:
        return (ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF),)
    if ip.sixtofour is not None:
        return (ip.sixtofour,)
    if ip.teredo is not None:
        return ip.teredo  # (server, client): either may be the target
    return None


def literal_host_address(host: str) -> IPAddress | None:
    """The IP address a URL host spells, or None when the host is a name.

    Reads every spelling the system resolver or a browser would accept as an
    address: dotted, decimal, octal and hex IPv4 parts (1 to 4 of them), one
    trailing dot, IPv6 with or without brackets and with a zone id. Returns
    None for host names and for numbers too large to be an address.
    """
    host = unquote(host)
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host)
        except ValueError:
            return None
    return _parse_ipv4(host.removesuffix("."))


def _parse_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """Parse `host` as inet_aton does: `a`, `a.b`, `a.b.c` or `a.b.c.d`."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    numbers = [_parse_ipv4_part(part) for part in parts]
    if any(number is None for number in numbers):
        return None
    *leading, last = [number for number in numbers if number is not None]
    if any(number > 0xFF for number in leading) or last >= 1 << (8 * (5 - len(parts))):
        return None
    value = last
    for index, number in enumerate(leading):
        value |= number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _parse_ipv4_part(part: str) -> int | None:
    """One IPv4 part in decimal, octal (leading 0) or hex (0x); None if not a number."""
    lowered = part.lower()
    if lowered.startswith("0x"):
        base, digits, allowed = 16, lowered[2:] or "0", _HEX
    elif len(lowered) > 1 and lowered.startswith("0"):
        base, digits, allowed = 8, lowered[1:], _OCT
    else:
        base, digits, allowed = 10, lowered, _DEC
    # int() alone would accept signs, spaces and underscores that inet_aton refuses.
    if not digits or not set(digits) <= allowed:
        return None
    return int(digits, base)
