// Tests of tools/lib/forwarded.hpp: `--trusted-proxies` and the client address
// it gives a request from X-Forwarded-For (docs/operating.md, "Behind a reverse proxy").
#include "../../tools/lib/forwarded.hpp"

#include "../support/catch.hpp"

#include <string>

using oauthreg::cli::trusted_proxies;

namespace {

boost::asio::ip::address ip(char const* s) { return boost::asio::ip::make_address(s); }

trusted_proxies proxies(char const* list)
{
    std::string why;
    auto p = trusted_proxies::parse(list, why);
    INFO(list << ": " << why);
    REQUIRE(p);
    return *p;
}

/** Why `list` is refused; empty when it is accepted. */
std::string refusal(char const* list)
{
    std::string why;
    auto p = trusted_proxies::parse(list, why);
    return p ? std::string() : why;
}

/** The client address, as text, of a request from `peer` with `xff`. */
std::string client(trusted_proxies const& p, char const* peer, char const* xff)
{
    return p.client_address(ip(peer), xff).to_string();
}

} // namespace

TEST_CASE("forwarded: --trusted-proxies parses CIDRs of both families", "[forwarded]")
{
    auto const p = proxies("10.0.0.0/8,127.0.0.1/32, ::1/128 ,\tfd00::/8, 192.0.2.7, 2001:db8::5");
    CHECK(p.trusted(ip("10.0.0.0")));
    CHECK(p.trusted(ip("10.255.255.255")));
    CHECK_FALSE(p.trusted(ip("11.0.0.0")));
    CHECK(p.trusted(ip("127.0.0.1")));
    CHECK_FALSE(p.trusted(ip("127.0.0.2")));
    CHECK(p.trusted(ip("::1")));
    CHECK_FALSE(p.trusted(ip("::2")));
    CHECK(p.trusted(ip("fd12:3456::1")));
    CHECK_FALSE(p.trusted(ip("fe00::1")));
    CHECK(p.trusted(ip("192.0.2.7"))); // a bare address is a /32
    CHECK_FALSE(p.trusted(ip("192.0.2.6")));
    CHECK(p.trusted(ip("2001:db8::5"))); // or a /128
    CHECK_FALSE(p.trusted(ip("2001:db8::4")));
}

TEST_CASE("forwarded: prefix lengths at the edges", "[forwarded]")
{
    CHECK(proxies("0.0.0.0/0").trusted(ip("203.0.113.9")));
    CHECK_FALSE(proxies("0.0.0.0/0").trusted(ip("2001:db8::1"))); // families apart
    CHECK(proxies("::/0").trusted(ip("2001:db8::1")));
    CHECK_FALSE(proxies("::/0").trusted(ip("203.0.113.9")));
    auto const p = proxies("192.0.2.128/25, 2001:db8:0:2::/63");
    CHECK(p.trusted(ip("192.0.2.128")));
    CHECK(p.trusted(ip("192.0.2.255")));
    CHECK_FALSE(p.trusted(ip("192.0.2.127")));
    CHECK(p.trusted(ip("2001:db8:0:2::1")));
    CHECK(p.trusted(ip("2001:db8:0:3:ffff:ffff:ffff:ffff")));
    CHECK_FALSE(p.trusted(ip("2001:db8:0:1:ffff:ffff:ffff:ffff")));
    CHECK_FALSE(p.trusted(ip("2001:db8:0:4::")));
    CHECK(refusal("2001:db8:0:1::/63") == "'2001:db8:0:1::/63' has bits set past its prefix length");
}

TEST_CASE("forwarded: bad --trusted-proxies input is refused with a reason", "[forwarded]")
{
    for (auto const* bad : {"10.0.0.0/33",   "::/129",        "10.0.0.0/",       "10.0.0.0/-1", "10.0.0.0/+8",
                            "10.0.0.0/8x",   "10.0.0.0/0008", "10.0.0/8",        "010.0.0.0/8", "example.com",
                            "10.0.0.0/8,",   ",10.0.0.0/8",   "10.0.0.0/8,,::1", "10.0.0.1/8",  "fd00::1/8",
                            "fe80::1%1/128", "[::1]",         "10.0.0.0 /8",     "/8",          "1.2.3.4:80"}) {
        INFO(bad);
        CHECK_FALSE(refusal(bad).empty());
    }
    CHECK(refusal("10.0.0.1/8") == "'10.0.0.1/8' has bits set past its prefix length");
    CHECK(refusal("10.0.0.0/33") == "'10.0.0.0/33': the prefix length must be 0 to 32");
    CHECK(refusal("a, b") == "'a' is not an IP address or CIDR range");
    CHECK(refusal("10.0.0.0/8,,::1") == "an empty entry");
}

TEST_CASE("forwarded: an empty list trusts nothing", "[forwarded]")
{
    for (auto const* none : {"", " ", "\t "}) {
        auto const p = proxies(none);
        CHECK(p.empty());
        CHECK_FALSE(p.trusted(ip("127.0.0.1")));
    }
    CHECK(trusted_proxies().empty());
    CHECK(client(trusted_proxies(), "10.0.0.1", "203.0.113.9") == "10.0.0.1");
}

TEST_CASE("forwarded: addresses are compared unmapped", "[forwarded]")
{
    auto const p = proxies("10.0.0.0/8, ::ffff:192.168.0.0/112");
    CHECK(p.trusted(ip("::ffff:10.1.2.3"))); // a mapped peer, an IPv4 range
    CHECK(p.trusted(ip("192.168.4.5")));     // an IPv4 peer, a mapped range
    CHECK(p.trusted(ip("::ffff:192.168.4.5")));
    CHECK_FALSE(p.trusted(ip("192.169.0.1")));
    CHECK(refusal("::ffff:192.168.0.0/95").empty() == false); // bits set past a /95
    CHECK(client(p, "::ffff:10.0.0.1", "203.0.113.9") == "203.0.113.9");
    CHECK(client(p, "10.0.0.1", "::ffff:203.0.113.9") == "203.0.113.9"); // the answer is unmapped too
    CHECK(client(p, "::ffff:203.0.113.9", "198.51.100.1") == "203.0.113.9");
    CHECK(client(p, "10.0.0.1", "::ffff:10.9.9.9, 10.0.0.2") == "10.9.9.9"); // a mapped entry can be a proxy
}

TEST_CASE("forwarded: an untrusted peer's X-Forwarded-For is ignored", "[forwarded]")
{
    auto const p = proxies("10.0.0.0/8");
    CHECK(client(p, "203.0.113.9", "198.51.100.1") == "203.0.113.9");
    CHECK(client(p, "203.0.113.9", "10.0.0.1") == "203.0.113.9");
    CHECK(client(p, "2001:db8::1", "198.51.100.1") == "2001:db8::1");
}

TEST_CASE("forwarded: the rightmost entry that is not a trusted proxy", "[forwarded]")
{
    auto const p = proxies("10.0.0.0/8, fd00::/8");
    CHECK(client(p, "10.0.0.1", "") == "10.0.0.1"); // no header: the peer
    CHECK(client(p, "10.0.0.1", "203.0.113.9") == "203.0.113.9");
    CHECK(client(p, "10.0.0.1", "evil, 1.2.3.4") == "1.2.3.4"); // the left part is the client's to forge
    CHECK(client(p, "10.0.0.1", "6.6.6.6, 1.2.3.4") == "1.2.3.4");
    CHECK(client(p, "10.0.0.1", "198.51.100.1, 10.0.0.3, fd00::7, 10.0.0.2") == "198.51.100.1"); // a chain
    CHECK(client(p, "fd00::1", "2001:db8::9, 10.0.0.2") == "2001:db8::9");
    CHECK(client(p, "10.0.0.1", "10.0.0.3, 10.0.0.2") == "10.0.0.3"); // all trusted: the leftmost
}

TEST_CASE("forwarded: an entry that is not an address stops the walk", "[forwarded]")
{
    auto const p = proxies("10.0.0.0/8");
    CHECK(client(p, "10.0.0.1", "garbage") == "10.0.0.1"); // the rightmost is bad: the peer
    CHECK(client(p, "10.0.0.1", "198.51.100.1, garbage, 10.0.0.2") == "10.0.0.2");
    CHECK(client(p, "10.0.0.1", "198.51.100.1, unknown") == "10.0.0.1");
    CHECK(client(p, "10.0.0.1", "198.51.100.1, \"[2001:db8::1]\"") == "10.0.0.1"); // quotes are Forwarded's, not ours
    CHECK(client(p, "10.0.0.1", "198.51.100.1, _hidden") == "10.0.0.1");
    CHECK(client(p, "10.0.0.1", "198.51.100.1, fe80::1%eth0") == "10.0.0.1");
    CHECK(client(p, "10.0.0.1", "198.51.100.1, 1.2.3") == "10.0.0.1");
    CHECK(client(p, "10.0.0.1", "198.51.100.1, 1.2.3.4 5.6.7.8") == "10.0.0.1");
    CHECK(client(p, "10.0.0.1", "198.51.100.1, 10.0.0.9:99999") == "10.0.0.1");
}

TEST_CASE("forwarded: the forms an entry may take", "[forwarded]")
{
    auto const p = proxies("10.0.0.0/8");
    for (auto const* xff : {"198.51.100.1", " 198.51.100.1\t", "198.51.100.1:5678", "198.51.100.1:0"}) {
        INFO(xff);
        CHECK(client(p, "10.0.0.1", xff) == "198.51.100.1");
    }
    for (auto const* xff : {"2001:db8::1", "[2001:db8::1]", "[2001:db8::1]:443", " [2001:db8::1]:443 "}) {
        INFO(xff);
        CHECK(client(p, "10.0.0.1", xff) == "2001:db8::1");
    }
    CHECK(client(p, "10.0.0.1", "2001:db8::1:443") == "2001:db8::1:443"); // unbracketed: all address
    for (auto const* bad : {"[198.51.100.1]", "[2001:db8::1", "[2001:db8::1]443", "[2001:db8::1]:", "[2001:db8::1]:x",
                            "198.51.100.1:", "198.51.100.1:http", "198.51.100.1:123456", ":80"}) {
        INFO(bad);
        CHECK(client(p, "10.0.0.1", bad) == "10.0.0.1");
    }
}

TEST_CASE("forwarded: field lines joined with ',' and empty elements", "[forwarded]")
{
    auto const p = proxies("10.0.0.0/8");
    // Two lines "198.51.100.1" and "10.0.0.2" joined by the caller (RFC 9110 5.3).
    CHECK(client(p, "10.0.0.1", "198.51.100.1,10.0.0.2") == "198.51.100.1");
    // Empty list elements are skipped, not a stop (RFC 9110 5.6.1).
    CHECK(client(p, "10.0.0.1", "198.51.100.1, , 10.0.0.2,") == "198.51.100.1");
    CHECK(client(p, "10.0.0.1", ",") == "10.0.0.1");
    CHECK(client(p, "10.0.0.1", " ") == "10.0.0.1");
}
