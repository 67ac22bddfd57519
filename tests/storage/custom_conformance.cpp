// The conformance suite on a store a user wrote (examples/custom_storage.cpp).
#define OAUTHREG_CUSTOM_STORAGE_NO_MAIN
#include "../../examples/custom_storage.cpp"

#include <oauthreg/testing/storage_conformance.hpp>

TEST_CASE("a user's custom store answers filtered, page-numbered listings unchanged", "[storage][conformance][pages]")
{
    oauthreg::testing::check_client_pages([] { return std::make_unique<map_storage>(); });
}

TEST_CASE("a user's custom store meets the storage contract in five lines", "[storage][conformance][concurrency]")
{
    oauthreg::testing::check_storage_contract([] { return std::make_unique<map_storage>(); });
}
