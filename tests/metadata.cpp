// Tests of the metadata.hpp contract: wire names and the typed model.
#include <oauthreg/metadata.hpp>

#include "support/catch.hpp"

#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>

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

// The registered names, spelled here as RFC 7591 2 and the IANA "OAuth
// Dynamic Client Registration Metadata" / "OAuth Token Endpoint
// Authentication Methods" registries spell them, not taken from the code.
namespace {

template <class E> using names_of = std::pair<E, std::string_view>;

/** Each value's wire name is the one written in `names`, `parse` (when given)
    reads it back, and the value after the last has none: the table lists
    every enumerator. */
template <class E, std::size_t N, class Parse = std::nullptr_t>
void check_registered_names(names_of<E> const (&names)[N], Parse parse = nullptr)
{
    for (auto const& [e, name] : names) {
        CHECK(to_string(e) == name);
        if constexpr (!std::is_null_pointer_v<Parse>)
            CHECK(parse(name) == e);
    }
    CHECK(to_string(static_cast<E>(N)).empty());
}

} // namespace

TEST_CASE("RFC 7591 2: grant type names are the registered spellings", "[metadata]")
{
    constexpr names_of<grant_type> names[] = {
        {grant_type::authorization_code, "authorization_code"},
        {grant_type::implicit, "implicit"},
        {grant_type::password, "password"},
        {grant_type::client_credentials, "client_credentials"},
        {grant_type::refresh_token, "refresh_token"},
        {grant_type::jwt_bearer, "urn:ietf:params:oauth:grant-type:jwt-bearer"},          // RFC 7523 2.1
        {grant_type::saml2_bearer, "urn:ietf:params:oauth:grant-type:saml2-bearer"},      // RFC 7522 2.1
        {grant_type::device_code, "urn:ietf:params:oauth:grant-type:device_code"},        // RFC 8628 3.4
        {grant_type::token_exchange, "urn:ietf:params:oauth:grant-type:token-exchange"}}; // RFC 8693 2.1
    check_registered_names(names, [](std::string_view s) { return parse_grant_type(s); });
}

TEST_CASE("RFC 7591 2: response type names are the registered spellings", "[metadata]")
{
    constexpr names_of<response_type> names[] = {{response_type::code, "code"}, {response_type::token, "token"}};
    check_registered_names(names, [](std::string_view s) { return parse_response_type(s); });
}

TEST_CASE("RFC 7591 2, RFC 8705 2: token endpoint auth method names are the registered spellings", "[metadata]")
{
    constexpr names_of<auth_method> names[] = {
        {auth_method::none, "none"},
        {auth_method::client_secret_basic, "client_secret_basic"},
        {auth_method::client_secret_post, "client_secret_post"},
        {auth_method::client_secret_jwt, "client_secret_jwt"}, // RFC 7523 2.2, OpenID Connect Core 9
        {auth_method::private_key_jwt, "private_key_jwt"},
        {auth_method::tls_client_auth, "tls_client_auth"},                          // RFC 8705 2.1.1
        {auth_method::self_signed_tls_client_auth, "self_signed_tls_client_auth"}}; // RFC 8705 2.2.1
    check_registered_names(names, [](std::string_view s) { return parse_auth_method(s); });
}

TEST_CASE("OpenID Connect Registration 2, RFC 8705 2.1.2, RFC 7591 2.2: the other registered names", "[metadata]")
{
    constexpr names_of<application_type> app_types[] = {{application_type::web, "web"},
                                                        {application_type::native, "native"}};
    check_registered_names(app_types, [](std::string_view s) { return parse_application_type(s); });
    constexpr names_of<tls_client_auth_subject> subjects[] = {
        {tls_client_auth_subject::subject_dn, "tls_client_auth_subject_dn"},
        {tls_client_auth_subject::san_dns, "tls_client_auth_san_dns"},
        {tls_client_auth_subject::san_uri, "tls_client_auth_san_uri"},
        {tls_client_auth_subject::san_ip, "tls_client_auth_san_ip"},
        {tls_client_auth_subject::san_email, "tls_client_auth_san_email"}};
    check_registered_names(subjects);
    constexpr names_of<localizable> localized[] = {{localizable::client_name, "client_name"},
                                                   {localizable::client_uri, "client_uri"},
                                                   {localizable::logo_uri, "logo_uri"},
                                                   {localizable::tos_uri, "tos_uri"},
                                                   {localizable::policy_uri, "policy_uri"}};
    check_registered_names(localized);
}
