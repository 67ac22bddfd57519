//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_PROFILE_HPP
#define OAUTHREG_PROFILE_HPP

#include <oauthreg/metadata.hpp>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace oauthreg {

/** A small set of enumerators, one bit each. */
template <class E> class enum_set {
public:
    constexpr enum_set() noexcept = default; ///< the empty set
    /** @param values the enumerators in the set */
    constexpr enum_set(std::initializer_list<E> values) noexcept
    {
        for (E v : values)
            insert(v);
    }
    /** @param v the enumerator to add */
    constexpr void insert(E v) noexcept { bits_ |= bit(v); }
    /** @param v the enumerator to remove */
    constexpr void erase(E v) noexcept { bits_ &= ~bit(v); }
    /** @param v an enumerator @return whether @p v is in the set */
    constexpr bool contains(E v) const noexcept { return (bits_ & bit(v)) != 0; }
    /** @return whether the set is empty */
    constexpr bool empty() const noexcept { return bits_ == 0; }
    friend constexpr bool operator==(enum_set, enum_set) noexcept = default; ///< the same enumerators

private:
    static constexpr std::uint32_t bit(E v) noexcept { return std::uint32_t{1} << static_cast<unsigned>(v); }
    std::uint32_t bits_ = 0;
};

/** Abuse limits. Every input the engine reads is bounded by one of these.

    The defaults admit every realistic registration (the benchmark corpus'
    largest request is 1.2 KB) while bounding work and memory per request.
*/
struct limits {
    std::size_t max_body_bytes = 64 * 1024;         ///< the whole request body
    std::size_t max_depth = 8;                      ///< JSON nesting, the top-level object is depth 1
    std::size_t max_members = 64;                   ///< members of any one object
    std::size_t max_array_length = 64;              ///< elements of any one array (grant_types, contacts, keys, ...)
    std::size_t max_redirect_uris = 32;             ///< elements of redirect_uris
    std::size_t max_uri_length = 2048;              ///< any URI
    std::size_t max_string_length = 1024;           ///< names, contacts, scope, member names, ... (docs/profile.md)
    std::size_t max_scope_tokens = 64;              ///< tokens in scope
    std::size_t max_localized_values = 32;          ///< members such as client_name#fr
    std::size_t max_software_statement = 16 * 1024; ///< bytes of software_statement
    std::size_t max_key_length = 16 * 1024;         ///< a key or certificate in jwks: n, e, x, y, each x5c element
    friend bool operator==(limits const&, limits const&) = default; ///< member by member
};

/** Which redirect URIs a profile accepts (RFC 6749 3.1.2, RFC 8252, RFC 9700 2.1). */
struct redirect_uri_rules {
    bool allow_loopback_http = true;      ///< http://127.0.0.1 and http://[::1], RFC 8252 7.3
    bool allow_private_use_scheme = true; ///< com.example.app:/cb, RFC 8252 7.1
    friend bool operator==(redirect_uri_rules const&, redirect_uri_rules const&) = default; ///< member by member
};

/** An issuer whose software statements this server trusts (RFC 7591 2.3). */
struct trusted_issuer {
    std::string iss;                          ///< the statement's "iss" claim must equal this
    std::string jwks;                         ///< its JWK Set (RFC 7517 5), as JSON text
    std::vector<std::string> required_claims; ///< claims its statements must carry
    friend bool operator==(trusted_issuer const&, trusted_issuer const&) = default; ///< member by member
};

/** How software statements are judged (RFC 7591 2.3, 3.1.1). */
struct software_statement_rules {
    std::vector<trusted_issuer> trusted_issuers; ///< none: every statement is unapproved
    std::int64_t clock_skew = 60;                ///< seconds of leeway for "exp", "nbf" and "iat"
    /// member by member
    friend bool operator==(software_statement_rules const&, software_statement_rules const&) = default;
};

/** A validation profile: what this server allows clients to register.

    A runtime value, so one binary can serve several policies. Two presets:
    @ref profile::default_profile, the reference API (three grant types,
    three auth methods, response type `code`), and @ref profile::rfc7591,
    every grant type and auth method that RFC 7591 and its companions define
    and RFC 9700 still permits.
*/
struct profile {
    std::string name = "default"; ///< how `--profile` and by_name() call it
    /** The grant types clients may register (RFC 7591 2). */
    enum_set<grant_type> grant_types{grant_type::authorization_code, grant_type::client_credentials,
                                     grant_type::refresh_token};
    enum_set<response_type> response_types{response_type::code}; ///< the response types clients may register
    /** The token endpoint authentication methods clients may register (RFC 7591 2):
        a secret, none (public), or keys (RFC 7523 2.2, which the client check verifies). */
    enum_set<auth_method> auth_methods{auth_method::none, auth_method::client_secret_basic,
                                       auth_method::client_secret_post, auth_method::private_key_jwt};
    redirect_uri_rules redirect_uris{}; ///< which redirect URIs are accepted

    /** When set, every scope token must be one of these (RFC 7591 section 2: the
        server MAY reject or replace requested scope values). */
    std::optional<std::unordered_set<std::string>> scope_allowlist;

    /** Confidential clients with the code grant must use PKCE too (RFC 9700 2.1.1).
        Public clients always must. */
    bool require_pkce_for_confidential = true;

    /** Seconds until an issued secret expires; 0 means never (RFC 7591 3.2.1). */
    std::int64_t client_secret_lifetime = 0;

    /** Reject requests without a software statement (RFC 7591 section 2.3). */
    bool require_software_statement = false;

    /** Trusted issuers of software statements; none by default, so every
        statement is unapproved until the host names an issuer. */
    software_statement_rules software_statements{};

    oauthreg::limits limits{}; ///< bounds on every input

    /** @return the reference API's profile: the defaults of every member */
    static profile default_profile() { return profile{}; }

    /** Everything RFC 7591 and its extensions register, minus what RFC 9700
        forbids: the password grant (RFC 9700 2.4, MUST NOT) and the implicit
        grant with response type `token` (RFC 9700 2.1.2, SHOULD NOT).
        @return that profile, named "rfc7591" */
    static profile rfc7591()
    {
        profile p;
        p.name = "rfc7591";
        p.grant_types = {grant_type::authorization_code, grant_type::client_credentials, grant_type::refresh_token,
                         grant_type::jwt_bearer,         grant_type::saml2_bearer,       grant_type::device_code,
                         grant_type::token_exchange};
        p.auth_methods = {auth_method::none,
                          auth_method::client_secret_basic,
                          auth_method::client_secret_post,
                          auth_method::client_secret_jwt,
                          auth_method::private_key_jwt,
                          auth_method::tls_client_auth,
                          auth_method::self_signed_tls_client_auth};
        return p;
    }

    /** A preset by name.
        @param n "default" or "rfc7591"
        @return the preset, or nullopt for another name */
    static std::optional<profile> by_name(std::string_view n)
    {
        if (n == "default")
            return default_profile();
        if (n == "rfc7591")
            return rfc7591();
        return std::nullopt;
    }
};

} // namespace oauthreg

#endif
