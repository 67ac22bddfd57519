// Tests of the http.hpp contract (docs/http.md) without a socket: keys, order
// of checks, query parsing, media types, envelopes and statuses.
#include <oauthreg/http.hpp>

#include "support/catch.hpp"

#include <oauthreg/api_keys.hpp>
#include <oauthreg/testing/deterministic_rng.hpp>
#include <oauthreg/storage/memory.hpp>

#include <boost/json/parse.hpp>

#include <cstdint>
#include <string>

using namespace oauthreg;

namespace {

using test_registry = basic_registry<memory_storage_st, deterministic_rng_for_testing_only, manual_clock>;

constexpr char const* seed_record =
    R"({"name":"n","allowed_scopes":["admin"],"client_type":"confidential","allowed_grant_types":["client_credentials"]})";

struct fixture {
    test_registry reg{http_registry_options("https://reg.example.com/")};
    basic_http_handler<test_registry> http{reg, make_keys(), "https://reg.example.com/"};

    static api_keys make_keys()
    {
        api_keys k;
        k.add("key-a", {"org-a", "u1"});
        k.add("key-b", {"org-b", "u2"});
        return k;
    }

    http_response call(std::string_view method, std::string_view target, std::string_view key = "key-a",
                       std::string_view body = {}, std::string_view type = "application/json")
    {
        std::string const auth = key.empty() ? "" : "Bearer " + std::string(key);
        return http({.method = method, .target = target, .authorization = auth, .content_type = type, .body = body});
    }
};

std::string header(http_response const& r, std::string_view name)
{
    for (auto const& [n, v] : r.headers)
        if (n == name)
            return v;
    return {};
}

boost::json::value body(http_response const& r) { return boost::json::parse(r.body); }

} // namespace

TEST_CASE("API keys: only hashes held, every key compared in constant time", "[http][api_keys]")
{
    api_keys keys;
    keys.add("alpha", {"org-1", "u1"});
    keys.add_sha256(*api_keys::parse_sha256_hex("f44e64e75f3948e9f73f8dfa94721c4ce8cbb4f265c4790c702b2d41cfbf2753"), {"org-2", "u2"});
    keys.add("gamma", {"org-3", "u3"});
    auto const before = detail::constant_time_compares;
    auto const who = keys.authenticate("gamma");
    // RFC 6819 5.1.4.1.3 / 5.1.5.x: no early exit, so timing does not tell which key matched.
    CHECK(detail::constant_time_compares - before == 3);
    REQUIRE(who);
    CHECK(who->org_id == "org-3");
    REQUIRE(keys.authenticate("beta")); // a key given by its SHA-256 only
    CHECK(keys.authenticate("beta")->org_id == "org-2");
    CHECK_FALSE(keys.authenticate("gamm"));
    CHECK_FALSE(keys.authenticate(""));
    CHECK_FALSE(api_keys::parse_sha256_hex("abc"));
    CHECK_FALSE(api_keys::parse_sha256_hex(std::string(63, '0') + "g"));
}

TEST_CASE("RFC 6750 2.1: the bearer token of Authorization", "[http]")
{
    CHECK(detail::bearer_token("Bearer abc-._~+/=") == "abc-._~+/=");
    CHECK(detail::bearer_token("bearer   abc") == "abc"); // the scheme is case-insensitive (RFC 9110 11.1)
    CHECK(detail::bearer_token("Bearer").empty());
    CHECK(detail::bearer_token("Bearerabc").empty());
    CHECK(detail::bearer_token("Basic dXNlcjpwYXNz").empty());
    CHECK(detail::bearer_token("Bearer a b").empty());
}

TEST_CASE("RFC 9110 8.3.1: application/json with parameters, any case", "[http]")
{
    CHECK(detail::is_json_media_type("application/json"));
    CHECK(detail::is_json_media_type("Application/JSON; charset=utf-8"));
    CHECK_FALSE(detail::is_json_media_type("application/jsonx"));
    CHECK_FALSE(detail::is_json_media_type("text/plain"));
    CHECK_FALSE(detail::is_json_media_type(""));
}

TEST_CASE("RFC 3986 2.1: query names and values are percent-decoded, repeats refused", "[http]")
{
    std::vector<detail::query_param> p;
    REQUIRE_FALSE(detail::parse_query_params("page%5Bnumber%5D=2&filter[name]=a+b%21", p));
    REQUIRE(p.size() == 2);
    CHECK(p[0].name == "page[number]");
    CHECK(p[0].value == "2");
    CHECK(p[1].name == "filter[name]");
    CHECK(p[1].value == "a b!");
    CHECK(detail::parse_query_params("a=%zz", p));
    CHECK(detail::parse_query_params("a=1&a=2", p)->parameter == "a");
    CHECK(detail::parse_query_params("page%5Bsize%5D=1&page[size]=2", p)->parameter == "page[size]");
    CHECK(detail::parse_query_params("=1", p));
}

TEST_CASE("Order of checks: unknown route 404, then 401, then the rest", "[http]")
{
    fixture f;
    CHECK(f.call("GET", "/nope", "").status == 404);
    CHECK(f.call("PATCH", "/oauth_clients/x", "").status == 404);
    auto r = f.call("POST", "/oauth_clients", "", "not json", "text/plain");
    CHECK(r.status == 401);
    CHECK(header(r, "WWW-Authenticate") == "Bearer"); // RFC 6750 3.1: no error code without credentials
    r = f.call("POST", "/oauth_clients", "wrong", "not json", "text/plain");
    CHECK(r.status == 401);
    CHECK(header(r, "WWW-Authenticate") == R"(Bearer error="invalid_token")");
    CHECK(f.call("POST", "/oauth_clients", "key-a", "not json", "text/plain").status == 415);
    CHECK(f.call("POST", "/oauth_clients", "key-a", "not json").status == 400);
    CHECK(f.call("POST", "/oauth_clients", "key-a", std::string(64 * 1024 + 1, ' ')).status == 413);
    http_request over{.method = "POST", .target = "/oauth_clients", .authorization = "Bearer key-a"};
    over.body_over_limit = true;
    CHECK(f.http(over).status == 413);
}

TEST_CASE("RFC 6750 3.1: two Authorization headers are 400 invalid_request, not the first key", "[http]")
{
    fixture f;
    REQUIRE(f.call("POST", "/oauth_clients", "key-a", seed_record).status == 201);
    http_request two{.method = "GET", .target = "/oauth_clients", .authorization = "Bearer key-a"};
    two.authorization_repeated = true;
    auto r = f.http(two);
    CHECK(r.status == 400);
    CHECK(body(r).at("errors").at(0).at("code") == "invalid_request");
    CHECK(r.body.find("client_id") == std::string::npos); // nothing of org-a's listing
    CHECK(f.http.precheck(two)->status == 400);
    two.target = "/oauth/register/some-client"; // the RFC 7592 routes too, in their own envelope
    CHECK(body(f.http(two)).at("error") == "invalid_request");
    two.target = "/nope"; // the route is still checked first
    CHECK(f.http(two).status == 404);
}

TEST_CASE("Organizations: another org's client is 404 exactly like an unknown one", "[http]")
{
    fixture f;
    auto created = f.call("POST", "/oauth_clients", "key-a", seed_record);
    REQUIRE(created.status == 201);
    std::string const id(body(created).at("data").at("client_id").as_string());
    auto foreign = f.call("GET", "/oauth_clients/" + id, "key-b");
    auto unknown = f.call("GET", "/oauth_clients/00000000-0000-4000-8000-000000000000", "key-b");
    CHECK(foreign.status == 404);
    CHECK(unknown.status == 404);
    CHECK(body(foreign).at("errors").at(0).at("code") == body(unknown).at("errors").at(0).at("code"));
    // The id is in the path: no JSON pointer into a body that does not name it.
    CHECK_FALSE(body(unknown).at("errors").at(0).as_object().contains("source"));
    CHECK_FALSE(body(f.call("GET", "/oauth_clients/%ZZ", "key-b")).at("errors").at(0).as_object().contains("source"));
    CHECK(f.call("DELETE", "/oauth_clients/" + id, "key-b").status == 404);
    CHECK(f.call("GET", "/oauth_clients/" + id, "key-a").status == 200);
}

TEST_CASE("Statuses: 422 metadata on the record routes, 400 under RFC 7591 3.2.2", "[http]")
{
    fixture f;
    auto r = f.call("POST", "/oauth_clients", "key-a",
                    R"({"name":"n","allowed_scopes":["a"],"client_type":"public","allowed_grant_types":["authorization_code"],"redirect_uris":["https://a.example/cb#f"]})");
    CHECK(r.status == 422);
    CHECK(body(r).at("errors").at(0).at("source").at("pointer") == "/redirect_uris/0");
    r = f.call("POST", "/oauth/register", "key-a", R"({"redirect_uris":["https://a.example/cb#f"]})");
    CHECK(r.status == 400);
    CHECK(body(r).at("error") == "invalid_redirect_uri");
}

TEST_CASE("RFC 7592 2: a wrong token and an unknown client are the same 401", "[http]")
{
    fixture f;
    auto r = f.call("POST", "/oauth/register", "key-a", R"({"redirect_uris":["https://a.example/cb"]})");
    REQUIRE(r.status == 201);
    auto const reg = body(r).as_object();
    std::string const id(reg.at("client_id").as_string());
    std::string const token(reg.at("registration_access_token").as_string());
    CHECK(reg.at("registration_client_uri").as_string() == "https://reg.example.com/oauth/register/" + id);
    auto read = f.call("GET", "/oauth/register/" + id, token);
    CHECK(read.status == 200);
    // RFC 7592 3: a fresh token in the answer; the one presented stops working.
    std::string const fresh(body(read).at("registration_access_token").as_string());
    CHECK(fresh.size() == 43);
    CHECK(fresh != token);
    CHECK(f.call("GET", "/oauth/register/" + id, token).status == 401);
    CHECK(body(read).at("registration_client_uri") == reg.at("registration_client_uri"));
    CHECK_FALSE(body(read).as_object().contains("client_secret"));
    auto wrong = f.call("GET", "/oauth/register/" + id, "key-a");
    auto unknown = f.call("GET", "/oauth/register/00000000-0000-4000-8000-000000000000", fresh);
    CHECK(wrong.status == 401);
    CHECK(unknown.status == 401);
    CHECK(wrong.body == unknown.body);
    CHECK(f.call("DELETE", "/oauth/register/" + id, fresh).status == 204);
    CHECK(f.call("GET", "/oauth/register/" + id, fresh).status == 401);
}

TEST_CASE("RFC 8414 2, 3: issuer without a trailing slash, path-suffixed well-known", "[http]")
{
    fixture f;
    test_registry reg(http_registry_options("https://reg.example.com/tenant/"));
    basic_http_handler<test_registry> http(reg, {}, "https://reg.example.com/tenant/");
    auto r = http({.method = "GET", .target = "/.well-known/oauth-authorization-server/tenant"});
    REQUIRE(r.status == 200);
    CHECK(body(r).at("issuer") == "https://reg.example.com/tenant");
    CHECK(body(r).at("registration_endpoint") == "https://reg.example.com/tenant/oauth/register");
    CHECK(http({.method = "GET", .target = "/.well-known/oauth-authorization-server"}).status == 200);
    CHECK(http({.method = "GET", .target = "/.well-known/oauth-authorization-server/other"}).status == 404);
    CHECK(f.call("GET", "/.well-known/oauth-authorization-server", "").status == 200);
}

TEST_CASE("Paging: bad, unknown and repeated parameters are 400 naming the parameter", "[http]")
{
    fixture f;
    for (char const* q : {"page[number]=0", "page[size]=251", "page[number]=x", "sort=name", "page[size]=1&page[size]=2",
                          "page[number]=%zz", "filter[client_type]=other"}) {
        auto r = f.call("GET", std::string("/oauth_clients?") + q);
        CAPTURE(q);
        CHECK(r.status == 400);
        CHECK(body(r).at("errors").at(0).at("code") == "invalid_request");
    }
    auto r = f.call("GET", "/oauth_clients?sort=name");
    CHECK(body(r).at("errors").at(0).at("source").at("parameter") == "sort");
    r = f.call("GET", "/oauth_clients?page%5Bnumber%5D=3&page%5Bsize%5D=5");
    REQUIRE(r.status == 200);
    CHECK(body(r).at("meta").at("page_number") == 3);
    CHECK(body(r).at("data").as_array().empty());
}

TEST_CASE("Paging: a page number past the end is an empty page with true meta, up to 2^53 - 1 (RFC 7493 2.2)",
          "[http]")
{
    fixture f;
    REQUIRE(f.call("POST", "/oauth_clients", "key-a", seed_record).status == 201);
    for (std::uint64_t const n : {std::uint64_t{100000001}, std::uint64_t{9007199254740991}}) {
        CAPTURE(n);
        auto r = f.call("GET", "/oauth_clients?page[size]=250&page[number]=" + std::to_string(n));
        REQUIRE(r.status == 200);
        CHECK(body(r).at("data").as_array().empty());
        CHECK(body(r).at("meta").at("page_number") == n); // the number asked for, exactly
        CHECK(body(r).at("meta").at("total_results") == 1);
        CHECK(body(r).at("meta").at("total_pages") == 1);
    }
    // Past what every JSON reader holds exactly: refused rather than echoed wrong.
    for (std::string const n : {"9007199254740992", "18446744073709551615", "99999999999999999999999999999"}) {
        CAPTURE(n);
        CHECK(f.call("GET", "/oauth_clients?page[size]=250&page[number]=" + n).status == 400);
    }
    CHECK(f.call("GET", "/oauth_clients?page[number]=0000000000001").status == 200);
    CHECK(f.call("GET", "/oauth_clients?page[size]=99999999999999999999999").status == 400);
}

TEST_CASE("RFC 9110 10.1.1: precheck answers from the head alone, before any body", "[http]")
{
    fixture f;
    auto head = [](std::string_view target, std::string_view auth, std::string_view method = "POST") {
        return http_request{.method = method, .target = target, .authorization = auth};
    };
    CHECK(f.http.precheck(head("/nowhere", "Bearer key-a"))->status == 404);
    CHECK(f.http.precheck(head("/oauth_clients", ""))->status == 401);
    CHECK(f.http.precheck(head("/oauth/register/x", "Bearer key-a", "PUT"))->status == 401); // an API key is no RFC 7592 token
    CHECK_FALSE(f.http.precheck(head("/oauth_clients", "Bearer key-a")));
    auto over = head("/oauth_clients", "Bearer key-a");
    over.body_over_limit = true;
    CHECK(f.http.precheck(over)->status == 413);
}
