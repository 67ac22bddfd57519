//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_DETAIL_JWS_HPP
#define OAUTHREG_DETAIL_JWS_HPP

#include <oauthreg/clock.hpp>
#include <oauthreg/detail/base64url.hpp>
#include <oauthreg/detail/jwk.hpp>
#include <oauthreg/detail/strict_json.hpp>
#include <oauthreg/error.hpp>
#include <oauthreg/profile.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cryptopp/eccrypto.h>
#include <cryptopp/oids.h>
#include <cryptopp/pssr.h>
#include <cryptopp/rsa.h>
#include <cryptopp/sha.h>
#include <cryptopp/xed25519.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace oauthreg::detail {

/** The JWS algorithms accepted for software statements (RFC 7518 3.3, 3.5,
    3.4; RFC 8037 3.1). `none` and the HMAC algorithms are refused: a
    statement must be verifiable with the issuer's public key alone. */
enum class jws_alg { rs256, ps256, es256, eddsa };

inline std::optional<jws_alg> parse_jws_alg(std::string_view s) noexcept
{
    if (s == "RS256")
        return jws_alg::rs256;
    if (s == "PS256")
        return jws_alg::ps256;
    if (s == "ES256")
        return jws_alg::es256;
    if (s == "EdDSA")
        return jws_alg::eddsa;
    return std::nullopt;
}

inline std::optional<std::string> b64_member(boost::json::object const& o, char const* name)
{
    auto const v = string_member(o, name);
    return v ? base64url_decode(*v) : std::nullopt;
}

inline CryptoPP::Integer big_endian(std::string const& bytes)
{
    return CryptoPP::Integer(reinterpret_cast<CryptoPP::byte const*>(bytes.data()), bytes.size());
}

inline CryptoPP::byte const* bytes_of(std::string_view s) noexcept
{
    return reinterpret_cast<CryptoPP::byte const*>(s.data());
}

/** RS256 (RFC 7518 3.3) or PS256 (3.5) with an RSA JWK. */
inline bool verify_rsa(jws_alg alg, boost::json::object const& jwk, std::string_view input, std::string const& sig)
{
    if (str_member(jwk, "kty") != "RSA")
        return false;
    auto n = b64_member(jwk, "n"), e = b64_member(jwk, "e");
    CryptoPP::RSA::PublicKey key;
    key.Initialize(big_endian(*n), big_endian(*e));
    // RFC 7518 3.3: "A key of size 2048 bits or larger MUST be used".
    if (key.GetModulus().BitCount() < 2048 || sig.size() != key.GetModulus().ByteCount())
        return false;
    if (alg == jws_alg::rs256)
        return CryptoPP::RSASS<CryptoPP::PKCS1v15, CryptoPP::SHA256>::Verifier(key).VerifyMessage(
            bytes_of(input), input.size(), bytes_of(sig), sig.size());
    // RFC 7518 3.5: MGF1 with SHA-256 and a salt as long as the hash (Crypto++'s PSS default).
    return CryptoPP::RSASS<CryptoPP::PSS, CryptoPP::SHA256>::Verifier(key).VerifyMessage(bytes_of(input), input.size(),
                                                                                         bytes_of(sig), sig.size());
}

/** ES256 (RFC 7518 3.4): P-256, whose coordinates public_jwk_problem sized;
    the signature is R || S, 64 bytes. */
inline bool verify_es256(boost::json::object const& jwk, std::string_view input, std::string const& sig)
{
    if (str_member(jwk, "kty") != "EC" || str_member(jwk, "crv") != "P-256" || sig.size() != 64)
        return false;
    auto x = b64_member(jwk, "x"), y = b64_member(jwk, "y");
    CryptoPP::ECP::Point q(big_endian(*x), big_endian(*y));
    CryptoPP::ECDSA<CryptoPP::ECP, CryptoPP::SHA256>::PublicKey key;
    key.Initialize(CryptoPP::ASN1::secp256r1(), q);
    if (!key.GetGroupParameters().GetCurve().VerifyPoint(q) || q.identity)
        return false; // a point off the curve is an invalid-curve attack
    return CryptoPP::ECDSA<CryptoPP::ECP, CryptoPP::SHA256>::Verifier(key).VerifyMessage(bytes_of(input), input.size(),
                                                                                         bytes_of(sig), sig.size());
}

/** EdDSA (RFC 8037 3.1): Ed25519, whose 32-byte key public_jwk_problem sized. */
inline bool verify_ed25519(boost::json::object const& jwk, std::string_view input, std::string const& sig)
{
    if (str_member(jwk, "kty") != "OKP" || str_member(jwk, "crv") != "Ed25519" ||
        sig.size() != CryptoPP::ed25519Signer::SIGNATURE_LENGTH)
        return false;
    auto x = b64_member(jwk, "x");
    CryptoPP::ed25519::Verifier v(bytes_of(*x));
    return v.VerifyMessage(bytes_of(input), input.size(), bytes_of(sig), sig.size());
}

/** Verifies `sig` over `input` with one JWK, if the key's type fits the
    algorithm: RSA for RS256/PS256, EC P-256 for ES256, OKP Ed25519 for EdDSA
    (RFC 8725 3.1: the algorithm must match the key; no confusion). */
inline bool verify_with_jwk(jws_alg alg, boost::json::object const& jwk, std::string_view input, std::string const& sig)
{
    if (public_jwk_problem(jwk))
        return false; // the shape every registered key has; the sizes in the verifiers follow from it
    try {
        switch (alg) {
        case jws_alg::rs256:
        case jws_alg::ps256:
            return verify_rsa(alg, jwk, input, sig);
        case jws_alg::es256:
            return verify_es256(jwk, input, sig);
        case jws_alg::eddsa:
            return verify_ed25519(jwk, input, sig);
        }
    } catch (CryptoPP::Exception const&) {
        return false; // a malformed key is one that verifies nothing
    }
    return false;
}

/** A JWT NumericDate (RFC 7519 2): a JSON number of seconds, maybe not an
    integer, maybe beyond the range of unix_seconds. A fraction is rounded up,
    which keeps every comparison with the whole seconds of `now` exact
    (now >= exp exactly when now >= ceil(exp)); a number out of range is
    clamped to it, so 1e300 is the end of time, not an error or an overflow. */
inline std::optional<unix_seconds> numeric_date(boost::json::value const& v) noexcept
{
    constexpr auto hi = std::numeric_limits<unix_seconds>::max(), lo = std::numeric_limits<unix_seconds>::min();
    if (v.is_int64())
        return v.get_int64();
    if (v.is_uint64())
        return v.get_uint64() > static_cast<std::uint64_t>(hi) ? hi : static_cast<unix_seconds>(v.get_uint64());
    if (!v.is_double() || std::isnan(v.get_double()))
        return std::nullopt;
    double const d = std::ceil(v.get_double());
    if (d >= 0x1p63) // 2^63 = hi + 1, the first double out of range (infinity included)
        return hi;
    if (d < -0x1p63)
        return lo;
    return static_cast<unix_seconds>(d);
}

/** The three parts of a JWS in compact serialization (RFC 7515 7.1), still base64url-encoded. */
struct compact_jws_parts {
    std::string_view header, payload, signature;
};

/** Splits a compact JWS: exactly three parts between two dots, each a
    non-empty run of the base64url alphabet (RFC 7515 7.1, 2). The JWS
    grammar allows an empty payload, but a software statement's carries its
    claims. The one shape check: nullopt when the text is not that shape. */
constexpr std::optional<compact_jws_parts> split_compact_jws(std::string_view s) noexcept
{
    std::size_t dots[2]{}, n = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '.') {
            if (!is_base64url_char(s[i]))
                return std::nullopt;
            continue;
        }
        if (n == 2 || i == (n == 0 ? 0 : dots[0] + 1))
            return std::nullopt; // a third dot, or an empty part before this one
        dots[n++] = i;
    }
    if (n != 2 || dots[1] + 1 == s.size())
        return std::nullopt;
    return compact_jws_parts{s.substr(0, dots[0]), s.substr(dots[0] + 1, dots[1] - dots[0] - 1), s.substr(dots[1] + 1)};
}

/** A JWS in compact serialization (RFC 7515 7.1), decoded. */
struct compact_jws {
    boost::json::object header;
    boost::json::object payload;
    std::string_view signing_input; ///< ASCII(BASE64URL(header) || '.' || BASE64URL(payload))
    std::string signature;
    jws_alg alg{};
};

inline error_info statement_error(error e, std::string_view why) { return make_error(e, "software_statement", why); }

/** Where a JWS's decoding errors are reported: the error and the member
    named, `malformed_software_statement` on "software_statement" for a
    software statement, `invalid_client_assertion` on "client_assertion" for
    an RFC 7523 client assertion. */
struct jws_error_site {
    error code = error::malformed_software_statement;
    std::string_view field = "software_statement";

    error_info operator()(std::string_view why) const { return make_error(code, field, why); }
};

/** Reads the JOSE header's "alg" into `jws.alg`: one of the accepted
    algorithms, with no "crit" extension (RFC 7515 4.1.1, 4.1.11). */
inline std::optional<error_info> take_jws_alg(compact_jws& jws, jws_error_site const& fail = {})
{
    auto alg_name = str_member(jws.header, "alg");
    auto alg = parse_jws_alg(alg_name);
    if (!alg)
        return fail(alg_name.empty() ? "no \"alg\" in the JOSE header"
                                     : "\"alg\" must be RS256, PS256, ES256 or EdDSA; none and HMAC are not accepted");
    // RFC 7515 4.1.11: extensions listed in "crit" MUST be understood; we understand none.
    if (jws.header.contains("crit"))
        return fail("\"crit\" names extensions not understood");
    jws.alg = *alg;
    return std::nullopt;
}

/** Decodes a compact JWS whose payload is a JSON object (a JWT claims set),
    reporting a failure as `fail` says. */
inline result<compact_jws> decode_compact_jws(std::string_view jwt, jws_error_site const& fail = {})
{
    auto const parts = split_compact_jws(jwt);
    if (!parts)
        return fail("not a compact-serialized JWS (RFC 7515 7.1)");
    auto header_text = base64url_decode(parts->header);
    auto payload_text = base64url_decode(parts->payload);
    auto sig = base64url_decode(parts->signature);
    if (!header_text || !payload_text || !sig) // a part of 4k+1 characters
        return fail("a part is empty or not base64url (RFC 7515 2)");
    compact_jws out;
    // RFC 7515 5.2: a header with duplicate names MUST be rejected (or use the
    // last one); parse_strict rejects duplicates everywhere.
    auto h = parse_strict(*header_text, 8);
    if (!h.value || !h.value->is_object())
        return fail("the JOSE header is not a JSON object");
    out.header = std::move(h.value->as_object());
    auto p = parse_strict(*payload_text, 16);
    if (!p.value || !p.value->is_object())
        return fail("the payload is not a JSON object (RFC 7519 7.2)");
    out.payload = std::move(p.value->as_object());
    if (auto e = take_jws_alg(out, fail))
        return std::move(*e);
    out.signing_input = jwt.substr(0, parts->header.size() + 1 + parts->payload.size());
    out.signature = std::move(*sig);
    return out;
}

/** The registered JWT claims (RFC 7519 4.1): about the statement, not the client. */
inline bool is_registered_jwt_claim(std::string_view k) noexcept
{
    return k == "iss" || k == "sub" || k == "aud" || k == "exp" || k == "nbf" || k == "iat" || k == "jti";
}

/** What a JWK Set made of a JWS's signature (verify_with_jwk_set). */
enum class jwk_set_verdict {
    verified,        ///< a key selected by the header verified the signature
    no_key_with_kid, ///< the header names a "kid" no key of the set has
    not_verified     ///< no selected key verified it (or the set holds no "keys" array)
};

/** Verifies a JWS's signature with the keys of JWK Set `set` (RFC 7517 5).
    Only the set's keys are tried: the header's "jku", "x5u" and "jwk" are
    never read (RFC 8725 3.10). A key is tried when its "kid" equals the
    header's (every key when the header has none), its "alg" when present
    equals the header's and its "use" when present is "sig" (RFC 7517 4.5,
    4.4, 4.2); verify_with_jwk then holds the key type to the algorithm. */
inline jwk_set_verdict verify_with_jwk_set(compact_jws const& jws, boost::json::object const& set)
{
    boost::json::array const* keys = nullptr;
    if (auto const* k = set.if_contains("keys"))
        keys = k->if_array();
    auto const kid = string_member(jws.header, "kid");
    auto const alg_name = str_member(jws.header, "alg");
    bool kid_seen = false;
    for (std::size_t i = 0; keys && i < keys->size(); ++i) {
        auto const* jwk = (*keys)[i].if_object();
        if (!jwk)
            continue;
        if (kid && !kid->empty() && string_member(*jwk, "kid") != kid)
            continue;
        kid_seen = true;
        if (jwk->contains("alg") && str_member(*jwk, "alg") != alg_name)
            continue;
        if (jwk->contains("use") && str_member(*jwk, "use") != "sig")
            continue;
        if (verify_with_jwk(jws.alg, *jwk, jws.signing_input, jws.signature))
            return jwk_set_verdict::verified;
    }
    return kid && !kid->empty() && !kid_seen ? jwk_set_verdict::no_key_with_kid : jwk_set_verdict::not_verified;
}

/** Whether one of the issuer's keys verifies the statement's signature (see
    verify_with_jwk_set); an issuer key set that is not a JWK Set verifies
    nothing. */
inline bool verify_statement_signature(compact_jws const& jws, trusted_issuer const& issuer)
{
    auto keys_doc = parse_strict(issuer.jwks, 8);
    if (!keys_doc.value || !keys_doc.value->is_object())
        return false;
    return verify_with_jwk_set(jws, keys_doc.value->as_object()) == jwk_set_verdict::verified;
}

/** A time claim of the statement: absent, a NumericDate, or an error. */
inline result<std::optional<unix_seconds>> time_claim(boost::json::object const& claims, char const* name)
{
    auto const* v = claims.if_contains(name);
    if (!v)
        return std::optional<unix_seconds>{};
    if (auto t = numeric_date(*v))
        return std::optional<unix_seconds>{*t};
    return statement_error(error::malformed_software_statement, std::string("\"") + name + "\" is not a NumericDate");
}

/** RFC 7519 4.1.4, 4.1.5, 4.1.6: "exp", "nbf" and "iat" against `now`, with
    the configured clock skew; then the issuer's required claims. */
inline std::optional<error_info> check_statement_claims(boost::json::object const& claims, trusted_issuer const& issuer,
                                                        std::int64_t skew, unix_seconds now)
{
    auto exp = time_claim(claims, "exp");
    if (!exp)
        return exp.error();
    if (*exp && now >= saturating_add(**exp, skew))
        return statement_error(error::software_statement_expired, "expired (\"exp\")");
    auto nbf = time_claim(claims, "nbf");
    if (!nbf)
        return nbf.error();
    if (*nbf && saturating_add(now, skew) < **nbf)
        return statement_error(error::software_statement_expired, "not valid yet (\"nbf\")");
    auto iat = time_claim(claims, "iat");
    if (!iat)
        return iat.error();
    if (*iat && **iat > saturating_add(now, skew))
        return statement_error(error::software_statement_expired, "issued in the future (\"iat\")");
    for (auto const& claim : issuer.required_claims)
        if (!claims.contains(claim))
            return statement_error(error::malformed_software_statement, "a required claim is missing: " + claim);
    return std::nullopt;
}

/** Verifies a software statement (RFC 7591 2.3) against the trusted issuers
    and returns its claims.

    Well-formed but from no trusted issuer: `untrusted_software_statement`
    (unapproved_software_statement). Malformed, not signed by one of the
    issuer's keys, outside its validity window, or missing a required claim:
    the `invalid_software_statement` errors.
*/
inline result<boost::json::object> verify_software_statement(std::string_view jwt,
                                                             software_statement_rules const& rules, unix_seconds now)
{
    auto jws = decode_compact_jws(jwt);
    if (!jws)
        return jws.error();
    auto const iss = str_member(jws->payload, "iss");
    if (iss.empty())
        return statement_error(error::malformed_software_statement, "no \"iss\" claim naming the issuer");
    trusted_issuer const* issuer = nullptr;
    for (auto const& t : rules.trusted_issuers)
        if (t.iss == iss)
            issuer = &t;
    if (!issuer)
        return statement_error(error::untrusted_software_statement, "the issuer is not trusted by this server");
    if (!verify_statement_signature(*jws, *issuer))
        return statement_error(error::software_statement_signature_invalid,
                               "the signature does not verify with the issuer's keys");
    if (auto e = check_statement_claims(jws->payload, *issuer, rules.clock_skew, now))
        return std::move(*e);
    return std::move(jws->payload);
}

} // namespace oauthreg::detail

#endif
