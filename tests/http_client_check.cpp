// `POST /oauth/client_check`, the authorization_server key role, documents on
// `GET /oauth_clients/{url}` and the RFC 8414 members they add (docs/http.md),
// through http.hpp without a socket.
#include <oauthreg/http.hpp>
#include <oauthreg/testing/deterministic_rng.hpp>
#include <oauthreg/testing/fetch_double.hpp>

#include "support/catch.hpp"
#include "support/jws_signing.hpp"

#include <boost/json/parse.hpp>

#include <string>

using namespace oauthreg;
namespace ts = oauthreg::test_support;

namespace {

using test_registry = basic_registry<memory_storage_mt, deterministic_rng_for_testing_only, manual_clock>;
using directory = basic_client_directory<test_registry, testing::fetch_double>;

constexpr char const* public_url = "https://reg.example.com";
constexpr char const* doc_url = "https://app.example/client.json";

struct fixture {
    test_registry reg{http_registry_options(public_url)};
    testing::fetch_double fetch;
    basic_http_handler<test_registry> http{reg, make_keys(), public_url};

    static api_keys make_keys()
    {
        api_keys k;
        k.add("key-a", {"org-a", "u1"});
        k.add("as-key", {}, key_role::authorization_server);
        k.add("as-key-2", {}, key_role::authorization_server, "https://as.example");
        return k;
    }

    http_response call(std::string_view method, std::string_view target, std::string_view key,
                       std::string_view body = {})
    {
        std::string const auth = key.empty() ? "" : "Bearer " + std::string(key);
        return http({.method = method,
                     .target = target,
                     .authorization = auth,
                     .content_type = body.empty() ? "" : "application/json",
                     .body = body});
    }

    http_response check(std::string const& body, std::string_view key = "as-key")
    {
        return call("POST", "/oauth/client_check", key, body);
    }

    /** A client of org-a registered over HTTP: its id and secret. */
    std::pair<std::string, std::string> register_client(std::string const& body)
    {
        auto r = call("POST", "/oauth/register", "key-a", body);
        REQUIRE(r.status == 201);
        auto const o = boost::json::parse(r.body).as_object();
        std::string secret = o.contains("client_secret") ? std::string(o.at("client_secret").as_string()) : "";
        return {std::string(o.at("client_id").as_string()), secret};
    }
};

boost::json::object body_of(http_response const& r) { return boost::json::parse(r.body).as_object(); }

std::string error_of(http_response const& r) { return std::string(body_of(r).at("error").as_string()); }

std::string document()
{
    return std::string(R"({"client_id":")") + doc_url + R"(","client_name":"App","redirect_uris":["https://app.example/cb"]})";
}

} // namespace

TEST_CASE("client check: the authorization_server role, and only there", "[http][client_check]")
{
    fixture f;
    auto const made = f.register_client(R"({"redirect_uris":["https://app.example/cb"]})");
    std::string const id = made.first, secret = made.second; // not a structured binding: lambdas capture these
    std::string const ask = R"({"client_id":")" + id + R"(","client_secret":")" + secret + R"("})";
    CHECK(f.check(ask, "key-a").status == 403);  // a management key
    CHECK(f.check(ask, "no-such").status == 401);
    CHECK(f.check(ask, "").status == 401);
    CHECK(f.call("GET", "/oauth_clients", "as-key").status == 403); // an authorization server manages nothing
    CHECK(f.call("GET", "/oauth_clients/" + id, "as-key").status == 403);
    CHECK(f.call("POST", "/oauth/register", "as-key", R"({"redirect_uris":["https://a.example/cb"]})").status == 403);
    CHECK(f.call("GET", "/oauth/client_check", "as-key").status == 404); // POST only

    auto ok = f.check(ask);
    REQUIRE(ok.status == 200);
    auto const data = body_of(ok).at("data").as_object();
    CHECK(data.at("client_id").as_string() == id);
    CHECK(data.at("token_endpoint_auth_method").as_string() == "client_secret_basic");
    CHECK(data.at("org_id").as_string() == "org-a"); // every organization's clients
}

TEST_CASE("client check: 401 invalid_client, 400 invalid_redirect_uri, 400 invalid_request", "[http][client_check]")
{
    fixture f;
    auto const made = f.register_client(R"({"redirect_uris":["https://app.example/cb"]})");
    std::string const id = made.first, secret = made.second; // not a structured binding: lambdas capture these
    auto const with = [&](std::string const& members) { return R"({"client_id":")" + id + "\"" + members + "}"; };

    auto wrong = f.check(with(R"(,"client_secret":"nope")"));
    CHECK(wrong.status == 401);
    CHECK(error_of(wrong) == "invalid_client");
    CHECK(f.check(with("")).status == 401); // a confidential client without its credential
    CHECK(f.check(R"({"client_id":"unknown","client_secret":"x"})").status == 401);
    CHECK(f.check(with(R"(,"client_secret":")" + secret + R"(","client_assertion":"a.b.c",)"
                       R"("client_assertion_type":"urn:ietf:params:oauth:client-assertion-type:jwt-bearer")"))
              .status == 401); // RFC 6749 2.3: one method

    auto good_uri = f.check(with(R"(,"client_secret":")" + secret + R"(","redirect_uri":"https://app.example/cb")"));
    CHECK(good_uri.status == 200);
    auto bad_uri = f.check(with(R"(,"client_secret":")" + secret + R"(","redirect_uri":"https://evil.example/cb")"));
    CHECK(bad_uri.status == 400);
    CHECK(error_of(bad_uri) == "invalid_redirect_uri");
    // the credential is judged first: 401 before 400
    CHECK(f.check(with(R"(,"client_secret":"nope","redirect_uri":"https://evil.example/cb")")).status == 401);

    for (auto bad : {R"([1])", R"({})", R"({"client_id":""})", R"({"client_id":7})",
                     R"({"client_id":"a","client_secret":null})", R"({"client_id":"a","client_id":"b"})", "not json"}) {
        INFO(bad);
        auto r = f.check(bad);
        CHECK(r.status == 400);
        CHECK(error_of(r) == "invalid_request");
    }
}

TEST_CASE("client check: an assertion's aud is the key's issuer, default the public URL (RFC 7523 3)",
          "[http][client_check]")
{
    fixture f;
    auto const key = ts::es256_signer("k1");
    auto const made = f.register_client(
        R"({"redirect_uris":["https://app.example/cb"],"token_endpoint_auth_method":"private_key_jwt","jwks":{"keys":[)" +
        key.jwk + "]}}");
    std::string const id = made.first;
    CHECK(made.second.empty()); // keys, no secret
    auto const assertion = [&](std::string const& aud, std::string const& jti) {
        auto const now = f.reg.clock().now();
        auto const jwt = ts::make_jwt(key, R"({"iss":")" + id + R"(","sub":")" + id + R"(","aud":")" + aud +
                                               R"(","jti":")" + jti + R"(","exp":)" + std::to_string(now + 60) + "}");
        return R"({"client_id":")" + id + R"(","client_assertion_type":)"
                                          R"("urn:ietf:params:oauth:client-assertion-type:jwt-bearer",)"
                                          R"("client_assertion":")" +
               jwt + R"("})";
    };
    CHECK(f.check(assertion(public_url, "1")).status == 200);
    CHECK(f.check(assertion(public_url, "1")).status == 401); // replayed
    CHECK(f.check(assertion("https://as.example", "2")).status == 401);
    CHECK(f.check(assertion("https://as.example", "3"), "as-key-2").status == 200);
    CHECK(f.check(assertion(public_url, "4"), "as-key-2").status == 401);
}

TEST_CASE("RFC 8414 2: the metadata says what the client check offers", "[http][client_check]")
{
    fixture f;
    auto meta = body_of(f.call("GET", "/.well-known/oauth-authorization-server", ""));
    CHECK(meta.at("token_endpoint_auth_signing_alg_values_supported") ==
          boost::json::parse(R"(["RS256","PS256","ES256","EdDSA"])"));
    CHECK_FALSE(meta.contains("client_id_metadata_document_supported"));

    client_directory_options o;
    o.metadata_documents = true;
    directory dir(f.reg, o, f.fetch);
    f.http.use_client_directory(dir);
    meta = body_of(f.call("GET", "/.well-known/oauth-authorization-server", ""));
    CHECK(meta.at("client_id_metadata_document_supported") == true);

    auto merged = f.http.merge_server_metadata(boost::json::parse(
        R"({"issuer":"https://reg.example.com","token_endpoint":"https://as.example/token",)"
        R"("registration_endpoint":"https://elsewhere.example/reg"})").as_object());
    CHECK_FALSE(merged);
    meta = body_of(f.call("GET", "/.well-known/oauth-authorization-server", ""));
    CHECK(meta.at("token_endpoint").as_string() == "https://as.example/token");
    CHECK(meta.at("registration_endpoint").as_string() == "https://reg.example.com/oauth/register"); // ours wins
    CHECK(f.http.merge_server_metadata(boost::json::parse(R"({"issuer":"https://other.example"})").as_object()));
}

TEST_CASE("Client ID Metadata Documents over HTTP: checked, and shown on GET /oauth_clients/{url}",
          "[http][client_check][metadata_document]")
{
    fixture f;
    std::string const encoded = "/oauth_clients/https%3A%2F%2Fapp.example%2Fclient.json";
    std::string const ask = std::string(R"({"client_id":")") + doc_url + R"(","redirect_uri":"https://app.example/cb"})";
    CHECK(f.check(ask).status == 401); // documents off: an unknown client
    CHECK(f.call("GET", encoded, "key-a").status == 404);

    client_directory_options o;
    o.metadata_documents = true;
    directory dir(f.reg, o, f.fetch);
    f.http.use_client_directory(dir);
    CHECK(f.check(ask).status == 401); // the document cannot be had
    CHECK(f.call("GET", encoded, "key-a").status == 502);

    f.fetch.serve_json(doc_url, document());
    auto ok = f.check(ask);
    REQUIRE(ok.status == 200);
    CHECK(body_of(ok).at("data").at("token_endpoint_auth_method").as_string() == "none");
    auto shown = f.call("GET", encoded, "key-a");
    REQUIRE(shown.status == 200);
    auto const data = body_of(shown).at("data").as_object();
    CHECK(data.at("origin").as_string() == "metadata_document");
    CHECK_FALSE(data.contains("org_id"));
    CHECK(f.fetch.fetches(doc_url) == 3); // the two failed fetches were not kept; the good one is

    constexpr char const* other = "https://app.example/bad.json";
    f.fetch.serve_json(other, document()); // its client_id is another URL
    CHECK(f.call("GET", "/oauth_clients/https%3A%2F%2Fapp.example%2Fbad.json", "key-a").status == 422);
}
