// Tests of the render.hpp contract for metadata: defaults applied, localized values echoed.
#include <oauthreg/render.hpp>

#include "support/catch.hpp"

#include <oauthreg/validate.hpp>

#include <boost/json/serialize.hpp>

using namespace oauthreg;

TEST_CASE("RFC 7591 3.2.1: normalized metadata has the defaults applied", "[render]")
{
    auto md = validate_request(R"({"redirect_uris":["https://a.example/cb"],"x":1,"client_id":"evil"})").value();
    auto o = to_json(md);
    CHECK(o.at("grant_types") == boost::json::array{"authorization_code"});
    CHECK(o.at("response_types") == boost::json::array{"code"});
    CHECK(o.at("token_endpoint_auth_method") == "client_secret_basic");
    CHECK_FALSE(o.contains("x"));         // unknown members are dropped
    CHECK_FALSE(o.contains("client_id")); // the server sets it
}

TEST_CASE("RFC 7591 2.2: localized values are kept and echoed", "[render]")
{
    auto md =
        validate_request(
            R"({"redirect_uris":["https://a.example/cb"],"client_name":"Dash","client_name#fr":"Tableau","logo_uri#de":"https://a.example/de.png"})")
            .value();
    REQUIRE(md.localized.size() == 2);
    CHECK(md.localized[0].language_tag == "fr");
    CHECK(md.localized[0].value == "Tableau");
    auto o = to_json(md);
    CHECK(o.at("client_name#fr") == "Tableau");
    CHECK(o.at("logo_uri#de") == "https://a.example/de.png");
}

TEST_CASE("RFC 7591 2: grant types are de-duplicated in order, jwks round-trips", "[render]")
{
    auto md =
        validate_request(
            R"({"grant_types":["client_credentials","refresh_token","client_credentials"],)"
            R"("jwks":{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}})")
            .value();
    auto o = to_json(md);
    CHECK(o.at("grant_types") == boost::json::array{"client_credentials", "refresh_token"});
    CHECK(o.at("response_types") == boost::json::array{});
    CHECK(o.at("jwks").at("keys").as_array().size() == 1);
    CHECK(o.at("jwks").at("keys").at(0).at("crv") == "P-256");
}

TEST_CASE("error descriptions name the field", "[render]")
{
    auto r = validate_request(R"({"redirect_uris":["https://a.example/cb","https://b.example/#x"]})");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().field == "redirect_uris[1]");
    CHECK(r.error().description.find("redirect_uris[1]") == 0);
    CHECK(r.error().description.find("fragment") != std::string::npos);
}

TEST_CASE("docs/api.md: the oauth_client record, member by member", "[render]")
{
    client_record rec;
    rec.client_id = "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e";
    rec.metadata = validate_request(R"({"redirect_uris":["https://a.example/cb"],"client_name":"Dash",)"
                                    R"("scope":"read write","grant_types":["authorization_code","refresh_token"],)"
                                    R"("logo_uri":"https://a.example/l.png","client_name#fr":"Tableau",)"
                                    R"("tos_uri":"https://a.example/tos","policy_uri":"https://a.example/p"})")
                       .value();
    rec.owner = {"org-1", "user-1"};
    rec.created_at = 1699335116;
    rec.updated_at = 1699335117;
    rec.client_secret_hash = secret_hash{};
    auto o = oauth_client(rec);
    std::vector<std::string> keys;
    for (auto const& kv : o)
        keys.emplace_back(kv.key());
    std::vector<std::string> reference = {
        "record_type",         "client_id",     "name",       "org_id",     "user_id",
        "client_type",         "require_pkce",  "created_at", "updated_at", "allowed_scopes",
        "allowed_grant_types", "redirect_uris", "logo_uri",   "tos_uri",    "policy_uri"};
    REQUIRE(keys.size() > reference.size());
    CHECK(std::vector<std::string>(keys.begin(), keys.begin() + 15) == reference);
    CHECK(o.at("record_type") == "oauth_client");
    CHECK(o.at("name") == "Dash");
    CHECK(o.at("client_type") == "confidential");
    CHECK(o.at("require_pkce") == true);
    CHECK(o.at("created_at") == "2023-11-07T05:31:56Z");
    CHECK(o.at("updated_at") == "2023-11-07T05:31:57Z");
    CHECK(o.at("allowed_scopes") == boost::json::array{"read", "write"});
    CHECK(o.at("allowed_grant_types") == boost::json::array{"authorization_code", "refresh_token"});
    CHECK(o.at("tos_uri") == "https://a.example/tos");
    CHECK(o.at("client_name#fr") == "Tableau");
    CHECK_FALSE(o.contains("client_secret"));
    CHECK(oauth_client(rec, "s3cret").at("client_secret") == "s3cret");
    auto env = with_data_envelope(o);
    CHECK(env.size() == 1);
    CHECK(env.at("data") == o);
}

TEST_CASE("oauth_client: absent optional members are left out, never null", "[render]")
{
    client_record rec;
    rec.client_id = "id-1";
    rec.metadata = validate_request(R"({"grant_types":["client_credentials"]})").value();
    auto o = oauth_client(rec);
    for (auto const& kv : o)
        CHECK_FALSE(kv.value().is_null());
    for (auto const* absent : {"name", "org_id", "user_id", "logo_uri", "tos_uri", "policy_uri", "client_secret"})
        CHECK_FALSE(o.contains(absent));
    // The lists are always there, possibly empty.
    CHECK(o.at("allowed_scopes") == boost::json::array{});
    CHECK(o.at("redirect_uris") == boost::json::array{});
    CHECK(o.at("client_type") == "confidential");
}

TEST_CASE("RFC 6901: an error's field as a JSON pointer", "[render]")
{
    CHECK(json_pointer("redirect_uris[1]") == "/redirect_uris/1");
    CHECK(json_pointer("allowed_scopes[12]") == "/allowed_scopes/12");
    CHECK(json_pointer("name") == "/name");
    CHECK(json_pointer("") == "");
    CHECK(json_pointer("a/b~c") == "/a~1b~0c"); // RFC 6901 3: '~' is ~0, '/' is ~1
    CHECK(json_pointer("x[y]") == "/x[y]");     // only a numeric index is a token of its own
    CHECK(json_pointer("client_name#fr") == "/client_name#fr");
}

TEST_CASE("errors render as RFC 7591 3.2.2 and as an errors document, from one error_info", "[render]")
{
    auto e = make_error(error::redirect_uri_has_fragment, "redirect_uris[1]", "RFC 6749 3.1.2");
    auto rfc = error_response(e);
    CHECK(rfc.size() == 2);
    CHECK(rfc.at("error") == "invalid_redirect_uri");
    CHECK(rfc.at("error_description") == e.description.c_str());
    auto doc = errors_document(e);
    REQUIRE(doc.at("errors").as_array().size() == 1);
    auto const& item = doc.at("errors").at(0).as_object();
    CHECK(item.at("code") == "invalid_redirect_uri");
    CHECK(item.at("title") == "redirect URI has a fragment");
    CHECK(item.at("detail") == e.description.c_str());
    CHECK(item.at("source").at("pointer") == "/redirect_uris/1");
    // No field: no source (absent members are left out).
    auto whole = errors_document(make_error(error::malformed_json, "", "syntax error"));
    CHECK_FALSE(whole.at("errors").at(0).as_object().contains("source"));
}

TEST_CASE("a page renders as data and meta", "[render]")
{
    client_page page;
    page.page_number = 3;
    page.page_size = 2;
    page.total_results = 5;
    page.total_pages = 3;
    page.clients.emplace_back().client_id = "id-5";
    auto o = page_response(page);
    REQUIRE(o.at("data").as_array().size() == 1);
    CHECK(o.at("data").at(0).at("client_id") == "id-5");
    CHECK(o.at("data").at(0).at("record_type") == "oauth_client");
    CHECK(o.at("meta") ==
          boost::json::object{{"page_number", 3}, {"page_size", 2}, {"total_pages", 3}, {"total_results", 5}});
}

TEST_CASE("RFC 7591 3.2.1: the registration response", "[render]")
{
    client_record rec;
    rec.client_id = "id-1";
    rec.created_at = 1700000000;
    rec.metadata = validate_request(R"({"grant_types":["client_credentials"]})").value();
    auto pub = registration_response({.record = rec});
    CHECK(pub.at("client_id") == "id-1");
    CHECK(pub.at("client_id_issued_at") == 1700000000);
    CHECK_FALSE(pub.contains("client_secret_expires_at"));
    rec.client_secret_hash = secret_hash{};
    rec.client_secret_expires_at = 1700003600;
    auto conf = registration_response({.record = rec, .client_secret = secure_string("s3cret")});
    CHECK(conf.at("client_secret") == "s3cret");
    CHECK(conf.at("client_secret_expires_at") == 1700003600);
    CHECK(conf.at("grant_types") == boost::json::array{"client_credentials"});
    CHECK_FALSE(registration_response({.record = rec}).contains("client_secret"));
}

TEST_CASE("RFC 7591 3.2.1 and RFC 7592 3: registration_response renders every credential the call made", "[render]")
{
    registration r;
    r.record.client_id = "id-1";
    r.record.metadata = validate_request(R"({"grant_types":["client_credentials"]})").value();
    r.record.client_secret_hash = secret_hash{};
    r.client_secret = secure_string("s3cret");
    r.registration_access_token = secure_string("t0ken");
    r.registration_client_uri = "https://as.example.com/register/id-1";
    auto o = registration_response(r);
    CHECK(o.at("client_id") == "id-1");
    CHECK(o.at("client_secret") == "s3cret");
    CHECK(o.at("client_secret_expires_at") == 0);
    CHECK(o.at("registration_access_token") == "t0ken");
    CHECK(o.at("registration_client_uri") == "https://as.example.com/register/id-1");
    auto stored = registration_response({.record = r.record}); // a stored record: no credential to show
    for (auto const* member : {"client_secret", "registration_access_token", "registration_client_uri"})
        CHECK_FALSE(stored.contains(member));
}

TEST_CASE("render: a jwks that does not read back is left out, never thrown", "[render][issue14]")
{
    // What main stored for "n":1e400 (Boost.JSON wrote it as Infinity), the
    // number itself, and text that is not JSON: rendering must not throw.
    for (auto const* text : {R"({"keys":[],"n":Infinity})", R"({"keys":[],"n":1e400})", "{"}) {
        INFO(text);
        client_record rec;
        rec.client_id = "id-1";
        rec.metadata = validate_request(R"({"grant_types":["client_credentials"]})").value();
        rec.metadata.jwks = text;
        boost::json::object response, record;
        REQUIRE_NOTHROW(response = registration_response({.record = rec}));
        REQUIRE_NOTHROW(record = oauth_client(rec));
        CHECK_FALSE(response.contains("jwks"));
        CHECK_FALSE(record.contains("jwks"));
        CHECK(record.at("client_id") == "id-1"); // the rest of the record is there
        CHECK(boost::json::serialize(record).find("Infinity") == std::string::npos);
    }
}

TEST_CASE("RFC 8705 2.1.2: a tls_client_auth client's certificate subject is kept and echoed", "[render]")
{
    auto md =
        validate_request(R"({"grant_types":["client_credentials"],"token_endpoint_auth_method":"tls_client_auth",)"
                         R"("tls_client_auth_subject_dn":"CN=svc,O=Example"})",
                         profile::rfc7591())
            .value();
    CHECK(md.tls_client_auth == tls_client_auth_subject::subject_dn);
    CHECK(md.tls_client_auth_value == "CN=svc,O=Example");
    CHECK(to_json(md).at("tls_client_auth_subject_dn") == "CN=svc,O=Example");
    client_record rec;
    rec.client_id = "c";
    rec.metadata = md;
    CHECK(registration_response({.record = rec}).at("tls_client_auth_subject_dn") == "CN=svc,O=Example");
    CHECK(oauth_client(rec).at("tls_client_auth_subject_dn") == "CN=svc,O=Example");
    CHECK_FALSE(to_json(validate_request(R"({"grant_types":["client_credentials"]})").value())
                    .contains("tls_client_auth_subject_dn"));
}
