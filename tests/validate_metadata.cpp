// Tests of validate_metadata.hpp: the rules on metadata a host built itself,
// without the software-statement code. Only headers that verify no statement
// are included first, so that this file fails to compile if the rules or the
// record API bring in Crypto++'s public-key code.
#include <oauthreg/record_request.hpp>
#include <oauthreg/validate_metadata.hpp>

#if defined(CRYPTOPP_RSA_H) || defined(CRYPTOPP_ECCRYPTO_H) || defined(CRYPTOPP_XED25519_H) || defined(CRYPTOPP_PSSR_H)
#error "the rules or the record API reach Crypto++'s public-key headers"
#endif

#include "support/catch.hpp"

using namespace oauthreg;

TEST_CASE("validate_metadata: the rules on hand-built metadata", "[validate_metadata]")
{
    client_metadata md;
    md.redirect_uris = {"https://app.example/cb"};
    md.client_name = "Hand-built";
    // Built metadata states its lists: an empty grant_types is refused, not defaulted (RFC 7591 2)
    CHECK(validate_metadata(md).error().kind() == error::empty_grant_types);
    md.grant_types = {grant_type::authorization_code};
    md.response_types = {response_type::code};
    auto ok = validate_metadata(md);
    REQUIRE(ok.has_value());
    CHECK(*ok == md); // already normal: nothing changed

    md.redirect_uris = {"http://127.0.0.1.evil.example/cb"}; // RFC 8252 8.3: not a loopback literal
    auto bad = validate_metadata(md);
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().rfc_code() == "invalid_redirect_uri");
    CHECK(bad.error().field == "redirect_uris[0]");

    md.redirect_uris = {"https://app.example/cb"};
    md.jwks = R"({"keys":[{"kty":"oct","k":"c2VjcmV0"}]})"; // RFC 7591 2: public keys only
    CHECK(validate_metadata(md).error().rfc_code() == "invalid_client_metadata");
}
