// RFC 7523 client assertions (private_key_jwt): detail/client_assertion.hpp.
// Assertions are signed here with fresh keys of each algorithm (Crypto++,
// tests/support/jws_signing.hpp), the JWK Set built from their public keys.
#include <oauthreg/detail/client_assertion.hpp>

#include "../support/catch.hpp"
#include "../support/jws_signing.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include <cryptopp/hmac.h>

#include <string>
#include <vector>

using namespace oauthreg;
using namespace oauthreg::detail;
using namespace oauthreg::test_support;

namespace {

constexpr unix_seconds now = 1700000000;
constexpr std::string_view client_id = "https://app.example/client.json";
constexpr std::string_view issuer = "https://registry.example";

/** A client key of one algorithm, its "kid", and a forger's key of the same algorithm. */
struct client_key {
    signer key, forger;
    std::string kid;
    std::string other_family; ///< an accepted "alg" whose key type is not this key's
};

struct keys {
    std::vector<client_key> all{
        {rsa_signer<CryptoPP::PKCS1v15>("RS256", 2048, "rs"), rsa_signer<CryptoPP::PKCS1v15>("RS256", 2048, "rs"), "rs",
         "ES256"},
        {rsa_signer<CryptoPP::PSS>("PS256", 2048, "ps"), rsa_signer<CryptoPP::PSS>("PS256", 2048, "ps"), "ps", "EdDSA"},
        {es256_signer("es"), es256_signer("es"), "es", "RS256"},
        {eddsa_signer("ed"), eddsa_signer("ed"), "ed", "ES256"},
    };
    boost::json::object set;

    keys()
    {
        std::string text = R"({"keys":[)";
        for (auto const& k : all)
            text += (&k == &all.front() ? "" : ",") + k.key.jwk;
        set = parse_strict(text + "]}").value->as_object();
    }
};

keys const& test_keys()
{
    static keys const k;
    return k;
}

boost::json::object good_claims()
{
    return {{"iss", client_id}, {"sub", client_id}, {"aud", issuer},  {"exp", now + 60},
            {"iat", now},       {"jti", "id-1"},    {"nbf", now - 10}};
}

std::string header_of(client_key const& k) { return R"({"alg":")" + k.key.alg + R"(","kid":")" + k.kid + "\"}"; }

std::string assertion(client_key const& k, boost::json::object const& claims, std::string const& header = {})
{
    return make_jwt(k.key, boost::json::serialize(claims), header.empty() ? header_of(k) : header);
}

result<verified_assertion> verify(std::string_view jwt, boost::json::object const& set = test_keys().set)
{
    return verify_client_assertion(jwt, set, {client_id, issuer, now});
}

/** The description of the failure, "" when it verified. */
std::string refusal(result<verified_assertion> const& r)
{
    if (r)
        return "";
    CHECK(r.error().kind() == error::invalid_client_assertion);
    CHECK(r.error().rfc_code() == "invalid_client");
    return r.error().description;
}

bool says(result<verified_assertion> const& r, std::string_view why)
{
    auto const d = refusal(r);
    bool const found = d.find(why) != std::string::npos;
    if (!found)
        UNSCOPED_INFO("refusal: \"" << d << "\", expected it to hold: " << why);
    return found;
}

} // namespace

TEST_CASE("RFC 7523 2.2: the client_assertion_type of a JWT assertion", "[client_assertion]")
{
    CHECK(jwt_bearer_assertion_type == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
}

TEST_CASE("RFC 7523 3: a good assertion of each algorithm verifies and yields jti and exp", "[client_assertion]")
{
    for (auto const& k : test_keys().all) {
        INFO(k.key.alg);
        auto r = verify(assertion(k, good_claims()));
        REQUIRE(r.has_value());
        CHECK(r->jti == "id-1");
        CHECK(r->expires_at == now + 60);
    }
}

TEST_CASE("RFC 7523 3, item 9: another key with the same kid does not verify", "[client_assertion]")
{
    for (auto const& k : test_keys().all) {
        INFO(k.key.alg);
        auto forged = make_jwt(k.forger, boost::json::serialize(good_claims()), header_of(k));
        auto r = verify(forged);
        CHECK(says(r, "the signature does not verify with the client's keys (RFC 7523 3, item 9)"));
        CHECK_FALSE(is_unknown_kid(r.error()));
    }
}

TEST_CASE("RFC 7523 3, item 9: a tampered payload does not verify", "[client_assertion]")
{
    for (auto const& k : test_keys().all) {
        INFO(k.key.alg);
        auto good = assertion(k, good_claims());
        auto claims = good_claims();
        claims["jti"] = "id-2";
        auto first_dot = good.find('.'), last_dot = good.rfind('.');
        auto spliced = good.substr(0, first_dot + 1) + b64(boost::json::serialize(claims)) + good.substr(last_dot);
        CHECK(says(verify(spliced), "RFC 7523 3, item 9"));
        auto flipped = good;
        flipped[first_dot + 3] = flipped[first_dot + 3] == 'A' ? 'B' : 'A';
        CHECK_FALSE(verify(flipped).has_value());
    }
}

TEST_CASE("RFC 7523 3, item 3: aud is the issuer, or an array of exactly that one string", "[client_assertion]")
{
    for (auto const& k : test_keys().all) {
        INFO(k.key.alg);
        auto claims = good_claims();
        claims["aud"] = "https://elsewhere.example";
        CHECK(says(verify(assertion(k, claims)), "\"aud\" is not this issuer (RFC 7523 3, item 3)"));
        claims["aud"] = boost::json::array{issuer};
        CHECK(verify(assertion(k, claims)).has_value());
        // stricter than the RFC: two audiences, even one of them the issuer, are refused
        claims["aud"] = boost::json::array{issuer, "https://other.example"};
        CHECK(says(verify(assertion(k, claims)), "RFC 7523 3, item 3"));
        claims["aud"] = boost::json::array{issuer, issuer};
        CHECK(says(verify(assertion(k, claims)), "RFC 7523 3, item 3"));
    }
    auto const& k = test_keys().all[2];
    auto claims = good_claims();
    for (boost::json::value aud :
         {boost::json::value(), boost::json::value(boost::json::array{}),
          // [[issuer]], parsed: array{array{...}} is a copy of the inner array under clang (CWG 2137)
          boost::json::parse(R"([["https://registry.example"]])"), boost::json::value(1),
          boost::json::value(boost::json::string(std::string(issuer) + "/"))}) {
        INFO(boost::json::serialize(aud));
        claims["aud"] = aud;
        CHECK(says(verify(assertion(k, claims)), "RFC 7523 3, item 3"));
    }
    claims.erase("aud");
    CHECK(says(verify(assertion(k, claims)), "RFC 7523 3, item 3"));
}

TEST_CASE("RFC 7523 3, item 4: exp is required, in the future and at most 10 minutes ahead", "[client_assertion]")
{
    for (auto const& k : test_keys().all) {
        INFO(k.key.alg);
        auto with_exp = [&](boost::json::value exp) {
            auto claims = good_claims();
            claims["exp"] = exp;
            return verify(assertion(k, claims));
        };
        CHECK(says(with_exp(now - 1), "expired (\"exp\", RFC 7523 3, item 4)"));
        CHECK(says(with_exp(now), "expired"));
        CHECK(with_exp(now + 1).has_value());
        CHECK(with_exp(now + 600).has_value());
        CHECK(says(with_exp(now + 601), "\"exp\" is more than 600 seconds ahead (RFC 7523 3, item 4)"));
    }
    auto const& k = test_keys().all[3];
    auto claims = good_claims();
    claims["exp"] = 1e300;
    CHECK(says(verify(assertion(k, claims)), "more than 600 seconds ahead"));
    claims["exp"] = "soon";
    CHECK(says(verify(assertion(k, claims)), "\"exp\" is not a NumericDate"));
    claims.erase("exp");
    CHECK(says(verify(assertion(k, claims)), "no \"exp\" (RFC 7523 3, item 4)"));
    // a shorter lifetime of the caller's choosing
    auto r = verify_client_assertion(assertion(k, good_claims()), test_keys().set, {client_id, issuer, now, 30});
    CHECK(says(r, "more than 30 seconds ahead"));
}

TEST_CASE("RFC 7523 3, items 5 and 6: nbf and iat are not in the future (no skew)", "[client_assertion]")
{
    auto const& k = test_keys().all[0];
    for (char const* name : {"nbf", "iat"}) {
        INFO(name);
        auto claims = good_claims();
        claims[name] = now;
        CHECK(verify(assertion(k, claims)).has_value());
        claims[name] = now + 1;
        CHECK(says(verify(assertion(k, claims)), name[0] == 'n' ? "item 5" : "item 6"));
        claims[name] = "now";
        CHECK(says(verify(assertion(k, claims)), "is not a NumericDate"));
        claims.erase(name);
        CHECK(verify(assertion(k, claims)).has_value()); // both optional
    }
}

TEST_CASE("RFC 7523 3, items 1 and 2: iss and sub are both the client id", "[client_assertion]")
{
    for (auto const& k : test_keys().all) {
        INFO(k.key.alg);
        auto claims = good_claims();
        claims["sub"] = "someone-else";
        CHECK(says(verify(assertion(k, claims)), "\"sub\" is not the client id (RFC 7523 3, item 2)"));
        claims = good_claims();
        claims["iss"] = "someone-else";
        CHECK(says(verify(assertion(k, claims)), "\"iss\" is not the client id (RFC 7523 3, item 1)"));
    }
    auto const& k = test_keys().all[1];
    for (char const* name : {"iss", "sub"}) {
        auto claims = good_claims();
        claims.erase(name);
        CHECK(says(verify(assertion(k, claims)), "is not the client id"));
        claims[name] = boost::json::array{client_id};
        CHECK(says(verify(assertion(k, claims)), "is not the client id"));
    }
    // an empty client id or audience checks nothing: refused
    auto claims = good_claims();
    claims["iss"] = claims["sub"] = "";
    CHECK(says(verify_client_assertion(assertion(k, claims), test_keys().set, {"", issuer, now}), "no client id"));
    claims = good_claims();
    claims["aud"] = "";
    CHECK(says(verify_client_assertion(assertion(k, claims), test_keys().set, {client_id, "", now}), "no client id"));
}

TEST_CASE("RFC 7523 3, item 7: jti is required, a non-empty string of at most 256 bytes", "[client_assertion]")
{
    for (auto const& k : test_keys().all) {
        INFO(k.key.alg);
        auto claims = good_claims();
        claims.erase("jti");
        CHECK(says(verify(assertion(k, claims)), "no \"jti\" (RFC 7523 3, item 7)"));
    }
    auto const& k = test_keys().all[2];
    auto with_jti = [&](boost::json::value jti) {
        auto claims = good_claims();
        claims["jti"] = jti;
        return verify(assertion(k, claims));
    };
    CHECK(says(with_jti(""), "no \"jti\""));
    CHECK(says(with_jti(42), "no \"jti\""));
    CHECK(says(with_jti(boost::json::string(detail::max_jti_bytes + 1, 'j')), "\"jti\" is longer than 256 bytes"));
    CHECK(says(with_jti(boost::json::string(std::string_view("a\0b", 3))), "NUL"));
    auto longest = with_jti(boost::json::string(detail::max_jti_bytes, 'j'));
    REQUIRE(longest.has_value());
    CHECK(longest->jti.size() == 256);
}

TEST_CASE("RFC 7518 3.6, RFC 8725 3.1: alg none is refused", "[client_assertion]")
{
    for (auto const& k : test_keys().all) {
        INFO(k.key.alg);
        auto unsigned_input =
            b64(R"({"alg":"none","kid":")" + k.kid + "\"}") + "." + b64(boost::json::serialize(good_claims()));
        CHECK(says(verify(unsigned_input + "."), "not a compact-serialized JWS (RFC 7515 7.1)"));
        CHECK(says(verify(unsigned_input + ".AAAA"), "none and HMAC are not accepted"));
    }
}

TEST_CASE("RFC 8725 3.1: HS256 keyed with the client's public key is refused", "[client_assertion]")
{
    for (auto const& k : test_keys().all) {
        INFO(k.key.alg);
        auto input =
            b64(R"({"alg":"HS256","kid":")" + k.kid + "\"}") + "." + b64(boost::json::serialize(good_claims()));
        CryptoPP::HMAC<CryptoPP::SHA256> mac(reinterpret_cast<CryptoPP::byte const*>(k.key.jwk.data()),
                                             k.key.jwk.size());
        std::string tag(CryptoPP::SHA256::DIGESTSIZE, '\0');
        mac.CalculateDigest(reinterpret_cast<CryptoPP::byte*>(tag.data()),
                            reinterpret_cast<CryptoPP::byte const*>(input.data()), input.size());
        CHECK(says(verify(input + "." + b64(tag)), "none and HMAC are not accepted"));
    }
}

TEST_CASE("RFC 8725 3.1: an alg of another key type than the key's is refused", "[client_assertion]")
{
    for (auto const& k : test_keys().all) {
        INFO(k.key.alg << " header says " << k.other_family);
        auto header = R"({"alg":")" + k.other_family + R"(","kid":")" + k.kid + "\"}";
        CHECK(says(verify(assertion(k, good_claims(), header)), "RFC 7523 3, item 9"));
    }
    // RS256 and PS256 share a key type, not a padding: the other one's signature fails too
    auto const& rs = test_keys().all[0];
    CHECK(says(verify(assertion(rs, good_claims(), R"({"alg":"PS256","kid":"rs"})")), "item 9"));
}

TEST_CASE("RFC 7515 4.1.4: the kid selects the key, and an unknown kid is told apart", "[client_assertion]")
{
    auto const& k = test_keys().all[2];
    auto r = verify(assertion(k, good_claims(), R"({"alg":"ES256","kid":"rotated-away"})"));
    REQUIRE_FALSE(r.has_value());
    CHECK(is_unknown_kid(r.error()));
    CHECK(r.error().kind() == error::invalid_client_assertion);
    CHECK(r.error().field == "client_assertion.kid");
    CHECK(says(r, "no key of the client has this \"kid\""));
    // an empty set: the kid is unknown too (a jwks_uri worth refetching)
    CHECK(is_unknown_kid(
        verify(assertion(k, good_claims()), boost::json::object{{"keys", boost::json::array{}}}).error()));
    CHECK(is_unknown_kid(verify(assertion(k, good_claims()), boost::json::object{}).error()));
    // the kid names another key of the client: a bad signature, not an unknown kid
    auto other = verify(assertion(k, good_claims(), R"({"alg":"ES256","kid":"ed"})"));
    CHECK_FALSE(is_unknown_kid(other.error()));
    CHECK(other.error().field == "client_assertion");
    // no kid: every key of the set is tried
    for (auto const& each : test_keys().all)
        CHECK(verify(assertion(each, good_claims(), R"({"alg":")" + each.key.alg + "\"}")).has_value());
    auto none = verify(make_jwt(k.forger, boost::json::serialize(good_claims()), R"({"alg":"ES256"})"));
    CHECK_FALSE(is_unknown_kid(none.error()));
}

TEST_CASE("RFC 7517 4.4, 4.2: a key's alg must be the header's and its use sig", "[client_assertion]")
{
    auto const& k = test_keys().all[0];
    auto set_with = [&](std::string const& members) {
        auto jwk = k.key.jwk;
        jwk.insert(1, members + ",");
        return parse_strict(R"({"keys":[)" + jwk + "]}").value->as_object();
    };
    auto const jwt = assertion(k, good_claims());
    CHECK(verify(jwt, set_with(R"("alg":"RS256","use":"sig")")).has_value());
    CHECK(says(verify(jwt, set_with(R"("alg":"PS256")")), "item 9"));
    CHECK(says(verify(jwt, set_with(R"("use":"enc")")), "item 9"));
}

TEST_CASE("RFC 8725 3.10: jku, x5u and jwk headers are never used to find a key", "[client_assertion]")
{
    auto const& k = test_keys().all[2];
    auto attacker = es256_signer("attacker");
    auto claims = boost::json::serialize(good_claims());
    for (std::string kid : {R"(,"kid":"es")", R"(,"kid":"attacker")", ""}) {
        INFO(kid);
        auto header = R"({"alg":"ES256","jwk":)" + attacker.jwk + kid + "}";
        CHECK_FALSE(verify(make_jwt(attacker, claims, header)).has_value());
        header =
            R"({"alg":"ES256","jku":"https://attacker.example/jwks","x5u":"https://attacker.example/c")" + kid + "}";
        CHECK_FALSE(verify(make_jwt(attacker, claims, header)).has_value());
    }
    // ignored, not refused: the client's own signature still verifies beside them
    auto header = R"({"alg":"ES256","kid":"es","jku":"https://attacker.example/jwks","jwk":)" + attacker.jwk + "}";
    CHECK(verify(assertion(k, good_claims(), header)).has_value());
}

TEST_CASE("RFC 7515 4.1.11: crit is refused", "[client_assertion]")
{
    auto const& k = test_keys().all[3];
    CHECK(says(verify(assertion(k, good_claims(), R"({"alg":"EdDSA","kid":"ed","crit":["exp"],"exp":1})")),
               "\"crit\" names extensions not understood"));
}

TEST_CASE("RFC 7523 2.2: only a compact JWS, a JWE and other shapes are refused", "[client_assertion]")
{
    auto const good = assertion(test_keys().all[0], good_claims());
    CHECK(says(verify(good + ".AAAA.AAAA"), "an encrypted JWT (JWE) is not accepted"));
    CHECK(says(verify(b64(R"({"alg":"RSA-OAEP","enc":"A256GCM"})") + ".AAAA.AAAA.AAAA.AAAA"), "(JWE)"));
    CHECK(says(verify(good + ".AAAA"), "RFC 7515 7.1"));
    CHECK(says(verify(good.substr(0, good.rfind('.'))), "RFC 7515 7.1"));
    CHECK(says(verify(""), "RFC 7515 7.1"));
    CHECK(says(verify(b64("[1]") + "." + b64(boost::json::serialize(good_claims())) + ".AAAA"),
               "the JOSE header is not a JSON object"));
    CHECK(
        says(verify(b64(R"({"alg":"RS256"})") + "." + b64("not json") + ".AAAA"), "the payload is not a JSON object"));
}

TEST_CASE("client assertions longer than 8 KiB are refused before decoding", "[client_assertion]")
{
    auto const& k = test_keys().all[3];
    auto claims = good_claims();
    claims["padding"] = std::string(6000, 'p');
    auto big = assertion(k, claims);
    REQUIRE(big.size() > max_client_assertion_bytes);
    CHECK(says(verify(big), "longer than 8192 bytes"));
    CHECK(says(verify(std::string(max_client_assertion_bytes + 1, '.')), "longer than 8192 bytes"));
    claims["padding"] = std::string(5000, 'p');
    auto fits = assertion(k, claims);
    REQUIRE(fits.size() <= max_client_assertion_bytes);
    CHECK(verify(fits).has_value());
}
