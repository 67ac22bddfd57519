//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_TESTING_ASSERTION_REPLAY_CONFORMANCE_HPP
#define OAUTHREG_TESTING_ASSERTION_REPLAY_CONFORMANCE_HPP

// The remembered client assertions (assertion_replay_storage) as a Catch2
// suite, beside storage_conformance.hpp. Call it with a factory of empty stores:
//
//   TEST_CASE("my store remembers client assertions") {
//       oauthreg::testing::check_assertion_replay_contract([] { return std::make_unique<my_store>(); });
//   }
//
// `concurrent` (default true) adds the checks with 16 threads presenting one
// pair at once: exactly one of them is told it is new. `count_held`, when
// given, is called as `count_held(store)` and returns how many pairs the
// store holds, expired ones not dropped yet included; then the suite also
// checks that expired pairs are dropped.

#include <oauthreg/storage/assertion_replay.hpp>
#include <oauthreg/testing/lifecycle_conformance.hpp>
#include <oauthreg/testing/thread_failures.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>

namespace oauthreg::testing {

/** The `count_held` of `check_assertion_replay_contract` that skips the
    check of dropped pairs: the store cannot be asked. */
struct no_assertion_count {};

namespace detail {

inline constexpr unix_seconds assertion_t0 = 1700000000;

template <class Factory> void check_assertion_first_use(Factory& make)
{
    auto s = make();
    unix_seconds const t0 = assertion_t0, exp = t0 + 60;
    INFO("RFC 7523 3 (7): a jti is new once; a replay before its expiry is refused, at the expiry too");
    CHECK(s->remember_assertion("client-a", "jti-1", exp, t0).value());
    CHECK_FALSE(s->remember_assertion("client-a", "jti-1", exp, t0).value());
    CHECK_FALSE(s->remember_assertion("client-a", "jti-1", exp + 500, t0 + 1).value());
    CHECK_FALSE(s->remember_assertion("client-a", "jti-1", exp, exp).value()); // held while expires_at >= now

    INFO("the pair is the key: the same jti from another client, another jti of the client, are new");
    CHECK(s->remember_assertion("client-b", "jti-1", exp, t0).value());
    CHECK(s->remember_assertion("client-a", "jti-2", exp, t0).value());
    CHECK(s->remember_assertion("client-a", "", exp, t0).value());
    CHECK(s->remember_assertion("", "jti-1", exp, t0).value());
    CHECK_FALSE(s->remember_assertion("client-b", "jti-1", exp, t0 + 30).value());

    INFO("after its expiry a pair is new again, held until its new expiry");
    CHECK(s->remember_assertion("client-a", "jti-1", exp + 100, exp + 1).value());
    CHECK_FALSE(s->remember_assertion("client-a", "jti-1", exp + 100, exp + 100).value());
    CHECK(s->remember_assertion("client-a", "jti-1", exp + 200, exp + 101).value());

    INFO("a refused replay changes nothing: it does not move the expiry");
    CHECK(s->remember_assertion("client-c", "jti-3", t0 + 10, t0).value());
    CHECK_FALSE(s->remember_assertion("client-c", "jti-3", t0 + 1000, t0 + 5).value());
    CHECK(s->remember_assertion("client-c", "jti-3", t0 + 1000, t0 + 11).value());
}

template <class Factory> void check_assertion_ids(Factory& make)
{
    auto s = make();
    unix_seconds const t0 = assertion_t0;
    auto refused = [&](std::string_view client_id, std::string_view jti, char const* field) {
        auto r = s->remember_assertion(client_id, jti, t0 + 60, t0);
        INFO("client_id of " << client_id.size() << " bytes, jti of " << jti.size() << " bytes");
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind() == error::invalid_identifier);
        CHECK(r.error().field == field);
    };
    INFO("ids a store cannot hold are invalid_identifier: not UTF-8, a NUL, longer than max_assertion_id_bytes");
    refused("client-a", "\xc0\xaf", "jti");
    refused("client-a", "caf\xc3", "jti");
    refused("client-a", std::string_view("a\0b", 3), "jti");
    refused("\xed\xa0\x80", "jti-1", "client_id"); // a surrogate
    refused(std::string_view("c\0", 2), "jti-1", "client_id");
    std::string const longest(max_assertion_id_bytes, 'j');
    refused("client-a", longest + "j", "jti");
    refused(longest + "c", "jti-1", "client_id");

    INFO("the longest ids, multi-byte text included, are held; nothing of a refused call was");
    CHECK(s->remember_assertion(longest, longest, t0 + 60, t0).value());
    CHECK_FALSE(s->remember_assertion(longest, longest, t0 + 60, t0).value());
    std::string accents;
    while (accents.size() + 2 <= max_assertion_id_bytes)
        accents += "\xc3\xa9";
    CHECK(s->remember_assertion("client-\xe2\x82\xac", accents, t0 + 60, t0).value());
    CHECK(s->remember_assertion("client-a", "a", t0 + 60, t0).value());
    CHECK(s->remember_assertion("c", "jti-1", t0 + 60, t0).value());
}

template <class Factory, class Count> void check_assertions_dropped(Factory& make, Count& count_held)
{
    INFO("expired pairs are dropped by the store itself: 600 expired, 600 new remembered after them");
    auto s = make();
    unix_seconds const t0 = assertion_t0;
    constexpr std::size_t n = 600;
    for (std::size_t i = 0; i < n; ++i)
        REQUIRE(s->remember_assertion("client-a", "old-" + std::to_string(i), t0 + 1, t0).value());
    CHECK(count_held(*s) == n);
    for (std::size_t i = 0; i < n; ++i)
        REQUIRE(s->remember_assertion("client-a", "new-" + std::to_string(i), t0 + 1000, t0 + 2).value());
    std::size_t const held = count_held(*s);
    CHECK(held >= n);            // every live pair is held
    CHECK(held <= n + n / 2);    // and at least half the expired ones are gone
    CHECK_FALSE(s->remember_assertion("client-a", "new-0", t0 + 1000, t0 + 3).value());
}

template <class Factory> void check_concurrent_assertions(Factory& make)
{
    INFO("16 threads present one pair at once, 8 rounds: exactly one of them is told it is new each round");
    auto s = make();
    thread_failures failures;
    for (int round = 0; round < 8; ++round) {
        std::string const jti = "race-" + std::to_string(round);
        int const firsts = count_concurrent_successes(16, [&](int) {
            auto r = s->remember_assertion("client-a", jti, assertion_t0 + 60, assertion_t0);
            failures.expect(r.has_value(), "remember_assertion " + jti);
            return r && *r;
        });
        CHECK(firsts == 1);
    }
    failures.check();
}

} // namespace detail

/** Checks a backend against the remembered client assertions
    (`assertion_replay_storage`): a pair is new once and refused while held
    (`expires_at >= now`), new again after its expiry, a replay changes
    nothing, ids it cannot hold are `invalid_identifier`, expired pairs are
    dropped (when `count_held` can count them), and concurrent calls with one
    pair get exactly one true.
    @param make returns a fresh, empty store (a pointer-like owner)
    @param concurrent also run the checks with concurrent callers (thread-safe stores)
    @param count_held `count_held(store)`: how many pairs the store holds; or
    @ref no_assertion_count to skip that check */
template <class Factory, class Count = no_assertion_count>
void check_assertion_replay_contract(Factory make, bool concurrent = true, Count count_held = {})
{
    using store_type = std::remove_reference_t<decltype(*make())>;
    static_assert(assertion_replay_storage<store_type>, "the store must model oauthreg::assertion_replay_storage");
    detail::check_assertion_first_use(make);
    detail::check_assertion_ids(make);
    if constexpr (!std::is_same_v<Count, no_assertion_count>)
        detail::check_assertions_dropped(make, count_held);
    if (concurrent)
        detail::check_concurrent_assertions(make);
}

} // namespace oauthreg::testing

#endif
