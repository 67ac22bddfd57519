// Tests of detail/uri.hpp, the RFC 3986 recognizer: one table row per
// grammar rule of Appendix A, RFC 3986's own examples, and the components.
#include <oauthreg/detail/uri.hpp>

#include "../support/catch.hpp"
#include "../support/uri_rows.hpp"

#include <string>

using namespace oauthreg::detail;

namespace {

char const* kind_name(uri_host_kind k)
{
    switch (k) {
    case uri_host_kind::none:
        return "none";
    case uri_host_kind::reg_name:
        return "reg_name";
    case uri_host_kind::ipv4:
        return "ipv4";
    case uri_host_kind::ipv6:
        return "ipv6";
    case uri_host_kind::ipv_future:
        return "ipv_future";
    }
    return "?";
}

} // namespace

TEST_CASE("RFC 3986 Appendix A: one row per grammar rule", "[uri]")
{
    for (auto const& r : oauthreg::test::uri_rows()) {
        INFO(r.section << ": " << r.uri);
        auto const p = parse_uri(r.uri);
        CHECK(p.has_value() == r.valid);
        if (p && r.valid)
            CHECK(std::string(kind_name(p->host_kind)) == kind_name(r.kind));
    }
}

TEST_CASE("RFC 3986 1.1.2 and 5.4: the RFC's own URIs", "[uri]")
{
    for (auto s : oauthreg::test::rfc3986_examples()) {
        INFO(s);
        CHECK(parse_uri(s).has_value());
        CHECK_FALSE(is_relative_ref(s)); // a scheme, so not a relative-ref
    }
    // RFC 3986 5.4's references are relative-refs, except "g:h" (a URI)
    for (auto s : oauthreg::test::rfc3986_relative_examples()) {
        INFO(s);
        CHECK(is_relative_ref(s));
        CHECK_FALSE(parse_uri(s).has_value());
    }
    CHECK_FALSE(is_relative_ref("g:h"));
    CHECK(is_relative_ref("./g:h")); // RFC 3986 4.2: a colon in the first segment needs "./"
    CHECK(is_relative_ref("g/h:i"));
}

TEST_CASE("RFC 3986 3: every component, as a view of the text", "[uri]")
{
    auto p = parse_uri("HtTp://u%20s:pw@[v7.a:b]:0080/p/a:t@h?q/?#f/?");
    REQUIRE(p);
    CHECK(p->scheme == "HtTp");
    CHECK(p->has_userinfo);
    CHECK(p->userinfo == "u%20s:pw");
    CHECK(p->host == "[v7.a:b]");
    CHECK(p->host_kind == uri_host_kind::ipv_future);
    CHECK(p->has_port);
    CHECK(p->port == "0080");
    CHECK(p->path == "/p/a:t@h");
    CHECK(p->has_query);
    CHECK(p->query == "q/?");
    CHECK(p->has_fragment);
    CHECK(p->fragment == "f/?");

    p = parse_uri("com.example.app:/cb");
    REQUIRE(p);
    CHECK_FALSE(p->has_authority());
    CHECK(p->host.empty());
    CHECK(p->path == "/cb");
    CHECK_FALSE(p->has_query);
    CHECK_FALSE(p->has_fragment);

    p = parse_uri("a://:?#"); // empty host, port, query and fragment: present, empty
    REQUIRE(p);
    CHECK(p->has_authority());
    CHECK(p->host_kind == uri_host_kind::reg_name);
    CHECK(p->host.empty());
    CHECK(p->has_port);
    CHECK(p->port.empty());
    CHECK(p->path.empty());
    CHECK((p->has_query && p->query.empty() && p->has_fragment && p->fragment.empty()));

    p = parse_uri("http://127.0.0.1.evil.example/cb"); // RFC 3986 3.2.2: the longest match is a reg-name
    REQUIRE(p);
    CHECK(p->host == "127.0.0.1.evil.example");
    CHECK(p->host_kind == uri_host_kind::reg_name);
    CHECK(p->path == "/cb");
}

TEST_CASE("RFC 4291 2.2: the 16 bytes of each IPv6 text form", "[uri]")
{
    using bytes = std::array<std::uint8_t, 16>;
    CHECK(ipv6_bytes("::") == bytes{});
    CHECK(ipv6_bytes("::1") == bytes{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
    CHECK(ipv6_bytes("0:0:0:0:0:0:0:1") == ipv6_bytes("::1"));
    CHECK(ipv6_bytes("::0.0.0.1") == ipv6_bytes("::1"));
    CHECK(ipv6_bytes("1::") == bytes{0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
    CHECK(ipv6_bytes("a:B:c::1:2") == bytes{0, 0xa, 0, 0xb, 0, 0xc, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2});
    CHECK(ipv6_bytes("::ffff:192.0.2.128") == bytes{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 128});
    CHECK(ipv6_bytes("1:2:3:4:5:6:7:8") == bytes{0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8});
}
