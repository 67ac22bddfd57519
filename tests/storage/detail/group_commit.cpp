// Tests of storage/detail/group_commit.hpp: the batcher alone, on a fake
// transaction whose commit can be made to fail.
#include <oauthreg/storage/detail/group_commit.hpp>

#include <oauthreg/testing/catch_printing.hpp>

#include "../../support/catch.hpp"

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace oauthreg;

namespace {

/** What the fake transactions write to: a set of committed ids. */
struct fake_db {
    std::mutex m;
    std::set<int> committed;
    int transactions = 0;
    int commits = 0;
    std::optional<int> failing_commit;          ///< the transaction whose COMMIT fails
    std::chrono::microseconds commit_time{300}; ///< the "fsync", so writers pile up
};

/** Writes go to `pending`; a savepoint marks it, a rollback to it cuts it back. */
struct fake_tx {
    fake_db* db;
    int serial = 0;
    std::vector<int> pending{};
    std::size_t mark = 0;

    result<void> begin()
    {
        std::lock_guard lock(db->m);
        serial = ++db->transactions;
        return {};
    }
    result<void> savepoint()
    {
        mark = pending.size();
        return {};
    }
    result<void> release() { return {}; }
    result<void> rollback_to()
    {
        pending.resize(mark);
        return {};
    }
    result<void> commit()
    {
        std::this_thread::sleep_for(db->commit_time);
        std::lock_guard lock(db->m);
        ++db->commits;
        if (db->failing_commit == serial)
            return make_error(error::storage_failure, "", "commit");
        db->committed.insert(pending.begin(), pending.end());
        return {};
    }
};

using batcher = detail::group_commit<fake_tx>;

/** What one write saw, noted on its thread and checked on the test's. */
struct outcome {
    std::optional<error> failure;
    int serial = 0;         ///< the transaction it ran in
    bool committed = false; ///< whether it was committed when answered
};

/** Write `i` adds `i`, then fails (client_exists) when `fails(i)`. */
template <class Fails>
std::vector<outcome> write_concurrently(batcher& b, fake_db& db, int writers, int each, Fails fails)
{
    std::vector<outcome> out(static_cast<std::size_t>(writers * each));
    std::vector<std::thread> threads;
    for (int t = 0; t < writers; ++t)
        threads.emplace_back([&, t] {
            for (int k = 0; k < each; ++k) {
                int const i = t * each + k;
                auto& o = out[static_cast<std::size_t>(i)];
                auto r = b.run(
                    [&, i](fake_tx& tx) -> result<void> {
                        tx.pending.push_back(i);
                        o.serial = tx.serial;
                        if (fails(i))
                            return make_error(error::client_exists, "client_id");
                        return {};
                    },
                    "insert");
                if (!r)
                    o.failure = r.error().kind();
                std::lock_guard lock(db.m);
                o.committed = db.committed.count(i) == 1;
            }
        });
    for (auto& t : threads)
        t.join();
    return out;
}

batcher make_batcher(fake_db& db, std::size_t max_batch = 64)
{
    return batcher([&db] { return result<fake_tx>(fake_tx{&db}); }, max_batch);
}

} // namespace

TEST_CASE("group commit: a lone write runs at once, in its own transaction", "[storage][group_commit]")
{
    fake_db db;
    auto b = make_batcher(db);
    CHECK(b.run(
        [](fake_tx& tx) -> result<void> {
            tx.pending.push_back(7);
            return {};
        },
        "insert"));
    CHECK(db.committed == std::set<int>{7});
    auto lone_failure = b.run(
        [](fake_tx& tx) -> result<void> {
            tx.pending.push_back(8);
            return make_error(error::client_exists, "client_id");
        },
        "insert");
    REQUIRE_FALSE(lone_failure);
    CHECK(lone_failure.error().kind() == error::client_exists);
    CHECK(db.committed == std::set<int>{7}); // not committed: rolled back
    CHECK(db.commits == 1);
    CHECK(b.stats().writes == 2);
    CHECK(b.stats().transactions == 2);
}

TEST_CASE("group commit: concurrent writes share commits, each answered with its own result after its commit",
          "[storage][group_commit][concurrency]")
{
    fake_db db;
    auto b = make_batcher(db, 16);
    auto fails = [](int i) { return i % 7 == 3; };
    auto const out = write_concurrently(b, db, 32, 40, fails);
    std::set<int> expected;
    for (int i = 0; i < static_cast<int>(out.size()); ++i) {
        auto const& o = out[static_cast<std::size_t>(i)];
        INFO("write " << i);
        if (fails(i)) {
            REQUIRE(o.failure);
            CHECK(*o.failure == error::client_exists);
            CHECK_FALSE(o.committed); // its savepoint was undone, not the batch
        } else {
            CHECK_FALSE(o.failure);
            CHECK(o.committed); // answered only once committed
            expected.insert(i);
        }
    }
    CHECK(db.committed == expected);
    auto const s = b.stats();
    CHECK(s.writes == out.size());
    CHECK(s.largest <= 16);
    CHECK(s.largest > 1);
    CHECK(s.transactions * 4 < s.writes); // far fewer commits than writes
}

TEST_CASE("group commit: a failed commit fails exactly the writes of its batch", "[storage][group_commit][concurrency]")
{
    fake_db db;
    db.failing_commit = 5;
    auto b = make_batcher(db);
    auto const out = write_concurrently(b, db, 16, 20, [](int) { return false; });
    std::size_t failed = 0;
    for (int i = 0; i < static_cast<int>(out.size()); ++i) {
        auto const& o = out[static_cast<std::size_t>(i)];
        INFO("write " << i << " in transaction " << o.serial);
        if (o.serial == 5) {
            REQUIRE(o.failure);
            CHECK(*o.failure == error::storage_failure);
            CHECK_FALSE(o.committed);
            ++failed;
        } else {
            CHECK_FALSE(o.failure);
            CHECK(o.committed);
        }
    }
    CHECK(failed >= 1);
    CHECK(db.committed.size() == out.size() - failed);
}

TEST_CASE("group commit: a write that throws fails its batch, and the next batch runs", "[storage][group_commit]")
{
    fake_db db;
    auto b = make_batcher(db);
    auto thrown = b.run([](fake_tx&) -> result<void> { throw std::runtime_error("boom"); }, "replace");
    REQUIRE_FALSE(thrown);
    CHECK(thrown.error().kind() == error::storage_failure);
    CHECK(thrown.error().description == "storage failure: replace");
    CHECK(b.run(
        [](fake_tx& tx) -> result<void> {
            tx.pending.push_back(1);
            return {};
        },
        "insert"));
    CHECK(db.committed == std::set<int>{1});
}
