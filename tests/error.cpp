// Tests of the error.hpp contract: enumerators map to RFC 7591 conditions.
#include <oauthreg/error.hpp>

#include "support/catch.hpp"

#include <boost/system/errc.hpp>

#include <iterator>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

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

namespace {

/** Every enumerator and the wire code RFC 7591 3.2.2 (or RFC 6749 5.2 and
    the management operations) sends for it, written out here. */
struct wire_row {
    error e;
    std::string_view wire;
};
constexpr wire_row wire_table[] = {
    {error::body_too_large, "invalid_client_metadata"},
    {error::malformed_json, "invalid_client_metadata"},
    {error::body_not_object, "invalid_client_metadata"},
    {error::duplicate_member, "invalid_client_metadata"},
    {error::nesting_too_deep, "invalid_client_metadata"},
    {error::too_many_members, "invalid_client_metadata"},
    {error::array_too_long, "invalid_client_metadata"},
    {error::string_too_long, "invalid_client_metadata"},
    {error::wrong_type, "invalid_client_metadata"},
    {error::invalid_string, "invalid_client_metadata"},
    {error::redirect_uris_wrong_type, "invalid_redirect_uri"},
    {error::redirect_uris_missing, "invalid_redirect_uri"},
    {error::too_many_redirect_uris, "invalid_redirect_uri"},
    {error::redirect_uri_too_long, "invalid_redirect_uri"},
    {error::redirect_uri_malformed, "invalid_redirect_uri"},
    {error::redirect_uri_not_absolute, "invalid_redirect_uri"},
    {error::redirect_uri_has_fragment, "invalid_redirect_uri"},
    {error::redirect_uri_has_userinfo, "invalid_redirect_uri"},
    {error::redirect_uri_has_wildcard, "invalid_redirect_uri"},
    {error::redirect_uri_forbidden_scheme, "invalid_redirect_uri"},
    {error::redirect_uri_insecure_http, "invalid_redirect_uri"},
    {error::redirect_uri_missing_host, "invalid_redirect_uri"},
    {error::redirect_uri_bad_port, "invalid_redirect_uri"},
    {error::redirect_uri_bad_private_scheme, "invalid_redirect_uri"},
    {error::unsupported_grant_type, "invalid_client_metadata"},
    {error::unsupported_response_type, "invalid_client_metadata"},
    {error::unsupported_auth_method, "invalid_client_metadata"},
    {error::empty_grant_types, "invalid_client_metadata"},
    {error::grant_response_mismatch, "invalid_client_metadata"},
    {error::public_client_credentials, "invalid_client_metadata"},
    {error::auth_method_requires_keys, "invalid_client_metadata"},
    {error::invalid_scope, "invalid_client_metadata"},
    {error::scope_not_allowed, "invalid_client_metadata"},
    {error::too_many_scope_tokens, "invalid_client_metadata"},
    {error::invalid_uri, "invalid_client_metadata"},
    {error::jwks_and_jwks_uri, "invalid_client_metadata"},
    {error::invalid_jwks, "invalid_client_metadata"},
    {error::invalid_language_tag, "invalid_client_metadata"},
    {error::too_many_localized_values, "invalid_client_metadata"},
    {error::invalid_application_type, "invalid_client_metadata"},
    {error::tls_client_auth_subject_missing, "invalid_client_metadata"},
    {error::tls_client_auth_subject_ambiguous, "invalid_client_metadata"},
    {error::tls_client_auth_subject_unexpected, "invalid_client_metadata"},
    {error::invalid_tls_client_auth_subject, "invalid_client_metadata"},
    {error::malformed_software_statement, "invalid_software_statement"},
    {error::software_statement_signature_invalid, "invalid_software_statement"},
    {error::software_statement_expired, "invalid_software_statement"},
    {error::untrusted_software_statement, "unapproved_software_statement"},
    {error::software_statement_required, "unapproved_software_statement"},
    {error::client_not_found, "not_found"},
    {error::authentication_failed, "invalid_client"},
    {error::version_conflict, "conflict"},
    {error::client_exists, "conflict"},
    {error::storage_failure, "server_error"},
    {error::malformed_operation, "invalid_request"},
    {error::invalid_cursor, "invalid_request"},
    {error::no_client_secret, "invalid_request"},
    {error::client_id_mismatch, "invalid_client_metadata"},
    {error::client_id_missing, "invalid_request"},
    {error::client_secret_mismatch, "invalid_request"},
    {error::invalid_identifier, "invalid_request"},
    {error::unknown_member, "invalid_request"},
    {error::member_missing, "invalid_client_metadata"},
    {error::invalid_client_type, "invalid_client_metadata"},
    {error::public_client_pkce, "invalid_client_metadata"},
    {error::invalid_page, "invalid_request"},
    {error::quota_exceeded, "quota_exceeded"},
    {error::invalid_initial_access_token, "invalid_client"},
    {error::anonymous_client_credentials, "invalid_client_metadata"},
    {error::invalid_client_assertion, "invalid_client"},
    {error::client_assertion_replayed, "invalid_client"},
    {error::metadata_document_unavailable, "invalid_client"},
    {error::invalid_metadata_document, "invalid_client"},
    {error::redirect_uri_not_registered, "invalid_redirect_uri"},
};

} // namespace

TEST_CASE("every error enumerator has its own message and the wire code written down for it", "[error]")
{
    // The table lists the enumerators in order, one each, up to the last.
    REQUIRE(std::size(wire_table) == static_cast<std::size_t>(detail::last_error));
    std::set<std::string> messages;
    int expected_value = 1;
    for (auto const& [e, wire] : wire_table) {
        INFO("error " << static_cast<int>(e) << ": " << make_error_code(e).message());
        CHECK(static_cast<int>(e) == expected_value++);
        std::string const message = make_error_code(e).message();
        CHECK_FALSE(message.empty());
        CHECK(message != "unknown error");
        CHECK(messages.insert(message).second); // no two enumerators read alike
        CHECK(make_error(e, "").rfc_code() == wire);
        auto const cond = make_error_code(e).default_error_condition();
        CHECK(cond.category() == condition_category());
        CHECK(to_string(static_cast<condition>(cond.value())) == wire);
    }
}

TEST_CASE("detail::last_error is the last enumerator: the value after it has no message", "[error]")
{
    auto const past = static_cast<error>(static_cast<int>(detail::last_error) + 1);
    CHECK(std::string_view(detail::message_of(past)) == "unknown error");
    CHECK(std::string_view(detail::message_of(detail::last_error)) != "unknown error");
    CHECK(std::string_view(detail::message_of(static_cast<error>(0))) == "unknown error");
}

TEST_CASE("every condition has its wire string", "[error]")
{
    constexpr std::pair<condition, std::string_view> conditions[] = {
        {condition::invalid_redirect_uri, "invalid_redirect_uri"},
        {condition::invalid_client_metadata, "invalid_client_metadata"},
        {condition::invalid_software_statement, "invalid_software_statement"},
        {condition::unapproved_software_statement, "unapproved_software_statement"},
        {condition::not_found, "not_found"},
        {condition::invalid_client, "invalid_client"},
        {condition::conflict, "conflict"},
        {condition::invalid_request, "invalid_request"},
        {condition::server_error, "server_error"},
        {condition::quota_exceeded, "quota_exceeded"}};
    for (auto const& [c, wire] : conditions) {
        CHECK(to_string(c) == wire);
        CHECK(make_error_condition(c).message() == wire);
    }
}

TEST_CASE("error_info::kind of a code from another category (a custom store's std::errc) is not one of ours", "[error]")
{
    // ENOENT is 2, the value of error::malformed_json; EINVAL 22, of error::redirect_uri_missing_host.
    for (auto foreign :
         {boost::system::error_code(std::make_error_code(std::errc::no_such_file_or_directory)),
          make_error_code(boost::system::errc::invalid_argument),
          boost::system::error_code(static_cast<int>(error::client_not_found), boost::system::generic_category())}) {
        INFO(foreign.category().name() << ":" << foreign.value());
        error_info info{foreign, "", "the store's own failure"};
        CHECK(info.kind() == error::storage_failure);
        CHECK(info.kind() != static_cast<error>(foreign.value()));
        CHECK(info.rfc_code() == "server_error");
        CHECK(info.code != condition::not_found);
    }
    error_info ours{make_error_code(error::client_not_found), "", ""};
    CHECK(ours.kind() == error::client_not_found);
}
