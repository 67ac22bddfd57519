// Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document-02):
// metadata_document.hpp's URL rule and document rules, and detail/cache_lifetime.hpp.
#include <oauthreg/metadata_document.hpp>
#include <oauthreg/testing/catch_printing.hpp>

#include "support/catch.hpp"

#include <string>

using namespace oauthreg;

namespace {

constexpr char const* url = "https://app.example/oauth/client.json";

fetched_resource ok_body(std::string body)
{
    fetched_resource r;
    r.status = 200;
    r.body = std::move(body);
    return r;
}

std::string doc(std::string const& extra = "")
{
    return std::string(R"({"client_id":")") + url + R"(","client_name":"App","redirect_uris":["https://app.example/cb"])" +
           extra + "}";
}

result<client_record> read(fetched_resource const& r, std::string_view at = url)
{
    return read_metadata_document(at, r, profile::default_profile(), {}, 1700000000);
}

} // namespace

TEST_CASE("draft section 3: which client ids are Client Identifier URLs", "[metadata_document]")
{
    for (auto good : {"https://app.example/", "https://app.example/client.json", "https://app.example:8443/a/b",
                      "https://[2001:db8::1]/c", "https://app.example/a.b/..c/.d"})
        CHECK(is_client_id_url(good));
    for (auto bad : {"http://app.example/c",           // not https
                     "https://app.example",            // no path
                     "https://user@app.example/c",     // userinfo
                     "https://user:pw@app.example/c",  // userinfo
                     "https://app.example/c?x=1",      // query (the contract refuses it)
                     "https://app.example/c#f",        // fragment
                     "https://app.example/c#",         // empty fragment
                     "https://app.example/./c",        // dot segment
                     "https://app.example/a/../c",     // dot-dot segment
                     "https://app.example/a/..",       // dot-dot at the end
                     "https://app.example/a/%2e%2E/c", // encoded dot-dot (RFC 3986 6.2.2.2)
                     "https://app.example/%2e",        // encoded dot
                     "HTTPS://app.example/c",          // the scheme as sent: exact comparison
                     "https:///c",                     // no host
                     "https://app.example:/c",         // empty port
                     "0a3f5c6e-0000-4000-8000-000000000000"})
        CHECK_FALSE(is_client_id_url(bad));
    CHECK_FALSE(is_client_id_url("https://app.example/" + std::string(3000, 'a')));
}

TEST_CASE("draft section 4.1: a good document is a public client of no organization", "[metadata_document]")
{
    auto c = read(ok_body(doc()));
    REQUIRE(c);
    CHECK(c->client_id == url);
    CHECK(c->origin == client_origin::metadata_document);
    CHECK(c->owner.org_id.empty());
    CHECK(c->metadata.token_endpoint_auth_method == auth_method::none); // absent means none (section 4)
    CHECK(c->metadata.is_public());
    CHECK(c->require_pkce);
    CHECK_FALSE(c->client_secret_hash);
    CHECK(c->metadata.redirect_uris.size() == 1);
}

TEST_CASE("draft section 4.1: the document's own rules", "[metadata_document]")
{
    struct refusal {
        char const* why;
        std::string body;
        char const* field;
    };
    refusal const cases[] = {
        {"client_id other than the URL",
         R"({"client_id":"https://app.example/other.json","redirect_uris":["https://app.example/cb"]})", "client_id"},
        {"client_id absent", R"({"redirect_uris":["https://app.example/cb"]})", "client_id"},
        {"client_id differing in case only",
         R"({"client_id":"https://APP.example/oauth/client.json","redirect_uris":["https://app.example/cb"]})",
         "client_id"},
        {"client_secret", doc(R"(,"client_secret":"s3cr3t")"), "client_secret"},
        {"client_secret_expires_at", doc(R"(,"client_secret_expires_at":0)"), "client_secret_expires_at"},
        {"client_secret_basic", doc(R"(,"token_endpoint_auth_method":"client_secret_basic")"),
         "token_endpoint_auth_method"},
        {"client_secret_post", doc(R"(,"token_endpoint_auth_method":"client_secret_post")"),
         "token_endpoint_auth_method"},
        {"client_secret_jwt", doc(R"(,"token_endpoint_auth_method":"client_secret_jwt")"),
         "token_endpoint_auth_method"},
        {"client_credentials",
         doc(R"(,"grant_types":["authorization_code","client_credentials"],"token_endpoint_auth_method":)"
             R"("private_key_jwt","jwks_uri":"https://app.example/jwks")"),
         "grant_types"},
        {"a jwks_uri over http",
         doc(R"(,"token_endpoint_auth_method":"private_key_jwt","jwks_uri":"http://app.example/jwks")"), "jwks_uri"},
        {"a jwks_uri of one character", doc(R"(,"token_endpoint_auth_method":"private_key_jwt","jwks_uri":"h")"),
         "jwks_uri"},
        {"a private key in jwks",
         doc(R"(,"token_endpoint_auth_method":"private_key_jwt","jwks":{"keys":[{"kty":"OKP","crv":"Ed25519",)"
             R"("x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}]})"),
         "jwks"},
        {"an insecure redirect URI (the profile's rules too)",
         std::string(R"({"client_id":")") + url + R"(","redirect_uris":["http://app.example/cb"]})", "redirect_uris[0]"},
        {"not an object", "[1]", ""},
        {"duplicate members", doc(R"(,"client_name":"Twice")"), ""},
    };
    for (auto const& c : cases) {
        INFO(c.why);
        auto r = read(ok_body(c.body));
        REQUIRE_FALSE(r);
        CHECK(r.error().kind() == error::invalid_metadata_document);
        CHECK(r.error().code == condition::invalid_client);
        CHECK(r.error().field == c.field);
    }
}

TEST_CASE("draft sections 5 and 8.7: only a 200 within 5 KiB, unencoded, is read", "[metadata_document]")
{
    auto moved = ok_body(doc());
    moved.status = 302; // section 5: redirects are not followed
    auto r = read(moved);
    REQUIRE_FALSE(r);
    CHECK(r.error().kind() == error::metadata_document_unavailable);
    CHECK(r.error().description.find("302") != std::string::npos);

    auto gone = ok_body(doc());
    gone.status = 404;
    CHECK(read(gone).error().kind() == error::metadata_document_unavailable);

    auto zipped = ok_body(doc());
    zipped.content_encoded = true;
    CHECK(read(zipped).error().kind() == error::metadata_document_unavailable);

    // 5120 bytes exactly is read (JSON whitespace fills it); the policy's 5121st byte says "too large"
    std::string at_limit = doc();
    at_limit.insert(at_limit.size() - 1, std::string(5120 - at_limit.size(), ' '));
    REQUIRE(at_limit.size() == 5120);
    CHECK(read(ok_body(at_limit)));
    auto over = read(ok_body(at_limit + " "));
    REQUIRE_FALSE(over);
    CHECK(over.error().kind() == error::metadata_document_unavailable);
}

TEST_CASE("RFC 9110 5.6.7: the three HTTP-date forms", "[metadata_document][cache]")
{
    using detail::parse_http_date;
    CHECK(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == 784111777);
    CHECK(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT") == 784111777);
    CHECK(parse_http_date("Sun Nov  6 08:49:37 1994") == 784111777);
    CHECK(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT") == 0);
    CHECK(parse_http_date("Tue, 29 Feb 2028 23:59:59 GMT") == 1835481599);
    for (auto bad : {"0", "", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 31 Nov 1994 08:49:37 GMT",
                     "Sun, 29 Feb 2027 00:00:00 GMT", "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Xyz 1994 08:49:37 GMT",
                     "Sun,  6 Nov 1994 08:49:37 GMT"})
        CHECK_FALSE(parse_http_date(bad));
}

TEST_CASE("RFC 9111 4.2.1: a document's lifetime, clamped to the minimum and maximum", "[metadata_document][cache]")
{
    using detail::document_lifetime;
    constexpr unix_seconds now = 784111777; // Sun, 06 Nov 1994 08:49:37 GMT
    CHECK(document_lifetime("max-age=600", "", now, 60, 86400) == 600);
    CHECK(document_lifetime("public, MAX-AGE=\"900\"", "", now, 60, 86400) == 900);
    CHECK(document_lifetime("max-age=5", "", now, 60, 86400) == 60);         // the minimum
    CHECK(document_lifetime("max-age=999999", "", now, 60, 86400) == 86400); // the maximum
    CHECK(document_lifetime("max-age=99999999999999999999", "", now, 60, 1LL << 40) == 1LL << 31); // RFC 9111 1.2.2
    CHECK(document_lifetime("no-store", "", now, 60, 86400) == 60);
    CHECK(document_lifetime("no-cache, max-age=600", "", now, 60, 86400) == 60);
    CHECK(document_lifetime("max-age=0", "", now, 60, 86400) == 60);
    CHECK(document_lifetime("max-age=600, max-age=700", "", now, 60, 86400) == 60); // conflicting: stale
    CHECK(document_lifetime("max-age=ten", "", now, 60, 86400) == 60);
    // max-age wins over Expires; Expires counts from now; an invalid one is in the past (RFC 9111 5.3)
    CHECK(document_lifetime("max-age=120", "Sun, 06 Nov 1994 09:49:37 GMT", now, 60, 86400) == 120);
    CHECK(document_lifetime("", "Sun, 06 Nov 1994 09:49:37 GMT", now, 60, 86400) == 3600);
    CHECK(document_lifetime("", "Sun, 06 Nov 1994 08:00:00 GMT", now, 60, 86400) == 60);
    CHECK(document_lifetime("", "0", now, 60, 86400) == 60);
    CHECK(document_lifetime("", "", now, 60, 86400) == 60);
}
