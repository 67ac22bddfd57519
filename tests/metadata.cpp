// Tests of the metadata.hpp contract: wire names and the typed model.
#include <oauthreg/metadata.hpp>

#include "support/catch.hpp"

using namespace oauthreg;

TEST_CASE("RFC 7591 2: grant type names round-trip", "[metadata]")
{
    for (int i = 0; i <= static_cast<int>(grant_type::token_exchange); ++i) {
        auto g = static_cast<grant_type>(i);
        INFO(to_string(g));
        REQUIRE(parse_grant_type(to_string(g)) == g);
    }
    CHECK(to_string(grant_type::jwt_bearer) == "urn:ietf:params:oauth:grant-type:jwt-bearer");
    CHECK(to_string(grant_type::device_code) == "urn:ietf:params:oauth:grant-type:device_code");
    CHECK_FALSE(parse_grant_type("AUTHORIZATION_CODE"));
}

TEST_CASE("RFC 7591 2: auth method and response type names round-trip", "[metadata]")
{
    for (int i = 0; i <= static_cast<int>(auth_method::self_signed_tls_client_auth); ++i) {
        auto m = static_cast<auth_method>(i);
        REQUIRE(parse_auth_method(to_string(m)) == m);
    }
    CHECK(parse_response_type("code") == response_type::code);
    CHECK(parse_response_type("token") == response_type::token);
    CHECK_FALSE(parse_response_type("id_token"));
}

TEST_CASE("RFC 7591 2: which methods get a client_secret", "[metadata]")
{
    CHECK_FALSE(uses_client_secret(auth_method::none));
    CHECK(uses_client_secret(auth_method::client_secret_basic));
    CHECK(uses_client_secret(auth_method::client_secret_post));
    CHECK(uses_client_secret(auth_method::client_secret_jwt));
    CHECK_FALSE(uses_client_secret(auth_method::private_key_jwt));
    CHECK_FALSE(uses_client_secret(auth_method::tls_client_auth));
}

TEST_CASE("RFC 6749 3.3: scope_tokens splits on single spaces", "[metadata]")
{
    client_metadata md;
    CHECK(md.scope_tokens().empty());
    md.scope = "read write api:admin";
    CHECK(md.scope_tokens() == std::vector<std::string>{"read", "write", "api:admin"});
    md.token_endpoint_auth_method = auth_method::none;
    CHECK(md.is_public());
}
