// Tests of the error.hpp contract: enumerators map to RFC 7591 conditions.
#include <oauthreg/error.hpp>

#include "support/catch.hpp"

using namespace oauthreg;

TEST_CASE("every redirect URI error is invalid_redirect_uri (RFC 7591 3.2.2)", "[error]")
{
    for (auto e :
         {error::redirect_uris_wrong_type, error::redirect_uris_missing, error::too_many_redirect_uris,
          error::redirect_uri_too_long, error::redirect_uri_malformed, error::redirect_uri_not_absolute,
          error::redirect_uri_has_fragment, error::redirect_uri_has_userinfo, error::redirect_uri_has_wildcard,
          error::redirect_uri_forbidden_scheme, error::redirect_uri_insecure_http, error::redirect_uri_missing_host,
          error::redirect_uri_bad_port, error::redirect_uri_bad_private_scheme}) {
        INFO(make_error_code(e).message());
        CHECK(make_error_code(e) == condition::invalid_redirect_uri);
        CHECK(make_error_code(e) != condition::invalid_client_metadata);
    }
}

TEST_CASE("metadata errors are invalid_client_metadata (RFC 7591 3.2.2)", "[error]")
{
    for (auto e :
         {error::body_too_large, error::malformed_json, error::body_not_object, error::duplicate_member,
          error::nesting_too_deep, error::wrong_type, error::unsupported_grant_type, error::grant_response_mismatch,
          error::invalid_scope, error::invalid_uri, error::jwks_and_jwks_uri, error::invalid_language_tag}) {
        INFO(make_error_code(e).message());
        CHECK(make_error_code(e) == condition::invalid_client_metadata);
    }
}

TEST_CASE("software statement and management conditions", "[error]")
{
    CHECK(make_error_code(error::malformed_software_statement) == condition::invalid_software_statement);
    CHECK(make_error_code(error::untrusted_software_statement) == condition::unapproved_software_statement);
    CHECK(make_error_code(error::software_statement_required) == condition::unapproved_software_statement);
    CHECK(make_error_code(error::client_not_found) == condition::not_found);
    CHECK(make_error_code(error::authentication_failed) == condition::invalid_client);
    CHECK(make_error_code(error::version_conflict) == condition::conflict);
    CHECK(make_error_code(error::malformed_operation) == condition::invalid_request);
    CHECK(make_error_code(error::invalid_identifier) == condition::invalid_request);
}

TEST_CASE("wire strings come from one function", "[error]")
{
    CHECK(to_string(condition::invalid_redirect_uri) == "invalid_redirect_uri");
    CHECK(to_string(condition::invalid_client_metadata) == "invalid_client_metadata");
    CHECK(to_string(condition::invalid_software_statement) == "invalid_software_statement");
    CHECK(to_string(condition::unapproved_software_statement) == "unapproved_software_statement");
    auto info = make_error(error::redirect_uri_has_fragment, "redirect_uris[1]", "detail");
    CHECK(info.rfc_code() == "invalid_redirect_uri");
    CHECK(info.field == "redirect_uris[1]");
    CHECK(info.description == "redirect_uris[1]: redirect URI has a fragment: detail");
    CHECK(std::string(error_category().name()) == "oauthreg");
}

TEST_CASE("result<T>::value() throws registration_error carrying the info", "[error]")
{
    result<int> r = make_error(error::invalid_scope, "scope");
    REQUIRE_FALSE(r.has_value());
    try {
        (void)r.value();
        FAIL("value() did not throw");
    } catch (registration_error const& e) {
        CHECK(e.info().field == "scope");
        CHECK(e.code() == condition::invalid_client_metadata);
    }
}
