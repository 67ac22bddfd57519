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
    CHECK_FALSE(o.contains("x"));          // unknown members are dropped
    CHECK_FALSE(o.contains("client_id"));  // the server sets it
}

TEST_CASE("RFC 7591 2.2: localized values are kept and echoed", "[render]")
{
    auto md = validate_request(
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
    auto md = validate_request(R"({"grant_types":["client_credentials","refresh_token","client_credentials"],)"
                               R"("jwks":{"keys":[{"kty":"EC","crv":"P-256","x":"a","y":"b"}]}})")
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
