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
#include <oauthreg/detail/jws.hpp>
#include <oauthreg/error.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
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

/** RFC 7523 3, item 3, as the contract has it: "aud" is the audience, or an
    array of that one string (an array with more, even holding it, is refused). */
inline bool audience_is(boost::json::value const* aud, std::string_view audience)
{
    if (aud && aud->is_array() && aud->get_array().size() == 1)
        aud = &aud->get_array()[0];
    return aud && aud->is_string() && std::string_view(aud->get_string()) == audience;
}

/** The time claims (RFC 7519 4.1.4, 4.1.5, 4.1.6; RFC 7523 3, items 4 to 6),
    with no clock skew allowed: `exp` required, `now < exp <= now +
    max_lifetime`; `nbf` and `iat`, when present, at or before `now`. */
inline result<unix_seconds> assertion_expiry(boost::json::object const& claims, assertion_check const& c)
{
    auto const* exp_v = claims.if_contains("exp");
    if (!exp_v)
        return assertion_error("no \"exp\" (RFC 7523 3, item 4)");
    auto const exp = numeric_date(*exp_v);
    if (!exp)
        return assertion_error("\"exp\" is not a NumericDate (RFC 7519 4.1.4)");
    if (c.now >= *exp)
        return assertion_error("expired (\"exp\", RFC 7523 3, item 4)");
    if (*exp > saturating_add(c.now, c.max_lifetime))
        return assertion_error("\"exp\" is more than " + std::to_string(c.max_lifetime) +
                               " seconds ahead (RFC 7523 3, item 4)");
    for (char const* name : {"nbf", "iat"}) {
        auto const* v = claims.if_contains(name);
        if (!v)
            continue;
        auto const t = numeric_date(*v);
        if (!t)
            return assertion_error(std::string("\"") + name + "\" is not a NumericDate (RFC 7519 4.1)");
        if (*t > c.now)
            return assertion_error(name[0] == 'n' ? "not valid yet (\"nbf\", RFC 7523 3, item 5)"
                                                  : "issued in the future (\"iat\", RFC 7523 3, item 6)");
    }
    return *exp;
}

/** RFC 7523 3, item 7, as the contract has it: a "jti" is required, a
    non-empty string of at most max_jti_bytes bytes without NUL,
    which the replay store can hold. */
inline result<std::string> assertion_jti(boost::json::object const& claims)
{
    auto const jti = string_member(claims, "jti");
    if (!jti || jti->empty())
        return assertion_error("no \"jti\" (RFC 7523 3, item 7)");
    if (jti->size() > max_jti_bytes)
        return assertion_error("\"jti\" is longer than " + std::to_string(max_jti_bytes) + " bytes");
    if (jti->find('\0') != std::string_view::npos)
        return assertion_error("\"jti\" holds a NUL character");
    return std::string(*jti);
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
inline result<verified_assertion> verify_client_assertion(std::string_view jwt, boost::json::object const& jwk_set,
                                                          assertion_check const& c)
{
    if (jwt.size() > max_client_assertion_bytes)
        return assertion_error("longer than " + std::to_string(max_client_assertion_bytes) + " bytes");
    if (std::count(jwt.begin(), jwt.end(), '.') == 4)
        return assertion_error("an encrypted JWT (JWE) is not accepted: it must be a JWS (RFC 7523 2.2)");
    auto jws = decode_compact_jws(jwt, {error::invalid_client_assertion, client_assertion_field});
    if (!jws)
        return jws.error();
    switch (verify_with_jwk_set(*jws, jwk_set)) {
    case jwk_set_verdict::verified:
        break;
    case jwk_set_verdict::no_key_with_kid:
        return make_error(error::invalid_client_assertion, client_assertion_kid_field,
                          "no key of the client has this \"kid\" (RFC 7515 4.1.4)");
    case jwk_set_verdict::not_verified:
        return assertion_error("the signature does not verify with the client's keys (RFC 7523 3, item 9)");
    }
    auto const& claims = jws->payload;
    if (c.client_id.empty() || c.audience.empty())
        return assertion_error("no client id or audience to check the claims against");
    if (string_member(claims, "iss") != c.client_id)
        return assertion_error("\"iss\" is not the client id (RFC 7523 3, item 1)");
    if (string_member(claims, "sub") != c.client_id)
        return assertion_error("\"sub\" is not the client id (RFC 7523 3, item 2)");
    if (!audience_is(claims.if_contains("aud"), c.audience))
        return assertion_error("\"aud\" is not this issuer (RFC 7523 3, item 3)");
    auto exp = assertion_expiry(claims, c);
    if (!exp)
        return exp.error();
    auto jti = assertion_jti(claims);
    if (!jti)
        return jti.error();
    return verified_assertion{std::move(*jti), *exp};
}

} // namespace oauthreg::detail

#endif
