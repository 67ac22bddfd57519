// The registry's policies as instances: a given RNG and clock are the ones it
// uses, and a registry moves when its store does.
#include <oauthreg/registry.hpp>

#include "support/catch.hpp"
#include "support/hooked_store.hpp"

#include <oauthreg/testing/deterministic_rng.hpp>

#include <optional>
#include <type_traits>
#include <utility>

using namespace oauthreg;

namespace {

using seeded_registry = basic_registry<memory_storage_st, deterministic_rng_for_testing_only, manual_clock>;
using movable_registry = basic_registry<test_support::hooked_store<true>, deterministic_rng_for_testing_only, manual_clock>;

constexpr char const* web_client = R"({"redirect_uris":["https://app.example.com/cb"],"client_name":"Web"})";

} // namespace

TEST_CASE("registry: the RNG and clock instances given are the ones it uses", "[registry][policies][store18]")
{
    seeded_registry reg({}, deterministic_rng_for_testing_only(42), manual_clock(1234567890));
    auto r = reg.register_client(web_client);
    REQUIRE(r.has_value());
    CHECK(r->record.created_at == 1234567890);
    CHECK(r->record.updated_at == 1234567890);
    // The client_id (an RFC 4122 version 4 UUID) the seed-42 sequence makes.
    CHECK(r->record.client_id == "5519364d-8ea2-4ce7-bc4f-7f9c62dc1418");
    seeded_registry other; // default seed and clock: another id, another time
    auto o = other.register_client(web_client).value();
    CHECK(o.record.client_id != r->record.client_id);
    CHECK(o.record.created_at == manual_clock().now());
}

TEST_CASE("registry: movable when its store, RNG and clock are", "[registry][policies][store18]")
{
    CHECK(std::is_move_constructible_v<movable_registry>);
    CHECK(std::is_move_constructible_v<basic_registry<test_support::hooked_store<true>, os_rng, system_clock>>);
    movable_registry from({}, test_support::hooked_store<true>{}, deterministic_rng_for_testing_only(42),
                          manual_clock(1700000000));
    auto r = from.register_client(web_client).value();
    movable_registry to(std::move(from));
    CHECK(to.authenticate(r.record.client_id, *r.client_secret).has_value()); // the store came along
    auto next = to.register_client(web_client);                              // and the RNG, with its lock
    REQUIRE(next.has_value());
    CHECK(next->record.client_id != r.record.client_id);
}

TEST_CASE("registry: the default registry, on the in-memory store, moves with its clients", "[registry][policies]")
{
    STATIC_REQUIRE(std::is_nothrow_move_constructible_v<memory_storage>);
    STATIC_REQUIRE(std::is_move_constructible_v<registry>);
    auto make = [] { // a registry returned from a function: the reason to move one
        registry reg;
        return reg;
    };
    registry from = make();
    auto r = from.register_client(web_client).value();
    std::optional<registry> kept;
    kept.emplace(std::move(from));
    CHECK(kept->authenticate(r.record.client_id, *r.client_secret).has_value());
    CHECK(kept->find(r.record.client_id).value().metadata.client_name == "Web");
    auto next = kept->register_client(web_client);
    REQUIRE(next.has_value());
    CHECK(next->record.client_id != r.record.client_id);
}
