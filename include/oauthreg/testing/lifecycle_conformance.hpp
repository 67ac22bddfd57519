//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_TESTING_LIFECYCLE_CONFORMANCE_HPP
#define OAUTHREG_TESTING_LIFECYCLE_CONFORMANCE_HPP

// The lifecycle part of the storage contract (lifecycle_storage) as a Catch2
// suite, beside storage_conformance.hpp. Call it with a factory of empty stores:
//
//   TEST_CASE("my store keeps the client lifecycle") {
//       oauthreg::testing::check_lifecycle_contract([] { return std::make_unique<my_store>(); });
//   }
//
// `concurrent` (default true) adds the checks with 16 writer threads: exactly
// N of them get past a quota of N, exactly N spend a token of N uses.

#include <oauthreg/storage/lifecycle.hpp>
#include <oauthreg/testing/storage_conformance.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace oauthreg::testing {

/** A stored initial access token of `org`, with a hash made from `seed`. */
inline initial_access_token_record token_record(std::string id, std::uint8_t seed, std::string org = "org-1",
                                                std::uint32_t max_uses = 1, unix_seconds created_at = 1700000000)
{
    initial_access_token_record t;
    t.id = std::move(id);
    t.token_hash.fill(seed);
    t.org_id = std::move(org);
    t.user_id = "minter";
    t.max_uses = max_uses;
    t.created_at = created_at;
    t.expires_at = created_at + 3600;
    return t;
}

namespace detail {

/** A client of `org` created at `created`, of `origin`. */
inline client_record aged_record(std::string id, std::string org, unix_seconds created, client_origin origin)
{
    auto r = full_record(std::move(id), std::move(org));
    r.created_at = r.updated_at = created;
    r.origin = origin;
    return r;
}

template <class Factory> void check_touch(Factory& make)
{
    INFO("touch: last_used_at moves forward only, and the version and every other member stay");
    auto s = make();
    auto rec = full_record("client-a");
    REQUIRE(s->insert(rec).has_value());
    REQUIRE(s->touch("client-a", 1700000500).has_value());
    auto got = s->find("client-a");
    REQUIRE(got.has_value());
    CHECK(got->last_used_at == 1700000500);
    CHECK(got->version == rec.version);
    rec.last_used_at = 1700000500;
    CHECK(*got == rec);
    REQUIRE(s->touch("client-a", 1700000400).has_value()); // an older use does not move it back
    CHECK(s->find("client-a")->last_used_at == 1700000500);
    CHECK(s->touch("client-b", 1700000500).error().kind() == error::client_not_found);

    INFO("a replace at the version read before a touch keeps the touch (a use is not an update)");
    auto v2 = full_record("client-a");
    v2.version = 2;
    v2.metadata.client_name = "renamed";
    REQUIRE(s->replace(v2, 1).has_value());
    got = s->find("client-a");
    REQUIRE(got.has_value());
    CHECK(got->last_used_at == 1700000500);
    CHECK(got->metadata.client_name == std::optional<std::string>("renamed"));
}

template <class Factory> void check_quota(Factory& make)
{
    INFO("insert under a quota: the organization's count is checked in the insert; a delete frees a place");
    auto s = make();
    insert_conditions const quota{2, std::nullopt, 1700000000};
    CHECK(s->insert(full_record("q-1", "org-q"), quota).has_value());
    CHECK(s->insert(full_record("q-2", "org-q"), quota).has_value());
    auto over = s->insert(full_record("q-3", "org-q"), quota);
    REQUIRE_FALSE(over.has_value());
    CHECK(over.error().kind() == error::quota_exceeded);
    CHECK(s->find("q-3").error().kind() == error::client_not_found);
    CHECK(s->insert(full_record("other-1", "org-other"), quota).has_value()); // per organization
    REQUIRE(s->erase("q-1").has_value());
    CHECK(s->insert(full_record("q-3", "org-q"), quota).has_value());
    auto dup = s->insert(full_record("q-3", "org-q"), insert_conditions{});
    REQUIRE_FALSE(dup.has_value());
    CHECK(dup.error().kind() == error::client_exists);
}

template <class Factory> void check_token_spending(Factory& make)
{
    INFO("initial access tokens (RFC 7591 3): one use spent per insert, none for a failed one");
    auto s = make();
    REQUIRE(s->insert_token(token_record("t-1", 0x11, "org-1", 2)).has_value());
    CHECK(s->insert_token(token_record("t-1", 0x12)).error().kind() == error::client_exists);
    auto spend = insert_conditions{0, token_record("", 0x11).token_hash, 1700000010};
    CHECK(s->insert(full_record("c-1"), spend).has_value());
    auto dup = s->insert(full_record("c-1"), spend); // a failed insert spends nothing
    CHECK(dup.error().kind() == error::client_exists);
    CHECK(s->find_token(spend.initial_access_token.value())->uses == 1);
    CHECK(s->insert(full_record("c-2"), spend).has_value());
    auto spent = s->insert(full_record("c-3"), spend);
    REQUIRE_FALSE(spent.has_value());
    CHECK(spent.error().kind() == error::invalid_initial_access_token);
    CHECK(s->find("c-3").error().kind() == error::client_not_found);
    CHECK(s->find_token(spend.initial_access_token.value())->uses == 2);

    REQUIRE(s->insert_token(token_record("t-2", 0x22, "org-1", 5)).has_value());
    auto late = insert_conditions{0, token_record("", 0x22).token_hash, 1700000000 + 3600};
    CHECK(s->insert(full_record("c-4"), late).error().kind() == error::invalid_initial_access_token);
    late.now -= 1;
    CHECK(s->insert(full_record("c-4", "org-2"), late).error().kind() == error::invalid_initial_access_token);
    CHECK(s->insert(full_record("c-4"), late).has_value());
    auto unknown = insert_conditions{0, token_record("", 0x33).token_hash, 1700000010};
    CHECK(s->insert(full_record("c-5"), unknown).error().kind() == error::invalid_initial_access_token);
    CHECK(s->find_token(unknown.initial_access_token.value()).error().kind() ==
          error::invalid_initial_access_token);
}

template <class Factory> void check_token_listing(Factory& make)
{
    INFO("list_tokens: the organization's tokens, newest first, spent ones kept; erase_token in its organization only");
    auto s = make();
    REQUIRE(s->insert_token(token_record("t-old", 0x01, "org-1", 1, 1700000000)).has_value());
    REQUIRE(s->insert_token(token_record("t-new", 0x02, "org-1", 1, 1700000100)).has_value());
    REQUIRE(s->insert_token(token_record("t-theirs", 0x03, "org-2")).has_value());
    REQUIRE(s->insert(full_record("c-1"), insert_conditions{0, token_record("", 0x01).token_hash, 1700000001}).has_value());
    auto list = s->list_tokens("org-1");
    REQUIRE(list.has_value());
    REQUIRE(list->size() == 2);
    CHECK((*list)[0] == token_record("t-new", 0x02, "org-1", 1, 1700000100));
    auto spent = token_record("t-old", 0x01, "org-1", 1, 1700000000);
    spent.uses = 1;
    CHECK((*list)[1] == spent);
    CHECK(s->erase_token("org-1", "t-theirs").error().kind() == error::client_not_found);
    CHECK(s->erase_token("org-1", "t-none").error().kind() == error::client_not_found);
    CHECK(s->erase_token("org-1", "t-new").has_value());
    CHECK(s->list_tokens("org-1")->size() == 1);
    CHECK(s->list_tokens("org-2")->size() == 1);
    CHECK(s->find_token(token_record("", 0x02).token_hash).error().kind() == error::invalid_initial_access_token);
}

template <class Factory> void check_reaping(Factory& make)
{
    INFO("reap: idle clients of the origin asked for, at most limit per call; a recent use spares one");
    auto s = make();
    unix_seconds const cut = 1700100000;
    for (int i = 0; i < 7; ++i) // idle registrations
        REQUIRE(s->insert(aged_record("idle-" + std::to_string(i), "org-1", cut - 10, client_origin::registration))
                    .has_value());
    REQUIRE(s->insert(aged_record("used", "org-1", cut - 10, client_origin::registration)).has_value());
    REQUIRE(s->touch("used", cut).has_value());
    REQUIRE(s->insert(aged_record("fresh", "org-1", cut, client_origin::registration)).has_value());
    REQUIRE(s->insert(aged_record("made-by-api", "org-2", cut - 10, client_origin::api)).has_value());
    reap_query q{client_origin::registration, cut, 3};
    CHECK(s->count_idle(q).value() == 7);
    CHECK(s->count_idle(reap_query{std::nullopt, cut, 1}).value() == 8);
    CHECK(s->reap(q).value() == 3);
    CHECK(s->count_idle(q).value() == 4);
    CHECK(s->reap(q).value() == 3);
    CHECK(s->reap(q).value() == 1);
    CHECK(s->reap(q).value() == 0);
    CHECK(s->find("used").has_value());
    CHECK(s->find("fresh").has_value());
    CHECK(s->find("made-by-api").has_value());
    CHECK(s->find("idle-0").error().kind() == error::client_not_found);
    CHECK(s->reap(reap_query{client_origin::api, cut, 10}).value() == 1);
    CHECK(s->find("made-by-api").error().kind() == error::client_not_found);
}

/** Runs `attempt(i)` on `threads` threads at once; @return how many returned true. */
template <class F> int count_concurrent_successes(int threads, F attempt)
{
    std::atomic<int> wins{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> pool;
    for (int i = 0; i < threads; ++i)
        pool.emplace_back([&, i] {
            while (!go.load())
                std::this_thread::yield();
            if (attempt(i))
                ++wins;
        });
    go = true;
    for (auto& t : pool)
        t.join();
    return wins.load();
}

template <class Factory> void check_concurrent_lifecycle(Factory& make)
{
    INFO("16 concurrent inserts against a quota of 5: exactly 5 stored");
    auto s = make();
    insert_conditions const quota{5, std::nullopt, 1700000000};
    int const stored = count_concurrent_successes(16, [&](int i) {
        return s->insert(full_record("quota-" + std::to_string(i), "org-race"), quota).has_value();
    });
    CHECK(stored == 5);
    CHECK(collect(*s, owner_filter{"org-race", std::nullopt}, 100).size() == 5);

    INFO("16 concurrent inserts with a token of 3 uses: exactly 3 stored, and the token shows 3 uses");
    REQUIRE(s->insert_token(token_record("t-race", 0x44, "org-t", 3)).has_value());
    insert_conditions const spend{0, token_record("", 0x44).token_hash, 1700000010};
    int const spent = count_concurrent_successes(16, [&](int i) {
        return s->insert(full_record("token-" + std::to_string(i), "org-t"), spend).has_value();
    });
    CHECK(spent == 3);
    CHECK(s->find_token(*spend.initial_access_token)->uses == 3);
}

} // namespace detail

/** Checks a backend against the lifecycle part of the storage contract
    (`lifecycle_storage`): touch, quotas and initial access tokens counted in
    the insert, token listing and revocation, reaping.
    @param make returns a fresh, empty store (a pointer-like owner)
    @param concurrent also run the checks with concurrent writers (thread-safe stores) */
template <class Factory> void check_lifecycle_contract(Factory make, bool concurrent = true)
{
    using store_type = std::remove_reference_t<decltype(*make())>;
    static_assert(lifecycle_storage<store_type>, "the store must model oauthreg::lifecycle_storage");
    detail::check_touch(make);
    detail::check_quota(make);
    detail::check_token_spending(make);
    detail::check_token_listing(make);
    detail::check_reaping(make);
    if (concurrent)
        detail::check_concurrent_lifecycle(make);
}

} // namespace oauthreg::testing

#endif
