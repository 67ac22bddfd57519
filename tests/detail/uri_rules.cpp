// Tests of detail/uri_rules.hpp beyond the validate table: the helpers themselves.
#include <oauthreg/detail/uri_rules.hpp>

#include <oauthreg/detail/redirect_match.hpp>

#include "../support/catch.hpp"

using namespace oauthreg;
using namespace oauthreg::detail;

TEST_CASE("RFC 8252 7.1: reverse-domain private-use schemes", "[uri]")
{
    CHECK(is_reverse_domain_scheme("com.example.app"));
    CHECK(is_reverse_domain_scheme("io.a"));
    CHECK_FALSE(is_reverse_domain_scheme("myapp"));
    CHECK_FALSE(is_reverse_domain_scheme(".com.example"));
    CHECK_FALSE(is_reverse_domain_scheme("com.example."));
    CHECK_FALSE(is_reverse_domain_scheme("com..example"));
    CHECK_FALSE(is_reverse_domain_scheme("com.ex+ample"));
}

TEST_CASE("RFC 9700 4.1: script and local schemes are forbidden, in any case", "[uri]")
{
    for (auto s : {"javascript", "JAVASCRIPT", "data", "file", "vbscript", "blob", "about"})
        CHECK(is_forbidden_scheme(s));
    CHECK_FALSE(is_forbidden_scheme("https"));
    CHECK_FALSE(is_forbidden_scheme("com.example.app"));
}

TEST_CASE("RFC 8252 7.3: loopback rules can be switched off by the profile", "[uri]")
{
    redirect_uri_rules strict;
    strict.allow_loopback_http = false;
    strict.allow_private_use_scheme = false;
    auto p = check_redirect_uri("http://127.0.0.1/cb", strict, 2048);
    REQUIRE(p);
    CHECK(p->code == error::redirect_uri_insecure_http);
    p = check_redirect_uri("com.example.app:/cb", strict, 2048);
    REQUIRE(p);
    CHECK(p->code == error::redirect_uri_bad_private_scheme);
    CHECK_FALSE(check_redirect_uri("https://a.example/cb", strict, 2048));
}

TEST_CASE("RFC 7591 2: web URIs may be restricted to https", "[uri]")
{
    CHECK_FALSE(check_web_uri("https://a.example/jwks", true, 2048));
    auto p = check_web_uri("http://a.example/jwks", true, 2048);
    REQUIRE(p);
    CHECK(p->code == error::invalid_uri);
    CHECK(check_web_uri("https://a.example/" + std::string(100, 'x'), false, 50));
}

TEST_CASE("RFC 3986 3.2.3: port range, leading zeros allowed", "[uri]")
{
    auto u = [](char const* s) { return *parse_uri(s); };
    CHECK(port_in_range(u("https://a.example/")));
    CHECK(port_in_range(u("https://a.example:/")));
    CHECK(port_in_range(u("https://a.example:0/")));
    CHECK(port_in_range(u("https://a.example:65535/")));
    CHECK(port_in_range(u("https://a.example:000443/")));
    CHECK(port_in_range(u("https://a.example:0000065535/")));
    CHECK_FALSE(port_in_range(u("https://a.example:65536/")));
    CHECK_FALSE(port_in_range(u("https://a.example:0000065536/")));
    CHECK_FALSE(port_in_range(u("https://a.example:1000000/")));
}

TEST_CASE("RFC 8252 7.3: only the loopback IP literals match on any port", "[uri]")
{
    // A registered URI that is not RFC 3986 matches nothing but itself
    // (Boost.URL 1.81 read ":8080x/" as port 8080 and path "x/").
    CHECK_FALSE(redirect_uri_matches("http://127.0.0.1:8080x/", "http://127.0.0.1:x/"));
    CHECK_FALSE(redirect_uri_matches("http://127.0.0.1:8080x/", "http://127.0.0.1:9x/"));
    CHECK_FALSE(redirect_uri_matches("http://127.0.0.1.evil.example/cb", "http://127.0.0.1.evil.example:1/cb"));
    CHECK_FALSE(redirect_uri_matches("http://[::1]:abc/", "http://[::1]:1abc/"));
    CHECK(redirect_uri_matches("http://127.0.0.1/cb", "http://127.0.0.1:000080/cb"));
    CHECK(redirect_uri_matches("http://[0::1]/cb", "http://[0::1]:5/cb"));
    CHECK_FALSE(redirect_uri_matches("http://[0::1]/cb", "http://[::1]:5/cb")); // RFC 9700 2.1: as text
    CHECK_FALSE(redirect_uri_matches("http://127.0.0.1/cb", "http://127.0.0.1:65536/cb"));
}
