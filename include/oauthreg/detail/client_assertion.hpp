//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_DETAIL_CLIENT_ASSERTION_HPP
#define OAUTHREG_DETAIL_CLIENT_ASSERTION_HPP

// RFC 7523 client assertions (`private_key_jwt`, RFC 7523 2.2 and 3): a JWT
// the client signs with one of its registered keys. Only the verification
// and the claims are here; fetching a `jwks_uri` and remembering the `jti`
// (storage/assertion_replay.hpp) are the caller's.

#include <oauthreg/clock.hpp>
#include <oauthreg/config.hpp>
#include <oauthreg/error.hpp>

#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace oauthreg::detail {

/** The `client_assertion_type` of a JWT client assertion (RFC 7523 2.2). */
inline constexpr std::string_view jwt_bearer_assertion_type = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/** The longest client assertion read, in bytes; a longer one is refused
    before anything is decoded. */
inline constexpr std::size_t max_client_assertion_bytes = 8192;

/** The field of every client assertion error, but the unknown "kid" one. */
inline constexpr std::string_view client_assertion_field = "client_assertion";

/** The field of the one error that says the header's "kid" names no key of
    the set given: the caller may then refetch the client's `jwks_uri` (at
    most once a minute) and verify again. See is_unknown_kid. */
inline constexpr std::string_view client_assertion_kid_field = "client_assertion.kid";

/** A client assertion that verified: its `jti` and `exp`, for the replay
    store (remember the pair (client id, jti) until `expires_at`). */
struct verified_assertion {
    std::string jti;
    unix_seconds expires_at;
};

/** The longest "jti" accepted: what a replay store must hold (the same
    bound as storage/assertion_replay.hpp's max_assertion_id_bytes, which
    client_check.hpp asserts; detail/ does not include storage/). */
inline constexpr std::size_t max_jti_bytes = 256;

/** What an assertion is checked against. */
struct assertion_check {
    std::string_view client_id; ///< "iss" and "sub" must equal it (RFC 7523 3, items 1 and 2)
    std::string_view audience;  ///< "aud" must be it: the issuer the calling key names (RFC 7523 3, item 3)
    unix_seconds now;
    std::int64_t max_lifetime = 600; ///< "exp" at most this many seconds after `now`
};

inline error_info assertion_error(std::string_view why)
{
    return make_error(error::invalid_client_assertion, client_assertion_field, why);
}

/** Whether `e`, from verify_client_assertion, says only that no key of the
    set has the header's "kid": the one failure a fresher key set may cure. */
inline bool is_unknown_kid(error_info const& e) noexcept
{
    return e.kind() == error::invalid_client_assertion && e.field == client_assertion_kid_field;
}

/** Verifies an RFC 7523 client assertion (`private_key_jwt`) and returns its
    `jti` and `exp` for the replay check, which stays the caller's.

    The assertion must be a compact JWS (RFC 7523 2.2; a JWE is refused) of at
    most max_client_assertion_bytes, signed with RS256, PS256, ES256 or EdDSA
    by a key of `jwk_set` whose type fits the algorithm (verify_with_jwk_set:
    the header's "kid" selects keys, a key's "alg" and "use" are honoured, and
    the header's "jku", "x5u" and "jwk" are never used); "crit" is refused.
    Then the claims: "iss" and "sub" equal to `c.client_id`, "aud" as
    audience_is says, the times as assertion_expiry says, a "jti" as
    assertion_jti says.

    @par Unknown "kid"
    When the header names a "kid" that no key of `jwk_set` has, the error is
    `invalid_client_assertion` with field client_assertion_kid_field
    ("client_assertion.kid"), so is_unknown_kid is true of it: the caller
    may refetch a `jwks_uri` set once and call again. Every other failure is
    `invalid_client_assertion` with field "client_assertion", its
    description naming the rule broken.

    @par Specification
    RFC 7523 2.2 and 3; RFC 7515; RFC 7518 3.3 to 3.5; RFC 8037 3.1; RFC 8725 3.1.
*/
OAUTHREG_DECL result<verified_assertion> verify_client_assertion(std::string_view jwt, boost::json::object const& jwk_set,
                                                                 assertion_check const& c);

} // namespace oauthreg::detail

#ifndef OAUTHREG_SEPARATE_COMPILATION
#include <oauthreg/impl/client_assertion.ipp>
#endif

#endif
