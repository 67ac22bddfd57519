// Abuse limits (profile::limits): each at its value and just past it, with the
// defaults and with a tightened profile; and work that grows linearly with input.
#include <oauthreg/validate.hpp>

#include "support/catch.hpp"

#include <functional>
#include <string>

using namespace oauthreg;

namespace {

std::string members(int n, std::string const& value = "1")
{
    std::string s = R"({"grant_types":["client_credentials"])";
    for (int i = 1; i < n; ++i)
        s += ",\"m" + std::to_string(i) + "\":" + value;
    return s + "}";
}

std::string padded_body(std::size_t total)
{
    std::string head = R"({"grant_types":["client_credentials"],"x":")";
    std::string tail = "\"}";
    return head + std::string(total - head.size() - tail.size(), 'a') + tail;
}

error kind_of(std::string const& body, profile const& p = profile{})
{
    auto r = validate_request(body, p);
    REQUIRE_FALSE(r.has_value());
    return r.error().kind();
}

bool ok(std::string const& body, profile const& p = profile{}) { return validate_request(body, p).has_value(); }

std::string nested(int depth) // the body object is depth 1
{
    return R"({"grant_types":["client_credentials"],"x":)" + std::string(static_cast<std::size_t>(depth - 1), '[') +
           std::string(static_cast<std::size_t>(depth - 1), ']') + "}";
}

} // namespace

TEST_CASE("limits: body size", "[limits]")
{
    CHECK(ok(padded_body(64 * 1024)));
    CHECK(kind_of(padded_body(64 * 1024 + 1)) == error::body_too_large);
    profile small;
    small.limits.max_body_bytes = 200;
    CHECK(ok(padded_body(200), small));
    CHECK(kind_of(padded_body(201), small) == error::body_too_large);
}

TEST_CASE("limits: nesting depth", "[limits]")
{
    CHECK(ok(nested(8)));
    CHECK(kind_of(nested(9)) == error::nesting_too_deep);
    CHECK(kind_of(std::string(60000, '[')) == error::body_not_object);
    CHECK(kind_of("{\"x\":" + std::string(60000, '[')) == error::nesting_too_deep);
    CHECK(kind_of(std::string(100000, '[')) == error::body_too_large);
    profile flat;
    flat.limits.max_depth = 2;
    CHECK(ok(nested(2), flat));
    CHECK(kind_of(nested(3), flat) == error::nesting_too_deep);
}

TEST_CASE("limits: members per object", "[limits]")
{
    CHECK(ok(members(64)));
    CHECK(kind_of(members(65)) == error::too_many_members);
    CHECK(ok(members(2, "{" + members(64).substr(1)))); // 64 in a nested object
    CHECK(kind_of(members(2, "{" + members(65).substr(1))) == error::too_many_members);
}

TEST_CASE("limits: members per object count registered members too", "[limits]")
{
    // registered names are found by their own lookup (a perfect hash), apart from other names: they count too
    std::string const three = R"({"grant_types":["client_credentials"],"client_name":"n","scope":"s"})";
    profile p;
    p.limits.max_members = 3;
    CHECK(ok(three, p));
    p.limits.max_members = 2;
    CHECK(kind_of(three, p) == error::too_many_members);
    // RFC 8259 4: a registered member named twice is refused, whatever the limits
    CHECK(kind_of(R"({"grant_types":["client_credentials"],"scope":"a","scope":"b"})") == error::duplicate_member);
}

TEST_CASE("limits: string arrays count elements, as contacts and redirect_uris", "[limits]")
{
    profile p;
    p.limits.max_array_length = 2;
    std::string const contacts = R"({"grant_types":["client_credentials"],"contacts":["a@x.example","b@x.example")";
    CHECK(ok(contacts + "]}", p));
    CHECK(kind_of(contacts + R"(,"c@x.example"]})", p) == error::array_too_long);
    // a plain element is a view into the body, an escaped one a copy: the count covers both kinds
    CHECK(kind_of(contacts + R"(,"\u0063@x.example"]})", p) == error::array_too_long);
    CHECK(kind_of(R"({"grant_types":["client_credentials"],"contacts":["\u0061@x.example","b@x.example","c"]})", p) ==
          error::array_too_long);
}

TEST_CASE("limits: array length", "[limits]")
{
    auto arr = [](int n) {
        std::string s = R"({"grant_types":["client_credentials"],"contacts":[)";
        for (int i = 0; i < n; ++i)
            s += (i ? ",\"c" : "\"c") + std::to_string(i) + "@x.example\"";
        return s + "]}";
    };
    CHECK(ok(arr(64)));
    CHECK(kind_of(arr(65)) == error::array_too_long);
}

TEST_CASE("limits: redirect URIs, count and length", "[limits]")
{
    auto uris = [](int n, std::size_t len) {
        std::string s = R"({"redirect_uris":[)";
        for (int i = 0; i < n; ++i) {
            std::string u = "https://a.example/" + std::to_string(i) + "/";
            u += std::string(len - u.size(), 'p');
            s += (i ? ",\"" : "\"") + u + "\"";
        }
        return s + "]}";
    };
    CHECK(ok(uris(32, 40)));
    CHECK(kind_of(uris(33, 40)) == error::too_many_redirect_uris);
    CHECK(ok(uris(1, 2048)));
    CHECK(kind_of(uris(1, 2049)) == error::redirect_uri_too_long);
    profile p;
    p.limits.max_redirect_uris = 2;
    p.limits.max_uri_length = 100;
    CHECK(ok(uris(2, 100), p));
    CHECK(kind_of(uris(3, 40), p) == error::too_many_redirect_uris);
    CHECK(kind_of(uris(1, 101), p) == error::redirect_uri_too_long);
    CHECK(kind_of(R"({"grant_types":["client_credentials"],"logo_uri":"https://a.example/)" + std::string(90, 'l') +
                      "\"}",
                  p) == error::invalid_uri);
}

TEST_CASE("limits: string length, scope tokens, localized values, statements", "[limits]")
{
    auto named = [](std::size_t n) {
        return R"({"grant_types":["client_credentials"],"client_name":")" + std::string(n, 'n') + "\"}";
    };
    CHECK(ok(named(1024)));
    CHECK(kind_of(named(1025)) == error::string_too_long);
    auto scoped = [](int n) {
        std::string s = R"({"grant_types":["client_credentials"],"scope":")";
        for (int i = 0; i < n; ++i)
            s += (i ? " s" : "s") + std::to_string(i);
        return s + "\"}";
    };
    CHECK(ok(scoped(64)));
    CHECK(kind_of(scoped(65)) == error::too_many_scope_tokens);
    auto localized = [](int n) {
        std::string s = R"({"grant_types":["client_credentials"])";
        for (int i = 0; i < n; ++i)
            s += ",\"client_name#en-x-" + std::to_string(i) + "\":\"n\"";
        return s + "}";
    };
    CHECK(ok(localized(32)));
    CHECK(kind_of(localized(33)) == error::too_many_localized_values);
    auto statement = [](std::size_t n) {
        // a well-formed statement from an unknown issuer, its signature part padded to n bytes in all
        std::string head = "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJodHRwczovL3Vua25vd24uZXhhbXBsZSJ9.";
        return R"({"grant_types":["client_credentials"],"software_statement":")" + head +
               std::string(n - head.size(), 'c') + "\"}";
    };
    CHECK(kind_of(statement(16384)) == error::untrusted_software_statement); // well-formed, then judged
    CHECK(kind_of(statement(16385)) == error::string_too_long);
    auto long_name = R"({"grant_types":["client_credentials"],")" + std::string(1025, 'k') + "\":1}";
    CHECK(kind_of(long_name) == error::string_too_long);
}

TEST_CASE("limits: work grows linearly with the input, not faster", "[limits]")
{
    profile roomy;
    roomy.limits.max_body_bytes = 1 << 21; // many_objects(3200) is 1,408,044 bytes
    roomy.limits.max_members = 1 << 20;
    roomy.limits.max_array_length = 1 << 20;
    // Families of growing bodies; the last is the duplicate check's worst case:
    // objects of 64 short names each (the check is quadratic only within one object).
    auto ignored_array = [](int n) {
        std::string s = R"({"grant_types":["client_credentials"],"x":[)";
        for (int i = 0; i < n; ++i)
            s += i ? ",1" : "1";
        return s + "]}";
    };
    auto many_objects = [](int n) {
        std::string s = R"({"grant_types":["client_credentials"],"x":[)";
        for (int i = 0; i < n; ++i) {
            s += i ? ",{" : "{";
            for (int k = 0; k < 64; ++k)
                s += (k ? ",\"" : "\"") + std::to_string(k) + "\":0";
            s += "}";
        }
        return s + "]}";
    };
    // Every body is accepted: a body refused early (past max_body_bytes, say)
    // would do less work than a smaller one and hide any superlinear cost.
    auto work = [&](std::string const& body) {
        INFO("body of " << body.size() << " bytes");
        REQUIRE(body.size() <= roomy.limits.max_body_bytes);
        detail::parse_work = 0;
        auto const verdict = validate_request(body, roomy);
        INFO((verdict ? std::string() : verdict.error().description));
        REQUIRE(verdict.has_value());
        return static_cast<double>(detail::parse_work);
    };
    // marginal work per added byte, for small and for large bodies
    auto slope = [&](auto const& family, int n) {
        auto a = family(n), b = family(2 * n);
        return (work(b) - work(a)) / static_cast<double>(b.size() - a.size());
    };
    for (auto const& family :
         {std::function<std::string(int)>(ignored_array), std::function<std::string(int)>(many_objects)}) {
        double const small = slope(family, 100);
        double const large = slope(family, 1600);
        INFO("work per added byte: " << small << " from n=100 to 200, " << large << " from n=1600 to 3200");
        CHECK(small > 0);
        CHECK(large <= small * 1.05); // the same cost per byte at any size: linear
    }
    // With the default limits a single object cannot hold more than 64 names, so
    // the duplicate check costs at most 63 comparisons per name.
    detail::parse_work = 0;
    CHECK(ok(members(64)));
    CHECK(detail::parse_work < 64 * 64 + 200);
}
