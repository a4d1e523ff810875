"""Which addresses are refused, in every spelling (bot/edges/netguard.py)."""

from __future__ import annotations

import ipaddress

import pytest

from bot.edges.netguard import BlockPolicy, allowing, is_blocked_address, literal_host_address

BLOCKED = [
    "127.0.0.1",
    "127.255.255.254",
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "100.64.0.1",
    "100.127.255.255",
    "169.254.169.254",
    "169.254.0.1",
    "0.0.0.0",
    "0.1.2.3",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "192.0.2.1",
    "198.18.0.1",
    "198.51.100.7",
    "203.0.113.9",
    "192.0.0.170",
    "::1",
    "::",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "fe80::1%eth0",
    "febf::1",
    "fec0::1",
    "ff02::1",
    "ff05::2",
    "100::1",
    "2001:db8::1",
    "2001:2::1",
    "2001:10::1",
    "3fff::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::127.0.0.1",
    "::8.8.8.8",
    "64:ff9b::127.0.0.1",
    "64:ff9b::a9fe:a9fe",
    "64:ff9b:1::1",
    "2002:7f00:1::1",
    "2002:c0a8:101::1",
    "2001:0:4136:e378:8000:63bf:80ff:fffe",
    "::ffff:0:127.0.0.1",
]
ALLOWED = [
    "8.8.8.8",
    "1.1.1.1",
    "93.184.216.34",
    "151.101.0.81",
    "100.63.255.255",
    "100.128.0.1",
    "172.15.255.255",
    "172.32.0.1",
    "2606:4700::1111",
    "2a00:1450:4009:81f::200e",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
    "2002:808:808::1",
]


@pytest.mark.parametrize("address", BLOCKED)
def test_blocked_addresses_are_refused(address: str) -> None:
    """Loopback, private, CGNAT, link-local, multicast, reserved and embedded forms are refused."""
    assert is_blocked_address(address)
    assert is_blocked_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ALLOWED)
def test_public_addresses_are_allowed(address: str) -> None:
    """Public unicast addresses, also mapped or embedded in IPv6, are allowed."""
    assert not is_blocked_address(address)


@pytest.mark.parametrize(
    "spelling",
    [
        "127.0.0.1",
        "2130706433",
        "0x7f000001",
        "0X7F000001",
        "0177.0.0.1",
        "0177.0.0.01",
        "127.1",
        "127.0.1",
        "0x7f.1",
        "0x7f.0.0.0x1",
        "017700000001",
        "127.0.0.1.",
        "%31%32%37.0.0.1",
        "[::ffff:127.0.0.1]",
        "[::ffff:7f00:1]",
        "::ffff:127.0.0.1",
    ],
)
def test_every_spelling_of_loopback_is_read_as_loopback(spelling: str) -> None:
    """Decimal, octal, hex, short, trailing-dot and IPv6-mapped spellings all read as 127.0.0.1."""
    address = literal_host_address(spelling)
    assert address is not None
    assert is_blocked_address(address)
    v4 = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else address
    assert v4 == ipaddress.IPv4Address("127.0.0.1")


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [
        ("0", "0.0.0.0"),
        ("1.2.3", "1.2.0.3"),
        ("8.0x8.2056", "8.8.8.8"),
        ("[::1]", "::1"),
        ("[fe80::1%25eth0]", "fe80::1%eth0"),
        ("0x", "0.0.0.0"),
        ("4294967295", "255.255.255.255"),
    ],
)
def test_literal_forms_parse_as_inet_aton_does(spelling: str, expected: str) -> None:
    """Short forms fill the last part; brackets and percent-encoded zone ids are understood."""
    assert literal_host_address(spelling) == ipaddress.ip_address(expected)


@pytest.mark.parametrize(
    "host",
    [
        "example.com",
        "localhost",
        "256.1.1.1",
        "4294967296",
        "1.2.3.4.5",
        "08.1.1.1",
        "0x1g",
        "1.2.3.-4",
        "1_0.0.0.1",
        "+1.2.3.4",
        " 1",
        "127.0.0.1..",
        "1..2",
        "",
        "[::1",
        "::g",
    ],
)
def test_names_and_out_of_range_numbers_are_not_literals(host: str) -> None:
    """Names, out-of-range numbers and malformed parts are not addresses."""
    assert literal_host_address(host) is None


def test_a_name_given_as_an_address_is_a_value_error() -> None:
    """is_blocked_address refuses to guess about a host name."""
    with pytest.raises(ValueError, match="not an IP address"):
        is_blocked_address("example.com")


def _policy(*ranges: str) -> BlockPolicy:
    return allowing([ipaddress.ip_network(text) for text in ranges])


@pytest.mark.parametrize(("ranges", "address", "blocked"), [
    ((), "127.0.0.1", True),
    (("127.0.0.0/8",), "127.0.0.1", False),
    (("127.0.0.0/8",), "10.0.0.1", True),
    (("127.0.0.1/32",), "127.0.0.2", True),
    (("10.1.0.0/16",), "10.1.2.3", False),
    (("10.1.0.0/16",), "10.2.0.1", True),
    (("::1/128",), "::1", False),
    (("127.0.0.0/8",), "::1", True),
    (("0.0.0.0/0",), "169.254.169.254", True),
    (("169.0.0.0/8",), "169.254.0.1", True),
    (("169.254.169.254/32",), "169.254.169.254", False),
    (("169.254.0.0/16",), "169.254.1.1", False),
    (("::/0",), "fe80::1", True),
    (("fe80::/10",), "fe80::1", False),
    (("fc00::/7",), "fd00:ec2::254", True),
    (("fc00::/7",), "fd00::7", False),
    (("fd00:ec2::254/128",), "fd00:ec2::254", False),
    (("::/0",), "::ffff:169.254.169.254", True),
    (("::/0",), "64:ff9b::a9fe:a9fe", True),
    (("0.0.0.0/0",), "93.184.216.34", False),
])
def test_allowed_ranges_open_exactly_those_but_not_metadata(
        ranges: tuple[str, ...], address: str, blocked: bool) -> None:
    """A range opens its addresses; link-local and metadata only when the range lies inside."""
    assert _policy(*ranges)(ipaddress.ip_address(address)) is blocked
