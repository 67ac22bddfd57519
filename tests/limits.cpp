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

std::string padded_body(std::size_t total) // padded with whitespace: no string is past its own limit
{
    std::string head = R"({"grant_types":["client_credentials"])";
    std::string tail = "}";
    return head + std::string(total - head.size() - tail.size(), ' ') + tail;
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

namespace {

std::string with_member(std::string const& name, std::string const& value)
{
    return R"({"grant_types":["client_credentials"],")" + name + "\":" + value + "}";
}

std::string quoted(std::size_t n, char c = 'a') { return "\"" + std::string(n, c) + "\""; }

/** A body registering an Ed25519 key with these extra members (`,"m":v...`). */
std::string with_key(std::string const& extra, std::string const& beside_keys = "")
{
    return R"({"grant_types":["client_credentials"],"jwks":{"keys":[{"kty":"OKP","crv":"Ed25519",)"
           R"("x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")" +
           extra + "}]" + beside_keys + "}}";
}

error_info error_of(std::string const& body, profile const& p = profile{})
{
    auto r = validate_request(body, p);
    REQUIRE_FALSE(r.has_value());
    return r.error();
}

bool says(error_info const& e, std::string_view part) { return e.description.find(part) != std::string::npos; }

} // namespace

TEST_CASE("limits: a string in an unknown member, within the larger of max_string_length and max_uri_length",
          "[limits]")
{
    // unknown members are dropped (RFC 7591 2), not read: they may hold text or a URI
    CHECK(ok(with_member("x", quoted(2048))));
    auto e = error_of(with_member("x", quoted(2049)));
    CHECK(e.kind() == error::string_too_long);
    CHECK(e.field == "x");
    CHECK(says(e, "2048 bytes"));
    // at any depth, and split by escapes
    CHECK(kind_of(with_member("x", R"({"y":[1,)" + quoted(5000) + "]}")) == error::string_too_long);
    std::string escaped = "\"";
    for (int i = 0; i < 700; ++i)
        escaped += "\\u0061";
    CHECK(ok(with_member("x", escaped + "\"")));
    CHECK(kind_of(with_member("x", escaped + std::string(1349, 'a') + "\"")) == error::string_too_long);
    // members the server sets (RFC 7591 3.2.1) are ignored, and bounded alike
    CHECK(kind_of(with_member("client_secret", quoted(5000))) == error::string_too_long);
    profile p;
    p.limits.max_string_length = 20;
    p.limits.max_uri_length = 25;
    CHECK(ok(with_member("x", quoted(25)), p));
    CHECK(kind_of(with_member("x", quoted(26)), p) == error::string_too_long);
    p.limits.max_string_length = 30;
    CHECK(ok(with_member("x", quoted(30)), p));
    CHECK(kind_of(with_member("x", quoted(31)), p) == error::string_too_long);
}

TEST_CASE("limits: strings in jwks, within max_string_length, x5u max_uri_length, keys and certificates "
          "max_key_length (RFC 7517 4, RFC 7518 6)",
          "[limits]")
{
    CHECK(ok(with_key(R"(,"kid":)" + quoted(1024))));
    auto e = error_of(with_key(R"(,"kid":)" + quoted(5000)));
    CHECK(e.kind() == error::string_too_long);
    CHECK(e.field == "jwks");
    CHECK(says(e, "keys[0].kid is longer than the profile's max_string_length (1024 bytes)"));
    // any other string of a key or beside "keys", at any depth
    CHECK(kind_of(with_key(R"(,"use":)" + quoted(1025))) == error::string_too_long);
    CHECK(kind_of(with_key(R"(,"key_ops":["sign",)" + quoted(1025) + "]")) == error::string_too_long);
    CHECK(kind_of(with_key(R"(,"x-meta":{"a":)" + quoted(1025) + "}")) == error::string_too_long);
    CHECK(kind_of(with_key("", R"(,"note":)" + quoted(1025))) == error::string_too_long);
    CHECK(kind_of(R"({"grant_types":["client_credentials"],"jwks":{"keys":[)" + quoted(1025) + "]}}") ==
          error::string_too_long);
    // a URI, a certificate chain (RFC 7517 4.6, 4.7)
    CHECK(ok(with_key(R"(,"x5u":"https://a.example/)" + std::string(2048 - 18, 'u') + "\"")));
    CHECK(says(error_of(with_key(R"(,"x5u":"https://a.example/)" + std::string(2049 - 18, 'u') + "\"")),
               "keys[0].x5u is longer than the profile's max_uri_length"));
    CHECK(ok(with_key(R"(,"x5c":[)" + quoted(3000, 'A') + "," + quoted(16384, 'B') + "]")));
    CHECK(says(error_of(with_key(R"(,"x5c":[)" + quoted(16385, 'A') + "]")),
               "keys[0].x5c is longer than the profile's max_key_length (16384 bytes)"));
    // an RSA modulus of 16,384 bits is 2,731 bytes of base64url (RFC 7518 6.3.1.1)
    std::string const rsa = R"({"grant_types":["client_credentials"],"jwks":{"keys":[{"kty":"RSA","e":"AQAB","n":)";
    CHECK(ok(rsa + quoted(2731, 'n') + "}]}}"));
    profile p;
    p.limits.max_key_length = 2730;
    CHECK(kind_of(rsa + quoted(2731, 'n') + "}]}}", p) == error::string_too_long);
    // and the stored jwks is the one sent
    auto md = validate_request(with_key(R"(,"kid":)" + quoted(1024)));
    REQUIRE(md.has_value());
    REQUIRE(md->jwks.has_value());
    CHECK(md->jwks->find(std::string(1024, 'a')) != std::string::npos);
}
