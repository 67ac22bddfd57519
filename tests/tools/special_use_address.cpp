// Tests of tools/lib/special_use_address.hpp: every block of the IANA IPv4 and
// IPv6 Special-Purpose Address Registries refused from its first address to
// its last, whatever its "Globally Reachable" column, the global neighbours
// just outside allowed, and IPv4-mapped forms judged as their IPv4 address.
// The rows below are written out apart from the header's table, so that a
// block dropped from the table fails here.
#include "../../tools/lib/special_use_address.hpp"

#include "../support/catch.hpp"

#include <string>

using oauthreg::cli::is_loopback;
using oauthreg::cli::is_special_use;

namespace {

boost::asio::ip::address ip(char const* s) { return boost::asio::ip::make_address(s); }

struct block_row {
    char const* first;
    char const* last;
    char const* source;
};

void check_refused(block_row const& row)
{
    INFO(row.source << ": " << row.first << " .. " << row.last);
    CHECK(is_special_use(ip(row.first)));
    CHECK(is_special_use(ip(row.last)));
}

void check_allowed(char const* address, char const* why)
{
    INFO(address << " (" << why << ")");
    CHECK_FALSE(is_special_use(ip(address)));
}

} // namespace

TEST_CASE("IANA IPv4 Special-Purpose Address Registry: every block refused, first to last", "[special_use]")
{
    block_row const rows[] = {
        {"0.0.0.0", "0.255.255.255", "RFC 791 3.2 this network, 0.0.0.0/8"},
        {"0.0.0.0", "0.0.0.0", "RFC 1122 3.2.1.3 this host on this network, 0.0.0.0/32"},
        {"10.0.0.0", "10.255.255.255", "RFC 1918 private-use, 10.0.0.0/8"},
        {"100.64.0.0", "100.127.255.255", "RFC 6598 shared address space, 100.64.0.0/10"},
        {"127.0.0.0", "127.255.255.255", "RFC 1122 3.2.1.3 loopback, 127.0.0.0/8"},
        {"169.254.0.0", "169.254.255.255", "RFC 3927 link local, 169.254.0.0/16"},
        {"172.16.0.0", "172.31.255.255", "RFC 1918 private-use, 172.16.0.0/12"},
        {"192.0.0.0", "192.0.0.255", "RFC 6890 IETF protocol assignments, 192.0.0.0/24"},
        {"192.0.0.0", "192.0.0.7", "RFC 7335 IPv4 service continuity prefix, 192.0.0.0/29"},
        {"192.0.0.8", "192.0.0.8", "RFC 7600 IPv4 dummy address, 192.0.0.8/32"},
        {"192.0.0.9", "192.0.0.9", "RFC 7723 PCP anycast, 192.0.0.9/32"},
        {"192.0.0.10", "192.0.0.10", "RFC 8155 TURN anycast, 192.0.0.10/32"},
        {"192.0.0.170", "192.0.0.170", "RFC 8880 NAT64/DNS64 discovery, 192.0.0.170/32"},
        {"192.0.0.171", "192.0.0.171", "RFC 8880 NAT64/DNS64 discovery, 192.0.0.171/32"},
        {"192.0.2.0", "192.0.2.255", "RFC 5737 documentation TEST-NET-1, 192.0.2.0/24"},
        {"192.31.196.0", "192.31.196.255", "RFC 7535 AS112-v4, 192.31.196.0/24"},
        {"192.52.193.0", "192.52.193.255", "RFC 7450 AMT, 192.52.193.0/24"},
        {"192.88.99.0", "192.88.99.255", "RFC 7526 deprecated 6to4 relay anycast, 192.88.99.0/24"},
        {"192.168.0.0", "192.168.255.255", "RFC 1918 private-use, 192.168.0.0/16"},
        {"192.175.48.0", "192.175.48.255", "RFC 7534 direct delegation AS112, 192.175.48.0/24"},
        {"198.18.0.0", "198.19.255.255", "RFC 2544 benchmarking, 198.18.0.0/15"},
        {"198.51.100.0", "198.51.100.255", "RFC 5737 documentation TEST-NET-2, 198.51.100.0/24"},
        {"203.0.113.0", "203.0.113.255", "RFC 5737 documentation TEST-NET-3, 203.0.113.0/24"},
        {"224.0.0.0", "239.255.255.255", "RFC 5771 multicast, 224.0.0.0/4 (the contract adds it)"},
        {"240.0.0.0", "255.255.255.255", "RFC 1112 4 reserved, 240.0.0.0/4"},
        {"255.255.255.255", "255.255.255.255", "RFC 919 7 limited broadcast, 255.255.255.255/32"},
    };
    for (auto const& row : rows)
        check_refused(row);
}

TEST_CASE("IANA IPv4 Special-Purpose Address Registry: the global neighbours of each block allowed", "[special_use]")
{
    check_allowed("1.0.0.0", "after 0.0.0.0/8");
    check_allowed("9.255.255.255", "before 10.0.0.0/8");
    check_allowed("11.0.0.0", "after 10.0.0.0/8");
    check_allowed("100.63.255.255", "before 100.64.0.0/10 (RFC 6598)");
    check_allowed("100.128.0.0", "after 100.64.0.0/10 (RFC 6598)");
    check_allowed("126.255.255.255", "before 127.0.0.0/8");
    check_allowed("128.0.0.0", "after 127.0.0.0/8");
    check_allowed("169.253.255.255", "before 169.254.0.0/16");
    check_allowed("169.255.0.0", "after 169.254.0.0/16");
    check_allowed("172.15.255.255", "before 172.16.0.0/12");
    check_allowed("172.32.0.0", "after 172.16.0.0/12");
    check_allowed("191.255.255.255", "before 192.0.0.0/24");
    check_allowed("192.0.1.0", "after 192.0.0.0/24, before 192.0.2.0/24");
    check_allowed("192.0.1.255", "before 192.0.2.0/24");
    check_allowed("192.0.3.0", "after 192.0.2.0/24");
    check_allowed("192.31.195.255", "before 192.31.196.0/24");
    check_allowed("192.31.197.0", "after 192.31.196.0/24");
    check_allowed("192.52.192.255", "before 192.52.193.0/24");
    check_allowed("192.52.194.0", "after 192.52.193.0/24");
    check_allowed("192.88.98.255", "before 192.88.99.0/24");
    check_allowed("192.88.100.0", "after 192.88.99.0/24");
    check_allowed("192.167.255.255", "before 192.168.0.0/16");
    check_allowed("192.169.0.0", "after 192.168.0.0/16");
    check_allowed("192.175.47.255", "before 192.175.48.0/24");
    check_allowed("192.175.49.0", "after 192.175.48.0/24");
    check_allowed("198.17.255.255", "before 198.18.0.0/15");
    check_allowed("198.20.0.0", "after 198.18.0.0/15");
    check_allowed("198.51.99.255", "before 198.51.100.0/24");
    check_allowed("198.51.101.0", "after 198.51.100.0/24");
    check_allowed("203.0.112.255", "before 203.0.113.0/24");
    check_allowed("203.0.114.0", "after 203.0.113.0/24");
    check_allowed("223.255.255.255", "before 224.0.0.0/4 multicast");
    check_allowed("8.8.8.8", "a public resolver");
}

TEST_CASE("IANA IPv6 Special-Purpose Address Registry: every block refused, first to last", "[special_use]")
{
    block_row const rows[] = {
        {"::1", "::1", "RFC 4291 2.5.3 loopback, ::1/128"},
        {"::", "::", "RFC 4291 2.5.2 unspecified, ::/128"},
        {"::", "::ffff:ffff", "RFC 4291 2.5.5.1 IPv4-compatible, ::/96 (the contract adds it)"},
        {"64:ff9b::", "64:ff9b::ffff:ffff", "RFC 6052 IPv4-IPv6 translation, 64:ff9b::/96"},
        {"64:ff9b:1::", "64:ff9b:1:ffff:ffff:ffff:ffff:ffff", "RFC 8215 local-use translation, 64:ff9b:1::/48"},
        {"100::", "100::ffff:ffff:ffff:ffff", "RFC 6666 discard-only, 100::/64"},
        {"100:0:0:1::", "100:0:0:1:ffff:ffff:ffff:ffff", "RFC 9780 dummy IPv6 prefix, 100:0:0:1::/64"},
        {"2001::", "2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", "RFC 2928 IETF protocol assignments, 2001::/23"},
        {"2001::", "2001:0:ffff:ffff:ffff:ffff:ffff:ffff", "RFC 4380 Teredo, 2001::/32"},
        {"2001:1::1", "2001:1::1", "RFC 7723 PCP anycast, 2001:1::1/128"},
        {"2001:1::2", "2001:1::2", "RFC 8155 TURN anycast, 2001:1::2/128"},
        {"2001:1::3", "2001:1::3", "RFC 9665 DNS-SD SRP anycast, 2001:1::3/128"},
        {"2001:2::", "2001:2:0:ffff:ffff:ffff:ffff:ffff", "RFC 5180 benchmarking, 2001:2::/48"},
        {"2001:3::", "2001:3:ffff:ffff:ffff:ffff:ffff:ffff", "RFC 7450 AMT, 2001:3::/32"},
        {"2001:4:112::", "2001:4:112:ffff:ffff:ffff:ffff:ffff", "RFC 7535 AS112-v6, 2001:4:112::/48"},
        {"2001:10::", "2001:1f:ffff:ffff:ffff:ffff:ffff:ffff", "RFC 4843 deprecated ORCHID, 2001:10::/28"},
        {"2001:20::", "2001:2f:ffff:ffff:ffff:ffff:ffff:ffff", "RFC 7343 ORCHIDv2, 2001:20::/28"},
        {"2001:30::", "2001:3f:ffff:ffff:ffff:ffff:ffff:ffff", "RFC 9374 drone remote ID, 2001:30::/28"},
        {"2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "RFC 3849 documentation, 2001:db8::/32"},
        {"2002::", "2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "RFC 3056 6to4, 2002::/16"},
        {"2620:4f:8000::", "2620:4f:8000:ffff:ffff:ffff:ffff:ffff",
         "RFC 7534 direct delegation AS112, 2620:4f:8000::/48"},
        {"3fff::", "3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", "RFC 9637 documentation, 3fff::/20"},
        {"5f00::", "5f00:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "RFC 9602 segment routing SIDs, 5f00::/16"},
        {"fc00::", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "RFC 4193 unique-local, fc00::/7"},
        {"fe80::", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "RFC 4291 2.5.6 link-local unicast, fe80::/10"},
        {"fec0::", "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
         "RFC 3879 deprecated site-local, fec0::/10 (the contract adds it)"},
        {"ff00::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
         "RFC 4291 2.7 multicast, ff00::/8 (the contract adds it)"},
    };
    for (auto const& row : rows)
        check_refused(row);
}

TEST_CASE("IANA IPv6 Special-Purpose Address Registry: the global neighbours of each block allowed", "[special_use]")
{
    // Only the neighbours in global unicast space (2000::/3, RFC 4291 2.4):
    // the others (next to ::/96, 100::/64, 5f00::/16, fc00::/7, ...) are
    // not routed on the internet at all.
    check_allowed("2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "before 2001::/23");
    check_allowed("2001:200::", "after 2001::/23 (RFC 2928)");
    check_allowed("2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "before 2001:db8::/32");
    check_allowed("2001:db9::", "after 2001:db8::/32");
    check_allowed("2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "before 2002::/16");
    check_allowed("2003::", "after 2002::/16");
    check_allowed("2620:4f:7fff:ffff:ffff:ffff:ffff:ffff", "before 2620:4f:8000::/48");
    check_allowed("2620:4f:8001::", "after 2620:4f:8000::/48");
    check_allowed("3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "before 3fff::/20");
    check_allowed("3fff:1000::", "after 3fff::/20 (RFC 9637)");
    check_allowed("2606:4700::1111", "a public resolver");
}

TEST_CASE("RFC 4291 2.5.5.2: an IPv4-mapped address is judged as its IPv4 address, NAT64 forms refused",
          "[special_use]")
{
    CHECK(is_special_use(ip("::ffff:127.0.0.1")));
    CHECK(is_special_use(ip("::ffff:10.0.0.1")));
    CHECK(is_special_use(ip("::ffff:169.254.169.254")));
    CHECK(is_special_use(ip("::ffff:0.0.0.0")));
    CHECK_FALSE(is_special_use(ip("::ffff:8.8.8.8")));
    // RFC 6052 and RFC 8215: whatever IPv4 address a NAT64 form embeds.
    CHECK(is_special_use(ip("64:ff9b::127.0.0.1")));
    CHECK(is_special_use(ip("64:ff9b::10.0.0.1")));
    CHECK(is_special_use(ip("64:ff9b::8.8.8.8")));
    CHECK(is_special_use(ip("64:ff9b:1::a00:1")));
    // RFC 4291 2.5.5.1: the IPv4-compatible forms.
    CHECK(is_special_use(ip("::127.0.0.1")));
    CHECK(is_special_use(ip("::10.0.0.1")));
    // RFC 3056: 6to4 of a private address, RFC 4380: Teredo.
    CHECK(is_special_use(ip("2002:a00:1::1")));
    CHECK(is_special_use(ip("2001:0:4136:e378:8000:63bf:3fff:fdd2")));
}

TEST_CASE("RFC 1122 3.2.1.3, RFC 4291 2.5.3: the unspecified addresses 0.0.0.0 and :: are refused", "[special_use]")
{
    CHECK(is_special_use(boost::asio::ip::address_v4::any()));
    CHECK(is_special_use(boost::asio::ip::address_v6::any()));
    CHECK(is_special_use(ip("0.0.0.0")));
    CHECK(is_special_use(ip("::")));
}

TEST_CASE("is_loopback (--cimd-allow-loopback): 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104 only", "[special_use]")
{
    CHECK(is_loopback(ip("127.0.0.1")));
    CHECK(is_loopback(ip("127.0.0.0")));
    CHECK(is_loopback(ip("127.255.255.255")));
    CHECK(is_loopback(ip("::1")));
    CHECK(is_loopback(ip("::ffff:127.0.0.1")));
    CHECK(is_loopback(ip("::ffff:127.255.255.255")));
    CHECK_FALSE(is_loopback(ip("128.0.0.0")));
    CHECK_FALSE(is_loopback(ip("126.255.255.255")));
    CHECK_FALSE(is_loopback(ip("10.0.0.1")));
    CHECK_FALSE(is_loopback(ip("::")));
    CHECK_FALSE(is_loopback(ip("::2")));
    CHECK_FALSE(is_loopback(ip("::127.0.0.1")));        // IPv4-compatible, not mapped
    CHECK_FALSE(is_loopback(ip("64:ff9b::127.0.0.1"))); // NAT64 is not loopback
    CHECK_FALSE(is_loopback(ip("::ffff:128.0.0.1")));
    CHECK_FALSE(is_loopback(ip("fe80::1")));
}

TEST_CASE("The header's tables parse, and each block's own first address is refused", "[special_use]")
{
    using namespace oauthreg::cli::special_use_detail;
    for (auto const text : v4_blocks) {
        INFO(text);
        auto const b = parse_block<boost::asio::ip::address_v4>(text);
        CHECK(b.length <= 32);
        CHECK(is_special_use(boost::asio::ip::address_v4(b.bytes)));
    }
    for (auto const text : v6_blocks) {
        INFO(text);
        auto const b = parse_block<boost::asio::ip::address_v6>(text);
        CHECK(b.length <= 128);
        CHECK(is_special_use(boost::asio::ip::address_v6(b.bytes)));
    }
}
