// Tests of detail/client_id.hpp: RFC 4122 4.4 version 4 UUIDs from the RNG policy.
#include <oauthreg/detail/client_id.hpp>

#include "../support/catch.hpp"

#include <oauthreg/testing/deterministic_rng.hpp>

#include <boost/uuid/string_generator.hpp>

using namespace oauthreg;

TEST_CASE("RFC 4122 4.4: client ids are version 4, RFC 4122 variant", "[client_id]")
{
    deterministic_rng_for_testing_only rng(99);
    for (int i = 0; i < 1000; ++i) {
        auto id = detail::generate_client_id(rng);
        REQUIRE(id.size() == 36);
        auto u = boost::uuids::string_generator()(id);
        CHECK(u.version() == boost::uuids::uuid::version_random_number_based);
        CHECK(u.variant() == boost::uuids::uuid::variant_rfc_4122);
    }
}

TEST_CASE("client ids come from the RNG policy's bytes only", "[client_id]")
{
    deterministic_rng_for_testing_only a(5), b(5);
    CHECK(detail::generate_client_id(a) == detail::generate_client_id(b));
    CHECK(detail::generate_client_id(a) != detail::generate_client_id(a));
}
