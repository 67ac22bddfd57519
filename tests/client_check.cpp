// The client check (client_check.hpp): resolving registered clients and Client
// ID Metadata Documents through a fetch policy, the document cache, and the
// credential and redirect URI checks, with RFC 7523 assertions signed here.
#include <oauthreg/client_check.hpp>
#include <oauthreg/registry.hpp>
#include <oauthreg/testing/catch_printing.hpp>
#include <oauthreg/testing/deterministic_rng.hpp>
#include <oauthreg/testing/fetch_double.hpp>

#include "support/catch.hpp"
#include "support/jws_signing.hpp"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

using namespace oauthreg;
using oauthreg::testing::fetch_double;
namespace ts = oauthreg::test_support;

namespace {

using test_registry = basic_registry<memory_storage_mt, deterministic_rng_for_testing_only, manual_clock>;
using directory = basic_client_directory<test_registry, fetch_double>;

constexpr char const* doc_url = "https://app.example/client.json";
constexpr char const* issuer = "https://as.example";
owner const org1{"org-1", "user-1"};

client_directory_options documents_on(std::size_t max_entries = 100)
{
    client_directory_options o;
    o.metadata_documents = true;
    o.documents.max_entries = max_entries;
    return o;
}

std::string document(std::string const& id = doc_url, std::string const& extra = "")
{
    return R"({"client_id":")" + id + R"(","redirect_uris":["https://app.example/cb","http://127.0.0.1/cb"])" +
           extra + "}";
}

ts::signer const& es256_key()
{
    static ts::signer const s = ts::es256_signer("k1");
    return s;
}

/** Claims of an assertion by `client_id` for `aud`, valid from `now` for `ttl` seconds. */
std::string claims(std::string const& client_id, unix_seconds now, std::string const& jti, std::string aud = issuer,
                   std::int64_t ttl = 120)
{
    return R"({"iss":")" + client_id + R"(","sub":")" + client_id + R"(","aud":")" + aud + R"(","jti":")" + jti +
           R"(","exp":)" + std::to_string(now + ttl) + "}";
}

client_check_request with_assertion(std::string_view id, std::string const& jwt)
{
    client_check_request q{.client_id = id, .audience = issuer};
    q.client_assertion = jwt;
    q.client_assertion_type = detail::jwt_bearer_assertion_type;
    return q;
}

std::string registered(test_registry& reg, std::string const& body, std::string* secret = nullptr)
{
    auto r = reg.register_client(body, org1);
    REQUIRE(r);
    if (secret && r->client_secret)
        *secret = std::string(std::string_view(*r->client_secret));
    return r->record.client_id;
}

} // namespace

TEST_CASE("client check: secrets of registered clients (RFC 6749 2.3.1)", "[client_check]")
{
    test_registry reg;
    directory dir(reg);
    std::string secret;
    auto const id = registered(reg, R"({"redirect_uris":["https://app.example/cb"]})", &secret);

    client_check_request q{.client_id = id, .audience = issuer};
    q.client_secret = secret;
    auto ok = dir.check(q);
    REQUIRE(ok);
    CHECK(ok->client_id == id);
    CHECK(reg.find(id)->last_used_at == reg.clock().now()); // a success is a use

    std::string const wrong = secret + "x";
    q.client_secret = wrong;
    CHECK(dir.check(q).error().code == condition::invalid_client);

    client_check_request none{.client_id = id, .audience = issuer}; // a confidential client without a credential
    CHECK(dir.check(none).error().code == condition::invalid_client);

    q.client_secret = secret; // RFC 6749 2.3: one method per request
    q.client_assertion = "a.b.c";
    CHECK(dir.check(q).error().code == condition::invalid_client);

    auto assertion = with_assertion(id, ts::make_jwt(es256_key(), claims(id, reg.clock().now(), "j1")));
    CHECK(dir.check(assertion).error().kind() == error::authentication_failed); // not its registered kind

    client_check_request unknown{.client_id = "no-such-client", .audience = issuer};
    unknown.client_secret = secret;
    CHECK(dir.check(unknown).error().code == condition::invalid_client);
}

TEST_CASE("client check: an expired secret fails (RFC 7591 3.2.1)", "[client_check]")
{
    registry_options o;
    o.profile.client_secret_lifetime = 60;
    test_registry reg(o);
    directory dir(reg);
    std::string secret;
    auto const id = registered(reg, R"({"redirect_uris":["https://app.example/cb"]})", &secret);
    client_check_request q{.client_id = id, .audience = issuer};
    q.client_secret = secret;
    CHECK(dir.check(q));
    reg.clock().advance(60);
    CHECK(dir.check(q).error().code == condition::invalid_client);
}

TEST_CASE("client check: public clients present nothing, and redirect URIs come after the credential", "[client_check]")
{
    test_registry reg;
    directory dir(reg);
    auto const id = registered(
        reg, R"({"redirect_uris":["https://app.example/cb","http://127.0.0.1/cb"],"token_endpoint_auth_method":"none"})");
    client_check_request q{.client_id = id, .audience = issuer};
    CHECK(dir.check(q));

    q.redirect_uri = "https://app.example/cb";
    CHECK(dir.check(q));
    q.redirect_uri = "http://127.0.0.1:51234/cb"; // RFC 8252 7.3: any port on a loopback redirect
    CHECK(dir.check(q));
    q.redirect_uri = "https://app.example/cb/other"; // RFC 6749 3.1.2.2: exact match
    auto bad = dir.check(q);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().kind() == error::redirect_uri_not_registered);
    CHECK(bad.error().code == condition::invalid_redirect_uri);

    q.client_secret = "anything"; // a credential of another kind: 401 before the redirect URI's 400
    CHECK(dir.check(q).error().code == condition::invalid_client);
}

TEST_CASE("client check: private_key_jwt with jwks, replay refused (RFC 7523 3)", "[client_check]")
{
    test_registry reg;
    directory dir(reg);
    auto const id = registered(reg, R"({"redirect_uris":["https://app.example/cb"],"token_endpoint_auth_method":)"
                                    R"("private_key_jwt","jwks":{"keys":[)" +
                                        es256_key().jwk + "]}}");
    auto const now = reg.clock().now();
    auto const jwt = ts::make_jwt(es256_key(), claims(id, now, "jti-1"));
    REQUIRE(dir.check(with_assertion(id, jwt)));

    auto again = dir.check(with_assertion(id, jwt)); // item 7: the same jti while it is valid
    REQUIRE_FALSE(again);
    CHECK(again.error().kind() == error::client_assertion_replayed);
    CHECK(again.error().code == condition::invalid_client);

    auto other_aud = dir.check(with_assertion(id, ts::make_jwt(es256_key(), claims(id, now, "jti-2", "https://x"))));
    CHECK(other_aud.error().kind() == error::invalid_client_assertion);

    auto q = with_assertion(id, ts::make_jwt(es256_key(), claims(id, now, "jti-3")));
    q.client_assertion_type = "urn:ietf:params:oauth:client-assertion-type:saml2-bearer";
    CHECK(dir.check(q).error().code == condition::invalid_client);
    q.client_assertion_type.reset();
    CHECK(dir.check(q).error().code == condition::invalid_client);

    client_check_request secret_instead{.client_id = id, .audience = issuer};
    secret_instead.client_secret = "guess";
    auto wrong_kind = dir.check(secret_instead); // refused for its kind, before any secret is compared
    CHECK(wrong_kind.error().kind() == error::authentication_failed);
    CHECK(wrong_kind.error().description.find("registered with private_key_jwt") != std::string::npos);
}

TEST_CASE("client check: a jwks_uri is fetched, cached, and refetched for an unknown kid once a minute",
          "[client_check]")
{
    test_registry reg;
    fetch_double fetch;
    directory dir(reg, {}, fetch);
    constexpr char const* jwks_uri = "https://app.example/jwks.json";
    auto const id = registered(reg, R"({"redirect_uris":["https://app.example/cb"],"token_endpoint_auth_method":)"
                                    R"("private_key_jwt","jwks_uri":")" +
                                        std::string(jwks_uri) + R"("})");
    auto const k1 = ts::es256_signer("k1"), k2 = ts::eddsa_signer("k2");
    fetch.serve_json(jwks_uri, R"({"keys":[)" + k1.jwk + "]}", "max-age=3600");
    auto header = [](ts::signer const& s, char const* kid) {
        return R"({"alg":")" + s.alg + R"(","kid":")" + kid + R"("})";
    };
    auto now = reg.clock().now();
    REQUIRE(dir.check(with_assertion(id, ts::make_jwt(k1, claims(id, now, "a"), header(k1, "k1")))));
    REQUIRE(dir.check(with_assertion(id, ts::make_jwt(k1, claims(id, now, "b"), header(k1, "k1")))));
    CHECK(fetch.fetches(jwks_uri) == 1); // cached

    // the client rotates to k2: the unknown kid refetches, but not within a minute of the last fetch
    fetch.serve_json(jwks_uri, R"({"keys":[)" + k2.jwk + "]}", "max-age=3600");
    auto const rotated = ts::make_jwt(k2, claims(id, now, "c"), header(k2, "k2"));
    CHECK(dir.check(with_assertion(id, rotated)).error().kind() == error::invalid_client_assertion);
    CHECK(fetch.fetches(jwks_uri) == 1);
    reg.clock().advance(60);
    now = reg.clock().now();
    REQUIRE(dir.check(with_assertion(id, ts::make_jwt(k2, claims(id, now, "d"), header(k2, "k2")))));
    CHECK(fetch.fetches(jwks_uri) == 2);

    fetch.fail(jwks_uri); // an unreachable key set is invalid_client, and no refetch storm
    reg.clock().advance(3600);
    now = reg.clock().now();
    auto down = dir.check(with_assertion(id, ts::make_jwt(k2, claims(id, now, "e"), header(k2, "k2"))));
    CHECK(down.error().kind() == error::metadata_document_unavailable);
}

TEST_CASE("client check: Client ID Metadata Documents resolve only when on", "[client_check][metadata_document]")
{
    test_registry reg;
    fetch_double fetch;
    fetch.serve_json(doc_url, document());
    directory off(reg, {}, fetch);
    CHECK(off.resolve(doc_url).error().kind() == error::client_not_found);
    CHECK(fetch.fetches(doc_url) == 0);

    directory on(reg, documents_on(), fetch);
    auto c = on.resolve(doc_url);
    REQUIRE(c);
    CHECK(c->origin == client_origin::metadata_document);
    client_check_request q{.client_id = doc_url, .audience = issuer};
    q.redirect_uri = "http://127.0.0.1:4711/cb";
    CHECK(on.check(q));
    q.redirect_uri = "https://evil.example/cb";
    CHECK(on.check(q).error().kind() == error::redirect_uri_not_registered);
    q.redirect_uri.reset();
    q.client_secret = "a-secret"; // a document client has no secret
    CHECK(on.check(q).error().code == condition::invalid_client);
    CHECK(on.match_redirect_uri(doc_url, "https://app.example/cb").value());
    CHECK(fetch.fetches(doc_url) == 1);
}

TEST_CASE("client check: documents are cached for their lifetime, errors never", "[client_check][metadata_document]")
{
    test_registry reg;
    fetch_double fetch;
    directory dir(reg, documents_on(), fetch);
    fetch.serve_json(doc_url, document(), "max-age=300");
    REQUIRE(dir.resolve(doc_url));
    reg.clock().advance(299);
    REQUIRE(dir.resolve(doc_url));
    CHECK(fetch.fetches(doc_url) == 1);
    reg.clock().advance(1);
    REQUIRE(dir.resolve(doc_url));
    CHECK(fetch.fetches(doc_url) == 2);

    constexpr char const* bad_url = "https://app.example/bad.json";
    fetch.serve_json(bad_url, document(doc_url)); // its client_id is another URL
    CHECK(dir.resolve(bad_url).error().kind() == error::invalid_metadata_document);
    CHECK(dir.resolve(bad_url).error().kind() == error::invalid_metadata_document);
    CHECK(fetch.fetches(bad_url) == 2); // never cached
    fetch.serve_json(bad_url, document(bad_url));
    CHECK(dir.resolve(bad_url)); // fixed at the source: good at once

    constexpr char const* down = "https://down.example/c";
    CHECK(dir.resolve(down).error().kind() == error::metadata_document_unavailable);
    fetch.serve_json(down, document(down));
    CHECK(dir.resolve(down));

    constexpr char const* nostore = "https://app.example/nostore.json";
    fetch.serve_json(nostore, document(nostore), "no-store");
    REQUIRE(dir.resolve(nostore));
    reg.clock().advance(59);
    REQUIRE(dir.resolve(nostore));
    CHECK(fetch.fetches(nostore) == 1); // kept for the minimum (60 s) all the same
}

TEST_CASE("client check: the document cache is bounded, least recently used out", "[client_check][metadata_document]")
{
    test_registry reg;
    fetch_double fetch;
    directory dir(reg, documents_on(2), fetch);
    std::string const a = "https://a.example/c", b = "https://b.example/c", c = "https://c.example/c";
    for (auto const& u : {a, b, c})
        fetch.serve_json(u, document(u));
    REQUIRE(dir.resolve(a));
    REQUIRE(dir.resolve(b));
    REQUIRE(dir.resolve(a)); // a is now the most recently used
    REQUIRE(dir.resolve(c)); // b goes
    REQUIRE(dir.resolve(a));
    CHECK(fetch.fetches(a) == 1);
    REQUIRE(dir.resolve(b));
    CHECK(fetch.fetches(b) == 2);
}

TEST_CASE("client check: concurrent resolutions of one URL make one fetch", "[client_check][concurrency]")
{
    test_registry reg;
    fetch_double fetch;
    directory dir(reg, documents_on(), fetch);
    fetch.serve_json(doc_url, document());
    fetch.hold();
    constexpr int n = 8;
    std::atomic<int> good{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i)
        threads.emplace_back([&] { good += dir.resolve(doc_url).has_value() ? 1 : 0; });
    while (fetch.waiting() == 0) // the leader's fetch is held
        std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(50)); // the others reach the cache and wait
    fetch.release();
    for (auto& t : threads)
        t.join();
    CHECK(good == n);
    CHECK(fetch.fetches(doc_url) == 1);
}

TEST_CASE("client check: a document client with private_key_jwt", "[client_check][metadata_document]")
{
    test_registry reg;
    fetch_double fetch;
    directory dir(reg, documents_on(), fetch);
    fetch.serve_json(doc_url, document(doc_url, R"(,"token_endpoint_auth_method":"private_key_jwt","jwks":{"keys":[)" +
                                                    es256_key().jwk + "]}"));
    auto const now = reg.clock().now();
    REQUIRE(dir.check(with_assertion(doc_url, ts::make_jwt(es256_key(), claims(doc_url, now, "x1")))));
    CHECK(dir.check(with_assertion(doc_url, ts::make_jwt(es256_key(), claims(doc_url, now, "x1")))).error().kind() ==
          error::client_assertion_replayed);
    client_check_request bare{.client_id = doc_url, .audience = issuer};
    CHECK(dir.check(bare).error().code == condition::invalid_client); // no credential for a keyed client
}
