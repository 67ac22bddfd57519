//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
// The bodies of detail/client_assertion.hpp, on detail/jws.hpp's Crypto++
// verifiers. Header-only, the header includes it; compiled
// (OAUTHREG_SEPARATE_COMPILATION), only src.hpp does, so a program using the
// compiled library never sees Crypto++'s public-key headers.
//
#ifndef OAUTHREG_IMPL_CLIENT_ASSERTION_IPP
#define OAUTHREG_IMPL_CLIENT_ASSERTION_IPP

#include <oauthreg/detail/client_assertion.hpp>
#include <oauthreg/detail/jws.hpp>

#include <boost/json/value.hpp>

#include <algorithm>

namespace oauthreg::detail {

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

result<verified_assertion> verify_client_assertion(std::string_view jwt, boost::json::object const& jwk_set,
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
