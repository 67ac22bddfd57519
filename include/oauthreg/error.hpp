//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_ERROR_HPP
#define OAUTHREG_ERROR_HPP

#include <boost/system/error_category.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/error_condition.hpp>
#include <boost/system/result.hpp>
#include <boost/system/system_error.hpp>
#include <boost/throw_exception.hpp>

#include <string>
#include <string_view>
#include <type_traits>

namespace oauthreg {

/** Every distinct failure the engine reports.

    Each enumerator maps to exactly one @ref condition, which carries the
    wire code of RFC 7591 section 3.2.2 (or of the lookup and management
    operations). Compare an `error_code` against a condition to classify it:
    <!-- example: body; given: oauthreg::error_info info; void show_user(std::string const&); -->
    @code
    if (info.code == oauthreg::condition::invalid_redirect_uri)
        show_user(info.description);
    @endcode
*/
enum class error {
    // -- the request body (RFC 7591 section 3.1: one JSON object) -----------
    body_too_large = 1, ///< larger than limits::max_body_bytes
    malformed_json,     ///< not valid JSON (syntax, truncated, invalid UTF-8)
    body_not_object,    ///< the top-level value is not a JSON object
    duplicate_member,   ///< a member name appears twice in one object
    nesting_too_deep,   ///< deeper than limits::max_depth
    too_many_members,   ///< an object has more members than limits::max_members
    array_too_long,     ///< an array is longer than its limit
    string_too_long,    ///< a string is longer than its limit
    wrong_type,         ///< a member has the wrong JSON type
    invalid_string,     ///< empty, or holds control characters

    // -- redirect_uris (RFC 6749 3.1.2, RFC 8252, RFC 9700) ------------------
    redirect_uris_wrong_type,        ///< not an array of strings
    redirect_uris_missing,           ///< required by the grant types, absent or empty
    too_many_redirect_uris,          ///< more than limits::max_redirect_uris
    redirect_uri_too_long,           ///< longer than limits::max_uri_length
    redirect_uri_malformed,          ///< not an RFC 3986 URI
    redirect_uri_not_absolute,       ///< relative reference, no scheme
    redirect_uri_has_fragment,       ///< contains '#', even empty
    redirect_uri_has_userinfo,       ///< contains user information
    redirect_uri_has_wildcard,       ///< contains '*'
    redirect_uri_forbidden_scheme,   ///< javascript:, data:, file:, ...
    redirect_uri_insecure_http,      ///< http to a host that is not a loopback IP literal
    redirect_uri_missing_host,       ///< https or http without a host
    redirect_uri_bad_port,           ///< port out of range
    redirect_uri_bad_private_scheme, ///< a scheme that is not reverse-domain form

    // -- other client metadata (RFC 7591 section 2) --------------------------
    unsupported_grant_type,    ///< not allowed by the profile
    unsupported_response_type, ///< not allowed by the profile
    unsupported_auth_method,   ///< not allowed by the profile
    empty_grant_types,         ///< grant_types is []
    grant_response_mismatch,   ///< RFC 7591 2.1 table violated
    public_client_credentials, ///< client_credentials with auth method none
    auth_method_requires_keys, ///< private_key_jwt without jwks or jwks_uri
    invalid_scope,             ///< not RFC 6749 3.3 scope syntax
    scope_not_allowed,         ///< a scope token outside the profile allowlist
    too_many_scope_tokens,     ///< more than limits::max_scope_tokens
    invalid_uri,               ///< a client_uri, logo_uri, ... that is not an absolute http(s) URI
    jwks_and_jwks_uri,         ///< both present (RFC 7591 section 2)
    invalid_jwks,              ///< jwks is not a JWK Set
    invalid_language_tag,      ///< the tag after '#' is not BCP 47
    too_many_localized_values, ///< more than limits::max_localized_values
    invalid_application_type,  ///< neither "web" nor "native"

    // -- mutual-TLS client authentication (RFC 8705 section 2) ---------------
    tls_client_auth_subject_missing,    ///< tls_client_auth without an RFC 8705 2.1.2 subject member
    tls_client_auth_subject_ambiguous,  ///< more than one RFC 8705 2.1.2 subject member
    tls_client_auth_subject_unexpected, ///< a subject member with another auth method
    invalid_tls_client_auth_subject,    ///< a subject value of the wrong form

    // -- software statements (RFC 7591 section 2.3) ---------------------------
    malformed_software_statement,         ///< not a compact-serialized JWS with a claims set
    software_statement_signature_invalid, ///< not signed by a key of its issuer
    software_statement_expired,           ///< outside its exp / nbf / iat window
    untrusted_software_statement,         ///< no trusted issuer vouches for it
    software_statement_required,          ///< the profile requires one

    // -- lookup and management (RFC 7592) -------------------------------------
    client_not_found,       ///< no client with that id
    authentication_failed,  ///< unknown client, wrong/expired secret, public client
    version_conflict,       ///< stored version differs from the expected one
    client_exists,          ///< insert-if-absent found the id taken
    storage_failure,        ///< the storage backend failed
    malformed_operation,    ///< an `oauthreg run` line that is not a valid operation
    invalid_cursor,         ///< a list cursor that is not well-formed (cursors are not authenticated)
    no_client_secret,       ///< rotate_secret on a client that authenticates without one
    client_id_mismatch,     ///< an update body names another client_id (RFC 7592 2.2)
    client_id_missing,      ///< an RFC 7592 2.2 update body without the client's client_id
    client_secret_mismatch, ///< an RFC 7592 2.2 update body's client_secret is not the client's current one
    invalid_identifier,     ///< a client_id or owner id the store cannot hold (not UTF-8 text, or a NUL)

    // -- the record-shaped API (`oauth_client` create, partial update, pages) --
    unknown_member,      ///< a record body member the record does not have (or may not change)
    member_missing,      ///< a required record member is absent
    invalid_client_type, ///< client_type is neither "public" nor "confidential"
    public_client_pkce,  ///< require_pkce false on a public client (RFC 9700 2.1.1)
    invalid_page,        ///< a page number below 1 or a page size outside 1..250

    // -- the client lifecycle (RFC 7591 section 3: who may register) --------
    quota_exceeded,                 ///< the organization holds as many clients as it may
    invalid_initial_access_token,   ///< unknown, spent, expired or revoked (RFC 7591 3)
    anonymous_client_credentials,   ///< an anonymous registration asked for client_credentials

    // -- the client check (RFC 7523, Client ID Metadata Documents) ------------
    invalid_client_assertion,      ///< an RFC 7523 client assertion that does not verify or whose claims fail
    client_assertion_replayed,     ///< an assertion whose jti was seen from this client before its exp
    metadata_document_unavailable, ///< a client id URL whose document could not be fetched (transport, status, size)
    invalid_metadata_document,     ///< a fetched document that is not acceptable client metadata
    redirect_uri_not_registered    ///< a client check's redirect_uri is not one the client registered
    // A new enumerator goes above, with a message and a condition, and moves detail::last_error.
};

/** The wire-level error codes: what a client sees in the `error` member.

    An HTTP layer picks the status from the error alone: `body_too_large` is
    413; the body's form (`malformed_json`, `body_not_object`,
    `duplicate_member`, `nesting_too_deep`) and the condition `invalid_request`
    (an unknown record member, a bad page, ...) are 400; the other
    `invalid_client_metadata`, `invalid_redirect_uri` and software statement
    errors are 422 on the record-shaped API (400 under RFC 7591 3.2.2);
    `not_found` is 404, `conflict` 409, `invalid_client` 401, `server_error` 500. */
enum class condition {
    invalid_redirect_uri = 1,      ///< RFC 7591 section 3.2.2
    invalid_client_metadata,       ///< RFC 7591 section 3.2.2
    invalid_software_statement,    ///< RFC 7591 section 3.2.2
    unapproved_software_statement, ///< RFC 7591 section 3.2.2
    not_found,                     ///< lookup of an unknown client
    invalid_client,                ///< RFC 6749 section 5.2 (failed client authentication)
    conflict,                      ///< concurrent modification (optimistic concurrency)
    invalid_request,               ///< a malformed operation
    server_error,                  ///< the storage backend failed
    quota_exceeded                 ///< the owner may not hold more clients (403)
};

} // namespace oauthreg

namespace boost::system {
template <> struct is_error_code_enum<::oauthreg::error> : std::true_type {};
template <> struct is_error_condition_enum<::oauthreg::condition> : std::true_type {};
} // namespace boost::system

namespace oauthreg {

/** The wire string of a condition, e.g. "invalid_redirect_uri".
    @param c the condition
    @return the string RFC 7591 section 3.2.2 (or RFC 6749 section 5.2) sends */
constexpr std::string_view to_string(condition c) noexcept
{
    switch (c) {
    case condition::invalid_redirect_uri:
        return "invalid_redirect_uri";
    case condition::invalid_client_metadata:
        return "invalid_client_metadata";
    case condition::invalid_software_statement:
        return "invalid_software_statement";
    case condition::unapproved_software_statement:
        return "unapproved_software_statement";
    case condition::not_found:
        return "not_found";
    case condition::invalid_client:
        return "invalid_client";
    case condition::conflict:
        return "conflict";
    case condition::invalid_request:
        return "invalid_request";
    case condition::server_error:
        return "server_error";
    case condition::quota_exceeded:
        return "quota_exceeded";
    }
    return "server_error";
}

/** The condition an error belongs to.
    @param e the error
    @return its wire-level condition */
constexpr condition condition_of(error e) noexcept
{
    // No `default:`: -Wswitch (in -Wall) names an enumerator left out here.
    switch (e) {
    case error::redirect_uris_wrong_type:
    case error::redirect_uris_missing:
    case error::too_many_redirect_uris:
    case error::redirect_uri_too_long:
    case error::redirect_uri_malformed:
    case error::redirect_uri_not_absolute:
    case error::redirect_uri_has_fragment:
    case error::redirect_uri_has_userinfo:
    case error::redirect_uri_has_wildcard:
    case error::redirect_uri_forbidden_scheme:
    case error::redirect_uri_insecure_http:
    case error::redirect_uri_missing_host:
    case error::redirect_uri_bad_port:
    case error::redirect_uri_bad_private_scheme:
    case error::redirect_uri_not_registered:
        return condition::invalid_redirect_uri;
    case error::malformed_software_statement:
    case error::software_statement_signature_invalid:
    case error::software_statement_expired:
        return condition::invalid_software_statement;
    case error::untrusted_software_statement:
    case error::software_statement_required:
        return condition::unapproved_software_statement;
    case error::client_not_found:
        return condition::not_found;
    case error::authentication_failed:
        return condition::invalid_client;
    case error::version_conflict:
    case error::client_exists:
        return condition::conflict;
    case error::quota_exceeded:
        return condition::quota_exceeded;
    case error::invalid_initial_access_token:
        return condition::invalid_client;
    case error::anonymous_client_credentials:
        return condition::invalid_client_metadata;
    case error::invalid_client_assertion:
    case error::client_assertion_replayed:
    case error::metadata_document_unavailable:
    case error::invalid_metadata_document:
        return condition::invalid_client;
    case error::storage_failure:
        return condition::server_error;
    case error::malformed_operation:
    case error::invalid_cursor:
    case error::no_client_secret:
    case error::invalid_identifier:
    case error::client_id_missing:
    case error::client_secret_mismatch:
    case error::unknown_member:
    case error::invalid_page:
        return condition::invalid_request;
    case error::body_too_large:
    case error::malformed_json:
    case error::body_not_object:
    case error::duplicate_member:
    case error::nesting_too_deep:
    case error::too_many_members:
    case error::array_too_long:
    case error::string_too_long:
    case error::wrong_type:
    case error::invalid_string:
    case error::unsupported_grant_type:
    case error::unsupported_response_type:
    case error::unsupported_auth_method:
    case error::empty_grant_types:
    case error::grant_response_mismatch:
    case error::public_client_credentials:
    case error::auth_method_requires_keys:
    case error::invalid_scope:
    case error::scope_not_allowed:
    case error::too_many_scope_tokens:
    case error::invalid_uri:
    case error::jwks_and_jwks_uri:
    case error::invalid_jwks:
    case error::invalid_language_tag:
    case error::too_many_localized_values:
    case error::invalid_application_type:
    case error::tls_client_auth_subject_missing:
    case error::tls_client_auth_subject_ambiguous:
    case error::tls_client_auth_subject_unexpected:
    case error::invalid_tls_client_auth_subject:
    case error::client_id_mismatch:
    case error::member_missing:
    case error::invalid_client_type:
    case error::public_client_pkce:
        return condition::invalid_client_metadata;
    }
    return condition::server_error; // not an enumerator
}

namespace detail {

/** The last @ref error enumerator, so that a test can visit them all. */
inline constexpr error last_error = error::redirect_uri_not_registered;

/** The message of an error of the request body's form (RFC 7591 3.1); nullptr for any other. */
constexpr char const* body_message(error e) noexcept
{
    switch (e) {
    case error::body_too_large:
        return "request body too large";
    case error::malformed_json:
        return "request body is not valid JSON";
    case error::body_not_object:
        return "request body is not a JSON object";
    case error::duplicate_member:
        return "duplicate member name";
    case error::nesting_too_deep:
        return "JSON nesting too deep";
    case error::too_many_members:
        return "too many members in an object";
    case error::array_too_long:
        return "array too long";
    case error::string_too_long:
        return "string too long";
    case error::wrong_type:
        return "member has the wrong JSON type";
    case error::invalid_string:
        return "string is empty or holds control characters";
    default:
        return nullptr;
    }
}

/** The message of an error of redirect_uris (RFC 6749 3.1.2, RFC 8252, RFC 9700); nullptr for any other. */
constexpr char const* redirect_uri_message(error e) noexcept
{
    switch (e) {
    case error::redirect_uris_wrong_type:
        return "redirect_uris is not an array of strings";
    case error::redirect_uris_missing:
        return "redirect_uris required by the grant types";
    case error::too_many_redirect_uris:
        return "too many redirect URIs";
    case error::redirect_uri_too_long:
        return "redirect URI too long";
    case error::redirect_uri_malformed:
        return "redirect URI is not a valid URI";
    case error::redirect_uri_not_absolute:
        return "redirect URI is not absolute";
    case error::redirect_uri_has_fragment:
        return "redirect URI has a fragment";
    case error::redirect_uri_has_userinfo:
        return "redirect URI has user information";
    case error::redirect_uri_has_wildcard:
        return "redirect URI has a wildcard";
    case error::redirect_uri_forbidden_scheme:
        return "redirect URI scheme is forbidden";
    case error::redirect_uri_insecure_http:
        return "http redirect URI to a non-loopback host";
    case error::redirect_uri_missing_host:
        return "redirect URI has no host";
    case error::redirect_uri_bad_port:
        return "redirect URI port out of range";
    case error::redirect_uri_bad_private_scheme:
        return "private-use scheme not in reverse-domain form";
    default:
        return nullptr;
    }
}

/** The message of an error of the other client metadata (RFC 7591 2) and mutual-TLS subjects (RFC 8705 2); nullptr for any other. */
constexpr char const* metadata_message(error e) noexcept
{
    switch (e) {
    case error::unsupported_grant_type:
        return "grant type not supported";
    case error::unsupported_response_type:
        return "response type not supported";
    case error::unsupported_auth_method:
        return "token endpoint auth method not supported";
    case error::empty_grant_types:
        return "grant_types is empty";
    case error::grant_response_mismatch:
        return "grant_types and response_types are inconsistent";
    case error::public_client_credentials:
        return "client_credentials requires client authentication";
    case error::auth_method_requires_keys:
        return "auth method requires jwks or jwks_uri";
    case error::invalid_scope:
        return "scope is not a space-separated list of scope tokens";
    case error::scope_not_allowed:
        return "scope value not allowed";
    case error::too_many_scope_tokens:
        return "too many scope values";
    case error::invalid_uri:
        return "not an absolute http(s) URI";
    case error::jwks_and_jwks_uri:
        return "jwks and jwks_uri are mutually exclusive";
    case error::invalid_jwks:
        return "jwks is not a valid JWK Set";
    case error::invalid_language_tag:
        return "invalid language tag";
    case error::too_many_localized_values:
        return "too many localized values";
    case error::invalid_application_type:
        return "invalid application_type";
    case error::tls_client_auth_subject_missing:
        return "tls_client_auth needs exactly one certificate subject member";
    case error::tls_client_auth_subject_ambiguous:
        return "more than one certificate subject member";
    case error::tls_client_auth_subject_unexpected:
        return "a certificate subject member is only for tls_client_auth";
    case error::invalid_tls_client_auth_subject:
        return "invalid certificate subject value";
    default:
        return nullptr;
    }
}

/** The message of an error of software statements (RFC 7591 2.3); nullptr for any other. */
constexpr char const* software_statement_message(error e) noexcept
{
    switch (e) {
    case error::malformed_software_statement:
        return "software statement is not a valid JWT";
    case error::software_statement_signature_invalid:
        return "software statement signature is invalid";
    case error::software_statement_expired:
        return "software statement is not valid at this time";
    case error::untrusted_software_statement:
        return "software statement is not from a trusted issuer";
    case error::software_statement_required:
        return "a software statement is required";
    default:
        return nullptr;
    }
}

/** The message of an error of lookup and management (RFC 7592); nullptr for any other. */
constexpr char const* management_message(error e) noexcept
{
    switch (e) {
    case error::client_not_found:
        return "client not found";
    case error::authentication_failed:
        return "client authentication failed";
    case error::version_conflict:
        return "client was modified concurrently";
    case error::client_exists:
        return "client id already exists";
    case error::storage_failure:
        return "storage failure";
    case error::malformed_operation:
        return "malformed operation";
    case error::invalid_cursor:
        return "invalid list cursor";
    case error::no_client_secret:
        return "client does not authenticate with a secret";
    case error::client_id_mismatch:
        return "client_id does not match the client being updated";
    case error::client_id_missing:
        return "an update must carry the client's client_id";
    case error::client_secret_mismatch:
        return "client_secret is not the client's current secret";
    case error::invalid_identifier:
        return "id is not text the store can hold";
    default:
        return nullptr;
    }
}

/** The message of an error of the record-shaped API and the client lifecycle; nullptr for any other. */
constexpr char const* record_api_message(error e) noexcept
{
    switch (e) {
    case error::unknown_member:
        return "not a member of this request";
    case error::member_missing:
        return "required member is missing";
    case error::invalid_client_type:
        return "client_type must be public or confidential";
    case error::public_client_pkce:
        return "a public client must use PKCE";
    case error::invalid_page:
        return "invalid page number or page size";
    case error::quota_exceeded:
        return "the organization has as many clients as it may hold";
    case error::invalid_initial_access_token:
        return "the initial access token is unknown, spent, expired or revoked";
    case error::anonymous_client_credentials:
        return "an anonymous client may not use the client_credentials grant";
    default:
        return nullptr;
    }
}

/** The message of an error of the client check; nullptr for any other. */
constexpr char const* client_check_message(error e) noexcept
{
    switch (e) {
    case error::invalid_client_assertion:
        return "the client assertion is not valid";
    case error::client_assertion_replayed:
        return "the client assertion was used before";
    case error::metadata_document_unavailable:
        return "the client metadata document could not be fetched";
    case error::invalid_metadata_document:
        return "the client metadata document is not acceptable";
    case error::redirect_uri_not_registered:
        return "redirect_uri is not registered for this client";
    default:
        return nullptr;
    }
}

/** The error's message: the same text for every error_info of that error. */
constexpr char const* message_of(error e) noexcept
{
    for (auto group : {body_message, redirect_uri_message, metadata_message, software_statement_message,
                       management_message, record_api_message, client_check_message})
        if (char const* m = group(e))
            return m;
    return "unknown error";
}

class error_category_impl final : public boost::system::error_category {
public:
    constexpr error_category_impl() noexcept : boost::system::error_category(0x6f61757468726567ULL) {}
    char const* name() const noexcept override { return "oauthreg"; }
    std::string message(int ev) const override { return message_of(static_cast<error>(ev)); }
    char const* message(int ev, char*, std::size_t) const noexcept override
    {
        return message_of(static_cast<error>(ev));
    }
    boost::system::error_condition default_error_condition(int ev) const noexcept override;
};

class condition_category_impl final : public boost::system::error_category {
public:
    constexpr condition_category_impl() noexcept : boost::system::error_category(0x6f61757468636e64ULL) {}
    char const* name() const noexcept override { return "oauthreg.condition"; }
    std::string message(int ev) const override { return std::string(to_string(static_cast<condition>(ev))); }
    char const* message(int ev, char*, std::size_t) const noexcept override
    {
        return to_string(static_cast<condition>(ev)).data();
    }
};

inline constexpr error_category_impl error_category_instance{};
inline constexpr condition_category_impl condition_category_instance{};

inline boost::system::error_condition error_category_impl::default_error_condition(int ev) const noexcept
{
    return {static_cast<int>(condition_of(static_cast<error>(ev))), condition_category_instance};
}

} // namespace detail

/** The category of @ref error values.
    @return the one instance, named "oauthreg" */
inline boost::system::error_category const& error_category() noexcept { return detail::error_category_instance; }

/** The category of @ref condition values.
    @return the one instance, named "oauthreg.condition" */
inline boost::system::error_category const& condition_category() noexcept
{
    return detail::condition_category_instance;
}

/** Lets an @ref error convert to `boost::system::error_code`.
    @param e the error
    @return @p e in @ref error_category() */
inline boost::system::error_code make_error_code(error e) noexcept
{
    return {static_cast<int>(e), detail::error_category_instance};
}

/** Lets a @ref condition convert to `boost::system::error_condition`, so that
    `code == condition::invalid_redirect_uri` compares by condition.
    @param c the condition
    @return @p c in @ref condition_category() */
inline boost::system::error_condition make_error_condition(condition c) noexcept
{
    return {static_cast<int>(c), detail::condition_category_instance};
}

/** A failure as the engine reports it: the code, the offending field, and
    a human-readable reason.

    The description never contains secret material (RFC 7591 section 3.2.2
    `error_description` is meant for developers and may be logged).
*/
struct error_info {
    /** An @ref error (or a code from the storage backend). */
    boost::system::error_code code;
    std::string field;       ///< e.g. "redirect_uris[1]"; empty when not about one field
    std::string description; ///< "redirect_uris[1]: redirect URI has a fragment"

    /** @return the RFC 7591 (or management) wire code: "invalid_redirect_uri", ...;
        "server_error" for a code that is not one of ours */
    std::string_view rfc_code() const noexcept
    {
        if (code.category() == error_category())
            return to_string(condition_of(static_cast<error>(code.value())));
        return to_string(condition::server_error);
    }

    /** @return the fine-grained error when @ref code is one of ours;
        `error::storage_failure` for a code of another category (a custom
        store's own code), as @ref rfc_code answers "server_error" for it */
    error kind() const noexcept
    {
        if (code.category() == error_category())
            return static_cast<error>(code.value());
        return error::storage_failure;
    }
};

/** The exception `result<T>::value()` throws on failure. */
class registration_error : public boost::system::system_error {
public:
    /** @param info the failure it carries; its description is what() */
    explicit registration_error(error_info info)
        : boost::system::system_error(info.code, info.description), info_(std::move(info))
    {}
    /** @return the failure, with its field */
    error_info const& info() const noexcept { return info_; }

private:
    error_info info_;
};

/** Called by `result<T>::value()` on failure (found by argument-dependent lookup).
    @param e the failure
    @param loc where value() was called
    @throws registration_error always */
[[noreturn]] inline void throw_exception_from_error(error_info const& e, boost::source_location const& loc)
{
    boost::throw_with_location(registration_error(e), loc);
}

/** Every fallible operation returns this: a value or an @ref error_info. */
template <class T> using result = boost::system::result<T, error_info>;

/** Build an @ref error_info whose description is "field: message[: detail]".
    @param e the error
    @param field the offending member, e.g. "redirect_uris[1]"; empty when none
    @param detail more about this occurrence; never secret material
    @return the error_info */
[[gnu::cold]] inline error_info make_error(error e, std::string_view field, std::string_view detail = {})
{
    error_info info{make_error_code(e), std::string(field), {}};
    info.description.reserve(field.size() + detail.size() + 64);
    if (!field.empty()) {
        info.description.append(field);
        info.description.append(": ");
    }
    info.description.append(detail::message_of(e));
    if (!detail.empty()) {
        info.description.append(": ");
        info.description.append(detail);
    }
    return info;
}

} // namespace oauthreg

#endif
