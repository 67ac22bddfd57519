// Tests of detail/jws.hpp's shape check: the compact serialization of RFC 7515 7.1.
// (Signatures, keys and claims are tested with the statements, in software_statement.cpp.)
#include <oauthreg/detail/jws.hpp>

#include "../support/catch.hpp"

using namespace oauthreg;
using namespace oauthreg::detail;

TEST_CASE("RFC 7515 7.1: a compact JWS is three non-empty base64url parts", "[jws]")
{
    auto parts = split_compact_jws("eyJh.eyJp-_.c2ln");
    REQUIRE(parts);
    CHECK(parts->header == "eyJh");
    CHECK(parts->payload == "eyJp-_");
    CHECK(parts->signature == "c2ln");
    for (std::string_view bad :
         {"", ".", "..", "a.b", "a.b.c.d", ".b.c", "a..c", "a.b.", "a.b+.c", "a.b.c=", "a b.c.d"})
        CHECK_FALSE(split_compact_jws(bad));
}

TEST_CASE("RFC 7515 2: a part of 4k+1 characters is not base64url", "[jws]")
{
    auto r = decode_compact_jws("Z.Zg.Zg");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind() == error::malformed_software_statement);
    CHECK(r.error().description.find("not base64url (RFC 7515 2)") != std::string::npos);
    auto shape = decode_compact_jws("Zg..Zg");
    REQUIRE_FALSE(shape.has_value());
    CHECK(shape.error().kind() == error::malformed_software_statement);
    CHECK(shape.error().description.find("not a compact-serialized JWS (RFC 7515 7.1)") != std::string::npos);
}
