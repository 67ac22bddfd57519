// Tests of detail/secret.hpp: SHA-256 / HMAC-SHA-256 vectors, constant-time compare.
#include <oauthreg/detail/secret.hpp>

#include "../support/catch.hpp"

#include <oauthreg/testing/deterministic_rng.hpp>

using namespace oauthreg;
using namespace oauthreg::detail;

namespace {
std::string hex(secret_hash const& h)
{
    static char const* d = "0123456789abcdef";
    std::string s;
    for (auto b : h) {
        s += d[b >> 4];
        s += d[b & 15];
    }
    return s;
}
} // namespace

TEST_CASE("FIPS 180-4 / RFC 4231: SHA-256 and HMAC-SHA-256 vectors", "[secret]")
{
    CHECK(hex(secret_hasher()("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    // RFC 4231 4.3, test case 2
    CHECK(hex(secret_hasher("Jefe")("what do ya want for nothing?")) ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    CHECK(secret_hasher("Jefe").peppered());
    CHECK_FALSE(secret_hasher().peppered());
}

TEST_CASE("generated secrets: 256 bits from the RNG policy, base64url", "[secret]")
{
    deterministic_rng_for_testing_only a(1), b(1), c(2);
    auto s = generate_secret(a);
    CHECK(s.size() == 43);
    CHECK(s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == std::string::npos);
    CHECK(base64url_decode(s)->size() == 32);
    CHECK(generate_secret(b) == s);
    CHECK(generate_secret(c) != s);
    CHECK(generate_secret(c, 64).size() == 86);
}

TEST_CASE("digests compare with Crypto++'s constant-time VerifyBufsEqual", "[secret]")
{
    secret_hash a{}, b{};
    CHECK(equal_constant_time(a, b));
    b[31] = 1;
    CHECK_FALSE(equal_constant_time(a, b));
    b[31] = 0;
    b[0] = 0x80;
    CHECK_FALSE(equal_constant_time(a, b));
}
