// Software statements (RFC 7591 2.3, 3.1.1, 3.2.1) and JWS verification
// (RFC 7515, RFC 7518, RFC 8037). Statements are signed here, with keys the
// test generates through Crypto++; the RFC example vectors are checked too.
#include <oauthreg/detail/jws.hpp>

#include "support/catch.hpp"
#include "support/jws_signing.hpp"

#include <oauthreg/render.hpp>
#include <oauthreg/validate.hpp>

#include <boost/json/serialize.hpp>

#include <cryptopp/eccrypto.h>
#include <cryptopp/osrng.h>
#include <cryptopp/pssr.h>
#include <cryptopp/rsa.h>
#include <cryptopp/xed25519.h>

#include <functional>
#include <limits>
#include <memory>
#include <string>

using namespace oauthreg;
using namespace oauthreg::test_support;

namespace {

constexpr unix_seconds now = 1700000000;

struct keys {
    signer rs = rsa_signer<CryptoPP::PKCS1v15>("RS256", 2048, "rs");
    signer ps = rsa_signer<CryptoPP::PSS>("PS256", 2048, "ps");
    signer es = es256_signer("es");
    signer ed = eddsa_signer("ed");
    signer other_es = es256_signer("es"); // same kid, another key: a forger's
};

keys const& test_keys()
{
    static keys const k;
    return k;
}

profile trusting(std::string const& jwks_keys, std::vector<std::string> required = {})
{
    profile p;
    p.software_statements.trusted_issuers.push_back(
        {"https://issuer.example", R"({"keys":[)" + jwks_keys + "]}", std::move(required)});
    return p;
}

profile trusting_all()
{
    auto const& k = test_keys();
    return trusting(k.rs.jwk + "," + k.ps.jwk + "," + k.es.jwk + "," + k.ed.jwk);
}

constexpr char const* claims_ok =
    R"({"iss":"https://issuer.example","iat":1699999000,"exp":1700003600,"software_id":"4NRB1-0XZABZI9E6-5SM3R",)"
    R"("client_name":"Signed Name","redirect_uris":["https://signed.example/cb"]})";

std::string body_with(std::string const& statement, std::string const& extra = {})
{
    return R"({"redirect_uris":["https://body.example/cb"],"client_name":"Body Name")" + extra +
           R"(,"software_statement":")" + statement + "\"}";
}

} // namespace

TEST_CASE("RFC 7591 2.3: a statement verifies with each algorithm", "[software_statement]")
{
    auto const& k = test_keys();
    auto p = trusting_all();
    for (auto const* s : {&k.rs, &k.ps, &k.es, &k.ed}) {
        INFO(s->alg);
        auto jwt = make_jwt(*s, claims_ok);
        auto md = validate_request(body_with(jwt), p, now);
        REQUIRE(md.has_value());
        CHECK(md->software_statement == jwt); // returned unmodified (RFC 7591 3.2.1)
        CHECK(md->software_id == "4NRB1-0XZABZI9E6-5SM3R");
    }
}

TEST_CASE("RFC 7591 2.3: claims in the statement take precedence over the body", "[software_statement]")
{
    auto const& k = test_keys();
    auto md = validate_request(body_with(make_jwt(k.es, claims_ok), R"(,"logo_uri":"https://body.example/l.png")"),
                               trusting_all(), now);
    REQUIRE(md.has_value());
    CHECK(md->client_name == "Signed Name");
    CHECK(md->redirect_uris == std::vector<std::string>{"https://signed.example/cb"});
    CHECK(md->logo_uri == "https://body.example/l.png"); // not in the statement: the body's stays
    auto o = to_json(*md);
    CHECK(o.contains("software_statement"));
    CHECK_FALSE(o.contains("iss")); // JWT claims about the statement are not client metadata
    CHECK_FALSE(o.contains("exp"));
}

TEST_CASE("RFC 7591 2.3: claims are validated like body members", "[software_statement]")
{
    auto const& k = test_keys();
    auto bad = make_jwt(k.ed, R"({"iss":"https://issuer.example","redirect_uris":["http://evil.example/cb"]})");
    auto r = validate_request(body_with(bad), trusting_all(), now);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().rfc_code() == "invalid_redirect_uri");
    // check_request verifies and merges the statement the same way
    auto v = check_request(body_with(bad), trusting_all(), now);
    REQUIRE_FALSE(v.has_value());
    CHECK(v.error().rfc_code() == "invalid_redirect_uri");
    CHECK(v.error().field == r.error().field);
    CHECK(check_request(body_with(make_jwt(k.es, claims_ok)), trusting_all(), now).has_value());
    CHECK(check_request(body_with(make_jwt(k.es, claims_ok)), profile{}, now).error().rfc_code() ==
          "unapproved_software_statement");
}

TEST_CASE("RFC 7591 3.2.2: invalid and unapproved statements", "[software_statement]")
{
    auto const& k = test_keys();
    auto const p = trusting_all();
    auto code = [&](std::string const& statement, profile const& prof) {
        auto r = validate_request(body_with(statement), prof, now);
        REQUIRE_FALSE(r.has_value());
        return r.error().kind();
    };
    auto good = make_jwt(k.es, claims_ok);
    auto flip = [](std::string s, std::size_t from_end) {
        auto& c = s[s.size() - from_end];
        c = c == 'A' ? 'B' : 'A';
        return s;
    };
    SECTION("bad signature") { CHECK(code(flip(good, 5), p) == error::software_statement_signature_invalid); }
    SECTION("a changed payload")
    {
        auto other = make_jwt(k.es, R"({"iss":"https://issuer.example","client_name":"Evil"})");
        auto d1 = good.find('.'), d2 = good.rfind('.');
        auto o1 = other.find('.'), o2 = other.rfind('.');
        auto spliced = good.substr(0, d1) + other.substr(o1, o2 - o1) + good.substr(d2);
        CHECK(code(spliced, p) == error::software_statement_signature_invalid);
    }
    SECTION("wrong key: another key under the same kid")
    {
        CHECK(code(make_jwt(k.other_es, claims_ok), p) == error::software_statement_signature_invalid);
    }
    SECTION("the right key is not among the issuer's keys")
    {
        CHECK(code(good, trusting(k.ed.jwk)) == error::software_statement_signature_invalid);
    }
    SECTION("algorithm confusion: RS256 header over an EC key's signature")
    {
        auto header = std::string(R"({"alg":"RS256","kid":"es"})");
        auto input = b64(header) + "." + b64(claims_ok);
        CHECK(code(input + "." + b64(k.es.sign(input)), p) == error::software_statement_signature_invalid);
    }
    SECTION("algorithm confusion: HS256 keyed with the issuer's public key")
    {
        CHECK(code(make_jwt(k.es, claims_ok, R"({"alg":"HS256"})"), p) == error::malformed_software_statement);
    }
    SECTION("alg none")
    {
        auto unsigned_jwt = b64(R"({"alg":"none"})") + "." + b64(claims_ok) + ".";
        CHECK(code(unsigned_jwt, p) == error::malformed_software_statement);
        CHECK(code(unsigned_jwt + "AAAA", p) == error::malformed_software_statement);
    }
    SECTION("expired, not yet valid, issued in the future (RFC 7519 4.1.4-4.1.6)")
    {
        auto with = [&](std::string const& times) {
            return make_jwt(k.ed, R"({"iss":"https://issuer.example",)" + times + "}");
        };
        CHECK(code(with(R"("exp":1699999000)"), p) == error::software_statement_expired);
        CHECK(code(with(R"("nbf":1700001000)"), p) == error::software_statement_expired);
        CHECK(code(with(R"("iat":1700001000)"), p) == error::software_statement_expired);
        CHECK(code(with(R"("exp":"tomorrow")"), p) == error::malformed_software_statement);
        // within the 60 s skew
        CHECK(validate_request(body_with(with(R"("exp":1699999990,"nbf":1700000030)")), p, now).has_value());
    }
    SECTION("untrusted issuer: unapproved, not invalid")
    {
        auto r = validate_request(body_with(make_jwt(k.es, R"({"iss":"https://elsewhere.example"})")), p, now);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().rfc_code() == "unapproved_software_statement");
        auto none_trusted = validate_request(body_with(good), profile{}, now);
        CHECK(none_trusted.error().rfc_code() == "unapproved_software_statement");
    }
    SECTION("truncated and non-base64url")
    {
        CHECK(code(good.substr(0, good.rfind('.')), p) == error::malformed_software_statement);
        CHECK(code(good.substr(0, good.size() - 1) + "+", p) == error::malformed_software_statement);
        CHECK(code("a.b.c", p) == error::malformed_software_statement);
        CHECK(code(good + ".x", p) == error::malformed_software_statement);
    }
    SECTION("header and payload must be JSON objects; no iss, no crit")
    {
        auto sig = "." + b64("sig");
        CHECK(code(b64("[1]") + "." + b64(claims_ok) + sig, p) == error::malformed_software_statement);
        CHECK(code(b64(R"({"alg":"ES256"})") + "." + b64("not json") + sig, p) == error::malformed_software_statement);
        CHECK(code(b64(R"({"alg":"ES256","alg":"EdDSA"})") + "." + b64(claims_ok) + sig, p) ==
              error::malformed_software_statement);
        CHECK(code(make_jwt(k.es, R"({"client_name":"x"})"), p) == error::malformed_software_statement);
        CHECK(code(make_jwt(k.es, claims_ok, R"({"alg":"ES256","crit":["exp"],"exp":1})"), p) ==
              error::malformed_software_statement);
    }
    SECTION("huge segments stop at the limit")
    {
        auto huge = b64(R"({"alg":"ES256"})") + "." + b64(std::string(20000, 'x')) + ".AAAA";
        CHECK(code(huge, p) == error::string_too_long);
    }
    SECTION("a required claim is missing")
    {
        auto strict = trusting(k.es.jwk, {"software_version"});
        CHECK(code(good, strict) == error::malformed_software_statement);
        auto with_version = make_jwt(k.es, R"({"iss":"https://issuer.example","software_version":"2.1"})");
        CHECK(validate_request(body_with(with_version), strict, now).has_value());
    }
    SECTION("an RSA key under 2048 bits verifies nothing (RFC 7518 3.3)")
    {
        auto weak = rsa_signer<CryptoPP::PKCS1v15>("RS256", 1024, "weak");
        CHECK(code(make_jwt(weak, claims_ok), trusting(weak.jwk)) == error::software_statement_signature_invalid);
    }
}

TEST_CASE("RFC 7519 4.1.4: a statement valid until the end of time is not expired", "[software_statement]")
{
    auto const& k = test_keys();
    auto rules = trusting_all().software_statements;
    auto verify = [&](std::string const& times, unix_seconds at = now) {
        return detail::verify_software_statement(make_jwt(k.ed, R"({"iss":"https://issuer.example",)" + times + "}"),
                                                 rules, at);
    };
    // exp within the skew of INT64_MAX: exp + skew would overflow
    CHECK(verify(R"("exp":9223372036854775807)").has_value());
    CHECK(verify(R"("exp":9223372036854775800)").has_value());
    CHECK(verify(R"("exp":18446744073709551615)").has_value()); // past INT64_MAX: still the end of time
    CHECK(verify(R"("exp":1e300)").has_value());
    CHECK(verify(R"("exp":9.3e18)").has_value());
    // nbf and iat at the start of time; now + skew at the end of time
    CHECK(verify(R"("nbf":-9223372036854775808,"iat":-9223372036854775808)").has_value());
    CHECK(verify(R"("nbf":-1e300,"iat":-1e300)").has_value());
    CHECK(verify(R"("nbf":9223372036854775807)", std::numeric_limits<unix_seconds>::max()).has_value());
    CHECK(verify(R"("iat":1e300)", std::numeric_limits<unix_seconds>::max()).has_value());
    // and the far ends still fail where they should
    CHECK(verify(R"("exp":-9223372036854775808)").error().kind() == error::software_statement_expired);
    CHECK(verify(R"("exp":-1e300)").error().kind() == error::software_statement_expired);
    CHECK(verify(R"("nbf":9223372036854775807)").error().kind() == error::software_statement_expired);
    CHECK(verify(R"("nbf":1e300)").error().kind() == error::software_statement_expired);
    CHECK(verify(R"("iat":18446744073709551615)").error().kind() == error::software_statement_expired);
    CHECK(verify(R"("exp":true)").error().kind() == error::malformed_software_statement);
}

TEST_CASE("RFC 7519 2: a fractional NumericDate is compared exactly", "[software_statement]")
{
    auto const& k = test_keys();
    auto rules = trusting_all().software_statements;
    rules.clock_skew = 0;
    auto verify = [&](std::string const& times) {
        return detail::verify_software_statement(make_jwt(k.ed, R"({"iss":"https://issuer.example",)" + times + "}"),
                                                 rules, now);
    };
    CHECK(verify(R"("exp":1700000000.5)").has_value()); // half a second left
    CHECK(verify(R"("exp":1700000000)").error().kind() == error::software_statement_expired);
    CHECK(verify(R"("exp":1699999999.5)").error().kind() == error::software_statement_expired);
    CHECK(verify(R"("exp":1.7000000005e9)").has_value());
    CHECK(verify(R"("nbf":1700000000.5)").error().kind() == error::software_statement_expired);
    CHECK(verify(R"("nbf":1699999999.5,"iat":1699999999.5)").has_value());
    CHECK(verify(R"("iat":1700000000.25)").error().kind() == error::software_statement_expired);
}

TEST_CASE("RFC 7519 4.1.4: a clock skew at the end of time does not overflow", "[software_statement]")
{
    auto const& k = test_keys();
    auto rules = trusting_all().software_statements;
    rules.clock_skew = std::numeric_limits<std::int64_t>::max();
    auto jwt = make_jwt(k.ed, R"({"iss":"https://issuer.example","exp":1,"nbf":9223372036854775807,"iat":1e300})");
    CHECK(detail::verify_software_statement(jwt, rules, now).has_value());
}

TEST_CASE("RFC 7519 4.1.4, 4.1.5: without a time given, a statement is judged at the system clock's now",
          "[software_statement]")
{
    // The overloads without `now` read the clock only for a statement; a
    // statement valid for the hour around the wall clock passes, one that
    // expired an hour ago (or is not valid before the next hour) does not.
    auto const& k = test_keys();
    auto const wall = system_clock{}.now();
    auto statement = [&](unix_seconds nbf, unix_seconds exp) {
        return make_jwt(k.es, R"({"iss":"https://issuer.example","nbf":)" + std::to_string(nbf) + R"(,"exp":)" +
                                  std::to_string(exp) + R"(,"client_name":"Signed Name"})");
    };
    auto const p = trusting_all();
    auto const valid_now = body_with(statement(wall - 600, wall + 3600));
    auto md = validate_request(valid_now, p);
    REQUIRE(md.has_value());
    CHECK(md->client_name == "Signed Name");
    CHECK(check_request(valid_now, p).has_value());
    for (auto const& stale : {body_with(statement(wall - 7200, wall - 3600)), // expired an hour ago
                              body_with(statement(wall + 3600, wall + 7200))}) { // valid from the next hour
        CHECK(validate_request(stale, p).error().kind() == error::software_statement_expired);
        CHECK(check_request(stale, p).error().kind() == error::software_statement_expired);
    }
}

TEST_CASE("RFC 7591 2.3: a profile may require a statement", "[software_statement]")
{
    auto p = trusting_all();
    p.require_software_statement = true;
    auto r = validate_request(R"({"redirect_uris":["https://a.example/cb"]})", p, now);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().rfc_code() == "unapproved_software_statement");
    CHECK(validate_request(body_with(make_jwt(test_keys().ed, claims_ok)), p, now).has_value());
}

TEST_CASE("RFC 8037 A.4: the Ed25519 example signature verifies", "[software_statement][vectors]")
{
    boost::json::object jwk{{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}};
    std::string const input = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
    auto sig = detail::base64url_decode(
                   "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg")
                   .value();
    CHECK(detail::verify_with_jwk(detail::jws_alg::eddsa, jwk, input, sig));
    CHECK_FALSE(detail::verify_with_jwk(detail::jws_alg::eddsa, jwk, input + "x", sig));
    CHECK_FALSE(detail::verify_with_jwk(detail::jws_alg::es256, jwk, input, sig)); // alg must fit the key
    // the payload is a sentence, not a claims set: not a software statement
    auto r = detail::decode_compact_jws(input + "." + b64(sig));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind() == error::malformed_software_statement);
}

TEST_CASE("RFC 7515 A.3: the ES256 example verifies, as a statement too", "[software_statement][vectors]")
{
    std::string const jwk =
        R"({"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})";
    std::string const jws =
        "eyJhbGciOiJFUzI1NiJ9."
        "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ."
        "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
    profile p;
    p.software_statements.trusted_issuers.push_back({"joe", R"({"keys":[)" + jwk + "]}", {}});
    auto claims = detail::verify_software_statement(jws, p.software_statements, 1300819000);
    REQUIRE(claims.has_value());
    CHECK(claims->at("http://example.com/is_root") == true);
    auto expired = detail::verify_software_statement(jws, p.software_statements, 1300819380 + 60);
    REQUIRE_FALSE(expired.has_value());
    CHECK(expired.error().kind() == error::software_statement_expired);
    auto md = validate_request(R"({"grant_types":["client_credentials"],"software_statement":")" + jws + "\"}", p,
                               1300819000);
    REQUIRE(md.has_value());
    CHECK(md->software_statement == jws);
}

TEST_CASE("RFC 7517: jwks metadata holds well-formed public keys", "[software_statement]")
{
    auto const& k = test_keys();
    auto with = [](std::string const& keys) {
        return validate_request(R"({"grant_types":["client_credentials"],"jwks":{"keys":[)" + keys + "]}}");
    };
    CHECK(with(k.rs.jwk + "," + k.es.jwk + "," + k.ed.jwk).has_value());
    CHECK(with(R"({"kty":"RSA","n":"AQAB"})").error().kind() == error::invalid_jwks);            // no e
    CHECK(with(R"({"kty":"EC","crv":"P-256","x":"AQ"})").error().kind() == error::invalid_jwks); // no y
    CHECK(with(R"({"kty":"OKP","crv":"Ed25519"})").error().kind() == error::invalid_jwks);       // no x
    CHECK(with(R"({"kty":"RSA","n":"a+b","e":"AQAB"})").error().kind() == error::invalid_jwks);  // not base64url
    CHECK(with(R"({"kty":"oct","kid":"s"})").error().kind() == error::invalid_jwks);             // symmetric
    CHECK(with(R"({"kty":"OKP","crv":"Ed25519","x":"AQ","d":"AQ"})").error().kind() == error::invalid_jwks);
}

TEST_CASE("RFC 7517 5: a number beyond a double's range in jwks is refused, not kept as Infinity",
          "[software_statement][issue14]")
{
    // No JWK member has a number value (RFC 7517 4, RFC 7518 6). Boost.JSON
    // would write 1e400 back as Infinity, which is not JSON, so every later
    // render of the record would fail; and it rounds other non-integers, so
    // 3e252 would drift on each round trip: jwks holds integers only.
    for (auto const* n : {"1e400", "-1e400", "[1E999]", "{\"deep\":[2e308]}", "3e252", "0.5", "1.0",
                          "18446744073709551616"}) {
        INFO(n);
        auto r = validate_request(std::string(R"({"redirect_uris":["https://a.example/cb"],"jwks":{"keys":[],"n":)") +
                                  n + "}}");
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind() == error::invalid_jwks);
        CHECK(r.error().rfc_code() == "invalid_client_metadata");
        CHECK(r.error().field == "jwks");
        CHECK(r.error().description.find("out of range or not an integer") != std::string::npos);
    }
    // Integers, which are kept exactly, are accepted.
    auto ok = validate_request(R"({"grant_types":["client_credentials"],)"
                               R"("jwks":{"keys":[],"n":[-9223372036854775808,18446744073709551615,0]}})");
    REQUIRE(ok.has_value());
    CHECK(*ok->jwks == R"({"keys":[],"n":[-9223372036854775808,18446744073709551615,0]})");
}

TEST_CASE("RFC 7591 2.3: with a statement, an ignored body member holding 1e400 is dropped as without one",
          "[software_statement][issue14]")
{
    auto const& k = test_keys();
    auto plain = validate_request(R"({"redirect_uris":["https://body.example/cb"],"x":1e400})");
    REQUIRE(plain.has_value()); // unknown members are dropped silently
    auto md = validate_request(body_with(make_jwt(k.es, claims_ok), R"(,"x":[1e400])"), trusting_all(), now);
    REQUIRE(md.has_value());
    CHECK(md->client_name == "Signed Name");
    // A claim holding one is refused: the merged request could not be written.
    auto bad = make_jwt(k.es, R"({"iss":"https://issuer.example","iat":1699999000,"exp":1700003600,)"
                              R"("redirect_uris":["https://signed.example/cb"],"jwks":{"keys":[],"n":1e400}})");
    auto r = validate_request(body_with(bad), trusting_all(), now);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().rfc_code() == "invalid_software_statement");
    CHECK(r.error().description.find("out of range") != std::string::npos);
}

TEST_CASE("RFC 7518 6.2.1.2: a registered key's coordinates are at the curve's full size", "[software_statement]")
{
    auto with = [](std::string const& key) {
        return validate_request(R"({"grant_types":["client_credentials"],"jwks":{"keys":[)" + key + "]}}");
    };
    auto bytes = [](std::size_t n) { return b64(std::string(n, '\x01')); };
    auto ec = [&](char const* crv, std::size_t x, std::size_t y) {
        return std::string(R"({"kty":"EC","crv":")") + crv + R"(","x":")" + bytes(x) + R"(","y":")" + bytes(y) + "\"}";
    };
    auto okp = [&](char const* crv, std::size_t x) {
        return std::string(R"({"kty":"OKP","crv":")") + crv + R"(","x":")" + bytes(x) + "\"}";
    };
    CHECK(with(R"({"kty":"EC","crv":"P-256","x":"AA","y":"AA"})").error().kind() == error::invalid_jwks);
    CHECK(with(ec("P-256", 32, 32)).has_value());
    CHECK(with(ec("P-256", 31, 32)).error().kind() == error::invalid_jwks); // a leading zero dropped
    CHECK(with(ec("P-256", 32, 33)).error().kind() == error::invalid_jwks);
    CHECK(with(ec("P-384", 48, 48)).has_value());
    CHECK(with(ec("P-384", 32, 32)).error().kind() == error::invalid_jwks);
    CHECK(with(ec("P-521", 66, 66)).has_value());
    CHECK(with(ec("P-521", 65, 66)).error().kind() == error::invalid_jwks);
    CHECK(with(ec("secp256k1", 32, 32)).has_value());                       // RFC 8812 3.1
    CHECK(with(ec("P-192", 24, 24)).error().kind() == error::invalid_jwks); // not a JOSE curve
    // RFC 8037 2: an OKP key is the curve's key encoding, of its one size
    CHECK(with(okp("Ed25519", 32)).has_value());
    CHECK(with(R"({"kty":"OKP","crv":"Ed25519","x":"AQ"})").error().kind() == error::invalid_jwks);
    CHECK(with(okp("Ed448", 57)).has_value());
    CHECK(with(okp("X25519", 32)).has_value());
    CHECK(with(okp("X448", 56)).has_value());
    CHECK(with(okp("X448", 57)).error().kind() == error::invalid_jwks);
    CHECK(with(okp("Ed2551", 32)).error().kind() == error::invalid_jwks);
    // RFC 7518 6.3.1: n and e, base64url
    CHECK(with(R"({"kty":"RSA","n":"AQAB","e":""})").error().kind() == error::invalid_jwks);
    CHECK(with(R"({"kty":"RSA","n":1,"e":"AQAB"})").error().kind() == error::invalid_jwks);
}

TEST_CASE("RFC 7518 6.2.1.2: one key check for registered keys and a statement issuer's keys", "[software_statement]")
{
    // A real P-256 key (RFC 7515 A.3) with x cut to 31 bytes: refused as client
    // metadata, and verifying nothing as an issuer's key; the full key passes both.
    std::string const x = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
                      y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
    auto short_x = b64(detail::base64url_decode(x)->substr(1));
    for (auto const& [key_x, good] : {std::pair{x, true}, std::pair{short_x, false}}) {
        boost::json::object jwk{{"kty", "EC"}, {"crv", "P-256"}, {"x", key_x}, {"y", y}};
        INFO(boost::json::serialize(jwk));
        CHECK(detail::public_jwk_problem(jwk).has_value() == !good);
        auto md = validate_request(R"({"grant_types":["client_credentials"],"jwks":{"keys":[)" +
                                   boost::json::serialize(jwk) + "]}}");
        CHECK(md.has_value() == good);
    }
}
