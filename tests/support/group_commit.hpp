// Test helper: the group commit of a SQL store (storage/detail/group_commit.hpp),
// checked through the store: many threads write at once, each answer is
// its own, and batching happened. Results are noted on the writing threads
// and asserted on the test's (Catch2 2 is not thread-safe).
#ifndef OAUTHREG_TESTS_SUPPORT_GROUP_COMMIT_HPP
#define OAUTHREG_TESTS_SUPPORT_GROUP_COMMIT_HPP

#include "catch.hpp"

#include <oauthreg/storage/lifecycle.hpp>
#include <oauthreg/testing/lifecycle_conformance.hpp>
#include <oauthreg/testing/storage_conformance.hpp>

#include <cstdint>
#include <latch>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace oauthreg::test_support {

/** What one write saw. */
struct write_seen {
    std::string what;
    std::optional<error> failure;
    bool readable = true; ///< whether a success was readable through another store when answered
};

/** Runs `writers` threads at once, each calling `write(i)` for its share of i in [0, n). */
template <class Write> std::vector<write_seen> write_at_once(int writers, int n, Write write)
{
    std::vector<write_seen> seen(static_cast<std::size_t>(n));
    std::latch start(writers);
    std::vector<std::thread> threads;
    for (int t = 0; t < writers; ++t)
        threads.emplace_back([&, t] {
            start.arrive_and_wait();
            for (int i = t; i < n; i += writers)
                seen[static_cast<std::size_t>(i)] = write(i);
        });
    for (auto& t : threads)
        t.join();
    return seen;
}

/** 640 writes from 32 threads on `s`: every 5th insert repeats a stored
    client_id (client_exists, alone), every 3rd other one is then replaced,
    every 7th deleted. Each success must be readable through `reader` (other
    connections) when answered, and far fewer transactions than writes run. */
template <class Store> void check_group_commit(Store& s, Store const& reader)
{
    for (int i = 0; i < 8; ++i)
        REQUIRE(s.insert(testing::full_record("taken-" + std::to_string(i))).has_value());
    auto const before = s.write_batches();
    auto kept = [](int i) { return i % 7 != 0 || i % 3 == 0; };
    auto const seen = write_at_once(32, 640, [&](int i) {
        write_seen w;
        auto rec = testing::full_record(i % 5 == 0 ? "taken-" + std::to_string(i % 8) : "gc-" + std::to_string(i));
        w.what = rec.client_id;
        auto r = s.insert(rec);
        if (r && i % 3 == 0) {
            rec.version = 2;
            r = s.replace(rec, 1);
        } else if (r && i % 7 == 0) {
            r = s.erase(rec.client_id, 1);
        }
        if (!r)
            w.failure = r.error().kind();
        else if (kept(i))
            w.readable = reader.find(rec.client_id).has_value();
        return w;
    });
    std::uint64_t expected = 640; // the inserts, then a replacement or deletion of some stored ones
    for (int i = 0; i < 640; ++i) {
        auto const& w = seen[static_cast<std::size_t>(i)];
        INFO(w.what);
        if (i % 5 == 0) {
            REQUIRE(w.failure);
            CHECK(*w.failure == error::client_exists); // fails alone: the rest of its batch is stored
            continue;
        }
        expected += i % 3 == 0 || i % 7 == 0;
        CHECK_FALSE(w.failure);
        CHECK(w.readable); // answered only once committed
        auto found = reader.find(w.what);
        CHECK(found.has_value() == kept(i));
        if (found && i % 3 == 0)
            CHECK(found->version == 2);
    }
    auto const after = s.write_batches();
    auto const writes = after.writes - before.writes;
    auto const transactions = after.transactions - before.transactions;
    INFO(writes << " writes in " << transactions << " transactions, at most " << after.largest << " in one");
    CHECK(writes == expected);
    CHECK(transactions * 2 < writes); // batched: far fewer commits than writes
    CHECK(after.largest > 1);
}

/** 128 conditional inserts from 32 threads: half under a quota of 25, half
    spending a token of 7 uses; exactly 25 and 7 succeed. */
template <class Store> void check_batched_conditions(Store& s)
{
    REQUIRE(s.insert_token(testing::token_record("t-gc", 0x66, "org-t", 7)).has_value());
    insert_conditions const quota{25, std::nullopt, 1700000000};
    insert_conditions const spend{0, testing::token_record("", 0x66).token_hash, 1700000010};
    auto const seen = write_at_once(32, 128, [&](int i) {
        write_seen w;
        bool const q = i % 2 == 0;
        w.what = q ? "quota" : "token";
        auto r = s.insert(testing::full_record("gcq-" + std::to_string(i), q ? "org-q" : "org-t"), q ? quota : spend);
        if (!r)
            w.failure = r.error().kind();
        return w;
    });
    int quota_ok = 0, token_ok = 0;
    for (auto const& w : seen) {
        INFO(w.what);
        if (!w.failure)
            ++(w.what == "quota" ? quota_ok : token_ok);
        else
            CHECK(*w.failure == (w.what == "quota" ? error::quota_exceeded : error::invalid_initial_access_token));
    }
    CHECK(quota_ok == 25);
    CHECK(token_ok == 7);
    CHECK(testing::detail::collect(s, owner_filter{"org-q", std::nullopt}, 100).size() == 25);
    CHECK(s.find_token(*spend.initial_access_token)->uses == 7);
    CHECK(s.write_batches().largest > 1);
}

} // namespace oauthreg::test_support

#endif
