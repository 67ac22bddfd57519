//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_METADATA_HPP
#define OAUTHREG_METADATA_HPP

#include <oauthreg/optional_string.hpp>
#include <oauthreg/string_list.hpp>

#include <boost/container/static_vector.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace oauthreg {

/** OAuth 2.0 grant types.

    @par Specification
    RFC 7591 section 2 (`grant_types`), RFC 8628 (device code),
    RFC 8693 (token exchange).
*/
enum class grant_type : std::uint8_t {
    authorization_code,
    implicit,
    password,
    client_credentials,
    refresh_token,
    jwt_bearer,    ///< urn:ietf:params:oauth:grant-type:jwt-bearer (RFC 7523)
    saml2_bearer,  ///< urn:ietf:params:oauth:grant-type:saml2-bearer (RFC 7522)
    device_code,   ///< urn:ietf:params:oauth:grant-type:device_code (RFC 8628)
    token_exchange ///< urn:ietf:params:oauth:grant-type:token-exchange (RFC 8693)
};

/** OAuth 2.0 response types (RFC 7591 section 2, `response_types`). */
enum class response_type : std::uint8_t { code, token };

/** Token endpoint authentication methods.

    @par Specification
    RFC 7591 section 2 (`token_endpoint_auth_method`), RFC 7523 section 2.2
    (`private_key_jwt`, `client_secret_jwt`), RFC 8705 section 2
    (`tls_client_auth`, `self_signed_tls_client_auth`).
*/
enum class auth_method : std::uint8_t {
    none,
    client_secret_basic,
    client_secret_post,
    client_secret_jwt,
    private_key_jwt,
    tls_client_auth,
    self_signed_tls_client_auth
};

/** OpenID Connect Dynamic Client Registration 1.0 section 2 `application_type`. */
enum class application_type : std::uint8_t { web, native };

/** The RFC 8705 2.1.2 members, one of which a `tls_client_auth` client
    registers: the certificate subject value the server expects. */
enum class tls_client_auth_subject : std::uint8_t { subject_dn, san_dns, san_uri, san_ip, san_email };

/** The human-readable members that may carry a language tag (RFC 7591 2.2). */
enum class localizable : std::uint8_t { client_name, client_uri, logo_uri, tos_uri, policy_uri };

namespace detail {
template <class E, std::size_t N> struct name_table {
    std::array<std::string_view, N> names;
    constexpr std::string_view name(E e) const noexcept
    {
        auto i = static_cast<std::size_t>(e);
        return i < N ? names[i] : std::string_view{};
    }
    constexpr std::optional<E> find(std::string_view s) const noexcept
    {
        for (std::size_t i = 0; i < N; ++i)
            if (names[i] == s)
                return static_cast<E>(i);
        return std::nullopt;
    }
};

inline constexpr name_table<grant_type, 9> grant_type_names{
    {"authorization_code", "implicit", "password", "client_credentials", "refresh_token",
     "urn:ietf:params:oauth:grant-type:jwt-bearer", "urn:ietf:params:oauth:grant-type:saml2-bearer",
     "urn:ietf:params:oauth:grant-type:device_code", "urn:ietf:params:oauth:grant-type:token-exchange"}};
inline constexpr name_table<response_type, 2> response_type_names{{"code", "token"}};
inline constexpr name_table<auth_method, 7> auth_method_names{{"none", "client_secret_basic", "client_secret_post",
                                                               "client_secret_jwt", "private_key_jwt",
                                                               "tls_client_auth", "self_signed_tls_client_auth"}};
inline constexpr name_table<application_type, 2> application_type_names{{"web", "native"}};
inline constexpr name_table<tls_client_auth_subject, 5> tls_client_auth_subject_names{
    {"tls_client_auth_subject_dn", "tls_client_auth_san_dns", "tls_client_auth_san_uri", "tls_client_auth_san_ip",
     "tls_client_auth_san_email"}};
inline constexpr name_table<localizable, 5> localizable_names{
    {"client_name", "client_uri", "logo_uri", "tos_uri", "policy_uri"}};
} // namespace detail

// clang-format off
/** @name Wire names
    @{ */
/** The registered name of a value, as it appears on the wire.
    @param v the value
    @return its name, e.g. "authorization_code" */
constexpr std::string_view to_string(grant_type v) noexcept { return detail::grant_type_names.name(v); }
constexpr std::string_view to_string(response_type v) noexcept { return detail::response_type_names.name(v); }
constexpr std::string_view to_string(auth_method v) noexcept { return detail::auth_method_names.name(v); }
constexpr std::string_view to_string(application_type v) noexcept { return detail::application_type_names.name(v); }
constexpr std::string_view to_string(localizable v) noexcept { return detail::localizable_names.name(v); }
constexpr std::string_view to_string(tls_client_auth_subject v) noexcept { return detail::tls_client_auth_subject_names.name(v); }
/** @} */

/** @name Parsing wire names
    @{ */
/** The value registered under a wire name; case-sensitive, as RFC 7591 compares them.
    @param s the name
    @return the value, or nullopt for a name not registered */
constexpr std::optional<grant_type> parse_grant_type(std::string_view s) noexcept { return detail::grant_type_names.find(s); }
constexpr std::optional<response_type> parse_response_type(std::string_view s) noexcept { return detail::response_type_names.find(s); }
constexpr std::optional<auth_method> parse_auth_method(std::string_view s) noexcept { return detail::auth_method_names.find(s); }
constexpr std::optional<application_type> parse_application_type(std::string_view s) noexcept { return detail::application_type_names.find(s); }
/** @} */
// clang-format on

/** Whether clients using this method are issued a `client_secret`.
    `none` makes a public client; key- and certificate-based methods need no secret.
    @param m the token endpoint authentication method
    @return true for client_secret_basic, client_secret_post and client_secret_jwt */
constexpr bool uses_client_secret(auth_method m) noexcept
{
    return m == auth_method::client_secret_basic || m == auth_method::client_secret_post ||
           m == auth_method::client_secret_jwt;
}

/** The grant types of a client, in request order, each at most once: held
    inline (no allocation), room for every grant type there is. */
using grant_type_list = boost::container::static_vector<grant_type, detail::grant_type_names.names.size()>;

/** The response types of a client, in request order, each at most once, inline. */
using response_type_list = boost::container::static_vector<response_type, detail::response_type_names.names.size()>;

namespace detail {
/** Adds `v` to a grant or response type list unless it is there already: a
    repeated value adds nothing, and each list has room for every value once,
    so this never overflows it. Every filling of a stored list goes through it. */
template <class List, class E> void add_once(List& list, E v)
{
    if (std::find(list.begin(), list.end(), v) == list.end())
        list.push_back(v);
}

/** Calls `f` on each token of a scope string split on single spaces
    (RFC 6749 3.3), in order, while it returns true.
    @return false when `f` stopped the walk */
template <class F> constexpr bool each_scope_token(std::string_view s, F&& f)
{
    while (!s.empty()) {
        auto const sp = s.find(' ');
        if (!f(s.substr(0, sp)))
            return false;
        if (sp == std::string_view::npos)
            break;
        s.remove_prefix(sp + 1);
    }
    return true;
}
} // namespace detail

/** A localized value of a human-readable member, e.g. `client_name#fr`. */
struct localized_value {
    localizable member{};     ///< which member, e.g. client_name
    std::string language_tag; ///< as sent, e.g. "ja-Jpan-JP"
    std::string value;        ///< the member's value in that language
    friend bool operator==(localized_value const&, localized_value const&) = default; ///< member by member
};

/** The validated, normalized client metadata of RFC 7591 section 2.

    Defaults are applied: `grant_types`, `response_types` and
    `token_endpoint_auth_method` are always set after validation. A stored
    client holds one of these, so its layout is kept small: a string is held
    in place up to 31 bytes and absent when empty (@ref optional_string), the
    grant and response types are inline, and each list of strings is one
    allocation (@ref string_list).
*/
struct client_metadata {
    string_list redirect_uris;              ///< in request order, as sent
    grant_type_list grant_types;            ///< default: authorization_code
    response_type_list response_types;      ///< default: code
    /** Default: client_secret_basic. */
    auth_method token_endpoint_auth_method = auth_method::client_secret_basic;
    std::optional<application_type> app_type; ///< OpenID Connect `application_type`
    /** Which RFC 8705 2.1.2 member a `tls_client_auth` client registered; its value is tls_client_auth_value. */
    std::optional<tls_client_auth_subject> tls_client_auth;
    optional_string client_name;              ///< human-readable name (default language)
    optional_string client_uri;               ///< the client's home page
    optional_string logo_uri;                 ///< the client's logo
    optional_string scope;                    ///< space-separated scope values (RFC 6749 3.3)
    string_list contacts;                     ///< people responsible for the client, usually e-mail addresses
    optional_string tos_uri;                  ///< terms of service
    optional_string policy_uri;               ///< privacy policy
    optional_string jwks_uri;                 ///< where the client's JWK Set is published
    optional_string jwks;                     ///< the JWK Set, as compact JSON text
    optional_string software_id;              ///< identifies the client software across instances
    optional_string software_version;         ///< the version of that software
    optional_string software_statement;       ///< returned unmodified (RFC 7591 3.2.1)
    optional_string tls_client_auth_value;    ///< the expected certificate subject (RFC 8705 2.1.2)
    std::vector<localized_value> localized;   ///< in request order

    /** @return whether this is a public client: no secret, PKCE required (RFC 7591 2, RFC 9700 2.1.1) */
    bool is_public() const noexcept { return token_endpoint_auth_method == auth_method::none; }

    /** @param g a grant type
        @return whether @ref grant_types holds @p g */
    bool has_grant(grant_type g) const noexcept
    {
        for (auto x : grant_types)
            if (x == g)
                return true;
        return false;
    }

    /** @return the scope string split on spaces (RFC 6749 3.3); empty without a scope */
    std::vector<std::string> scope_tokens() const
    {
        std::vector<std::string> out;
        detail::each_scope_token(*scope, [&](std::string_view t) {
            out.emplace_back(t);
            return true;
        });
        return out;
    }

    friend bool operator==(client_metadata const&, client_metadata const&) = default; ///< member by member
};

} // namespace oauthreg

#endif
