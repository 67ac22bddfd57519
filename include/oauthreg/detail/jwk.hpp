//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_DETAIL_JWK_HPP
#define OAUTHREG_DETAIL_JWK_HPP

// The shape of public JWKs and JWK Sets (RFC 7517, RFC 7518 6, RFC 8037 2):
// what a client's registered `jwks` and a statement issuer's keys must hold.
// Only shapes and sizes are checked here, so nothing here needs Crypto++'s
// public-key code; verifying a signature with a key is detail/jws.hpp's.

#include <oauthreg/detail/base64url.hpp>
#include <oauthreg/detail/strict_json.hpp>
#include <oauthreg/detail/text.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace oauthreg::detail {

/** A string member's value; nullopt when it is missing or not a string. */
inline std::optional<std::string_view> string_member(boost::json::object const& o, char const* name)
{
    auto const* v = o.if_contains(name);
    if (!v || !v->is_string())
        return std::nullopt;
    return std::string_view(v->get_string());
}

/** A string member's value; empty when it is missing or not a string. */
inline std::string_view str_member(boost::json::object const& o, char const* name)
{
    return string_member(o, name).value_or(std::string_view());
}

/** The decoded size of a base64url string member; nullopt when it is
    missing, not a string or not base64url. Key checks need only sizes, so
    nothing is decoded. */
inline std::optional<std::size_t> b64_size_member(boost::json::object const& o, char const* name)
{
    auto const v = string_member(o, name);
    return v ? base64url_decoded_size(*v) : std::nullopt;
}

/** The curves a public JWK may name, with the size in bytes of each
    coordinate (EC, held at full length: RFC 7518 6.2.1.2, 6.2.1.3) or of the
    key (OKP: RFC 8037 2, the key's own encoding). */
struct jwk_curve {
    std::string_view kty, crv;
    std::size_t size;
};
inline constexpr jwk_curve jwk_curves[] = {
    {"EC", "P-256", 32},     {"EC", "P-384", 48},  {"EC", "P-521", 66},                        // RFC 7518 6.2.1.1
    {"EC", "secp256k1", 32},                                                                   // RFC 8812 3.1
    {"OKP", "Ed25519", 32},  {"OKP", "Ed448", 57}, {"OKP", "X25519", 32}, {"OKP", "X448", 56}, // RFC 8037 2
};

/** The size of a curve's coordinates or key; 0 for a curve not listed. */
constexpr std::size_t jwk_curve_size(std::string_view kty, std::string_view crv) noexcept
{
    for (auto const& c : jwk_curves)
        if (c.kty == kty && c.crv == crv)
            return c.size;
    return 0;
}

/** What is wrong with a public JWK's key members, or nothing: the one check
    of a key's shape, made on a client's registered `jwks` and on a statement
    issuer's keys before verifying with them. RSA: "n" and "e" (RFC 7518
    6.3.1); EC: a known "crv" and "x", "y" at its full size (RFC 7518 6.2.1);
    OKP: a known "crv" and "x" of its key size (RFC 8037 2). All base64url. */
inline std::optional<std::string_view> public_jwk_problem(boost::json::object const& jwk)
{
    auto const kty = str_member(jwk, "kty");
    auto const crv = str_member(jwk, "crv");
    auto sized = [&](char const* name, std::size_t size) { return b64_size_member(jwk, name) == size; };
    if (kty == "RSA") {
        auto n = b64_size_member(jwk, "n"), e = b64_size_member(jwk, "e");
        if (!n || !e || *n == 0 || *e == 0)
            return "an RSA key needs \"n\" and \"e\" in base64url (RFC 7518 6.3.1)";
        return std::nullopt;
    }
    if (kty == "EC") {
        auto const size = jwk_curve_size(kty, crv);
        if (size == 0)
            return "an EC key's \"crv\" must be P-256, P-384, P-521 or secp256k1 (RFC 7518 6.2.1.1)";
        if (!sized("x", size) || !sized("y", size))
            return "an EC key needs \"x\" and \"y\" in base64url, each the curve's full size (RFC 7518 6.2.1.2)";
        return std::nullopt;
    }
    if (kty == "OKP") {
        auto const size = jwk_curve_size(kty, crv);
        if (size == 0)
            return "an OKP key's \"crv\" must be Ed25519, Ed448, X25519 or X448 (RFC 8037 2)";
        if (!sized("x", size))
            return "an OKP key needs \"x\" in base64url, the curve's key size (RFC 8037 2)";
        return std::nullopt;
    }
    return "\"kty\" must be RSA, EC or OKP: client keys are public keys";
}

/** RFC 7517 5: a JWK Set is an object with a "keys" array of JWK objects, each
    with a "kty". Client metadata carries public keys only (RFC 7591 2: jwks
    holds the client's public keys), so private members are refused, and "kid"
    values must be unique so a verifier can select one key. */
inline std::optional<std::string_view> jwk_set_problem(boost::json::value const& v)
{
    auto const* set = v.if_object();
    if (!set)
        return "not a JSON object";
    auto const* keys_v = set->if_contains("keys");
    if (!keys_v || !keys_v->is_array())
        return "no \"keys\" array (RFC 7517 5)";
    std::vector<std::string_view> kids;
    for (auto const& k : keys_v->get_array()) {
        auto const* jwk = k.if_object();
        if (!jwk)
            return "a key is not a JSON object";
        auto const* kty = jwk->if_contains("kty");
        if (!kty || !kty->is_string() || kty->get_string().empty())
            return "a key has no \"kty\" (RFC 7517 4.1)";
        for (auto priv : {"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
            if (jwk->contains(priv))
                return "a key holds private or symmetric key material";
        if (auto why = public_jwk_problem(*jwk))
            return why;
        if (auto const* kid = jwk->if_contains("kid")) {
            if (!kid->is_string())
                return "a \"kid\" is not a string";
            std::string_view id(kid->get_string().data(), kid->get_string().size());
            for (auto seen : kids)
                if (seen == id)
                    return "two keys share a \"kid\"";
            kids.push_back(id);
        }
    }
    return std::nullopt;
}

/** The bounds on the strings of a client's JWK Set, from the profile's limits. */
struct jwk_set_limits {
    std::size_t text = 0; ///< limits::max_string_length: kid, alg, use, crv, ..., any string not below
    std::size_t uri = 0;  ///< limits::max_uri_length: a key's "x5u" (RFC 7517 4.6)
    std::size_t key = 0;  ///< limits::max_key_length: a key's "n", "e", "x", "y" and each "x5c" element
};

/** The first string of JWK Set `set` longer than its bound, described
    ("keys[0].kid is longer than the profile's max_string_length (1024
    bytes)"), or nothing. A key's values (RSA "n" and "e", RFC 7518 6.3.1; EC
    and OKP "x" and "y", RFC 7518 6.2.1, RFC 8037 2) and its certificates
    ("x5c", RFC 7517 4.7) are as long as the key is, so they have a bound of
    their own; every other string, in a key or beside "keys", is short text. */
inline std::optional<std::string> jwk_set_string_problem(boost::json::object const& set, jwk_set_limits const& lim)
{
    struct bound {
        std::size_t max;
        std::string_view name;
    };
    auto const text = bound{lim.text, "max_string_length"};
    auto over = [](boost::json::value const& v, bound b) {
        return any_scalar(v,
                          [&](boost::json::value const& s) { return s.is_string() && s.get_string().size() > b.max; });
    };
    auto problem = [](std::string where, bound b) {
        return where + " is longer than the profile's " + std::string(b.name) + " (" + std::to_string(b.max) +
               " bytes)";
    };
    for (auto const& m : set) {
        std::string_view const name = m.key();
        auto const* keys = name == "keys" ? m.value().if_array() : nullptr;
        if (!keys) {
            if (over(m.value(), text))
                return problem(std::string(clip(name)), text);
            continue;
        }
        for (std::size_t i = 0; i < keys->size(); ++i) {
            auto const at = "keys[" + std::to_string(i) + "]";
            auto const* jwk = (*keys)[i].if_object();
            if (!jwk) {
                if (over((*keys)[i], text))
                    return problem(at, text);
                continue;
            }
            for (auto const& km : *jwk) {
                std::string_view const k = km.key();
                bool const key_sized = k == "n" || k == "e" || k == "x" || k == "y" || k == "x5c";
                auto const b = key_sized    ? bound{lim.key, "max_key_length"}
                               : k == "x5u" ? bound{lim.uri, "max_uri_length"}
                                            : text;
                if (over(km.value(), b))
                    return problem(at + "." + std::string(clip(k)), b);
            }
        }
    }
    return std::nullopt;
}

} // namespace oauthreg::detail

#endif
