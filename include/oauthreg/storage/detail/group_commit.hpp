//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_STORAGE_DETAIL_GROUP_COMMIT_HPP
#define OAUTHREG_STORAGE_DETAIL_GROUP_COMMIT_HPP

#include <oauthreg/error.hpp>

#include <algorithm>
#include <concepts>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string_view>
#include <utility>
#include <vector>

// Group commit for the SQL stores (sqlite.hpp, postgres.hpp): concurrent
// writes share one transaction and one commit (one fsync). Over HTTP it doubled
// SQLite registrations/s and cut their p99 sixfold (benchmarks/README.md, "Group commit").

namespace oauthreg::detail {

/** What the batcher runs a batch in: one open transaction at a time.
    `savepoint` comes before one write of several, `release` keeps that
    write, `rollback_to` undoes only it. Each step answers nothing or the
    failure (already logged by the transaction).
    Models: sqlite_storage's and postgres_storage's batch transactions, and
    the tests' fake. */
template <class T>
concept batch_transaction = requires(T& t)
{
    {
        t.begin()
        } -> std::same_as<result<void>>;
    {
        t.savepoint()
        } -> std::same_as<result<void>>;
    {
        t.release()
        } -> std::same_as<result<void>>;
    {
        t.rollback_to()
        } -> std::same_as<result<void>>;
    {
        t.commit()
        } -> std::same_as<result<void>>;
};

/** How much batching happened: writes answered, transactions run. */
struct group_commit_stats {
    std::uint64_t writes = 0;
    std::uint64_t transactions = 0;
    std::size_t largest = 0; ///< the most writes one transaction held
};

/** The leader/follower group commit.

    A caller queues its write and waits. The first waiter while no batch
    runs becomes the leader: it takes what is queued (at most `max_batch`),
    runs it in one transaction, each write inside a savepoint when there are
    several, commits, then answers every caller with its own result. Writes
    queued meanwhile wait for the next batch; a lone writer waits for nobody.

    @tparam Tx a batch_transaction, made by the opener for each batch (it
    rolls back what it did not commit when destroyed) */
template <batch_transaction Tx> class group_commit {
public:
    /** A write to run in the batch's transaction. */
    using write = std::function<result<void>(Tx&)>;
    using opener = std::function<result<Tx>()>;

    /** @param open makes a batch's transaction (not yet begun)
        @param max_batch the most writes of one transaction */
    explicit group_commit(opener open, std::size_t max_batch = 64)
        : open_(std::move(open)), max_batch_(max_batch ? max_batch : 1)
    {}

    /** Runs `w` in the next batch.
        @param w the write
        @param operation what a failure of its whole batch names ("insert", ...)
        @return its result, once its transaction committed (a failed batch
        fails it: `storage_failure` naming `operation`) */
    result<void> run(write w, std::string_view operation)
    {
        request req{std::move(w), operation};
        std::unique_lock lock(mutex_);
        queue_.push_back(&req);
        while (!req.done) {
            if (leading_) {
                answered_.wait(lock);
                continue;
            }
            leading_ = true;
            auto batch = take();
            lock.unlock();
            run_batch(batch);
            lock.lock();
            finish(batch);
        }
        return std::move(req.out);
    }

    /** @return the counts so far */
    group_commit_stats stats() const
    {
        std::lock_guard lock(mutex_);
        return stats_;
    }

private:
    struct request {
        write fn;
        std::string_view operation;
        result<void> out{};
        bool done = false;
    };

    /** The oldest queued writes, at most max_batch_; under the lock. */
    std::vector<request*> take()
    {
        auto const n = std::min(queue_.size(), max_batch_);
        std::vector<request*> batch(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
        queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
        return batch;
    }

    /** Marks a batch answered and hands the lead on; under the lock. */
    void finish(std::vector<request*> const& batch)
    {
        for (auto* r : batch)
            r->done = true;
        stats_.writes += batch.size();
        ++stats_.transactions;
        stats_.largest = std::max(stats_.largest, batch.size());
        leading_ = false;
        answered_.notify_all();
    }

    /** Runs one batch and sets each request's result; never throws. */
    void run_batch(std::vector<request*> const& batch) noexcept
    {
        try {
            auto tx = open_();
            if (!tx)
                return fail(batch);
            if (auto r = run_in(*tx, batch); !r)
                return fail(batch);
        } catch (...) {
            fail(batch);
        }
    }

    /** Each write in its savepoint (when several: one failing write is
        undone alone), then the commit. @return a failure of the whole batch */
    static result<void> run_in(Tx& tx, std::vector<request*> const& batch)
    {
        if (auto r = tx.begin(); !r)
            return r;
        bool const several = batch.size() > 1;
        for (auto* req : batch) {
            if (several)
                if (auto r = tx.savepoint(); !r)
                    return r;
            req->out = req->fn(tx);
            if (!several)
                continue; // a lone write that failed is undone with the transaction
            if (auto r = req->out ? tx.release() : tx.rollback_to(); !r)
                return r;
        }
        if (!several && !batch.front()->out)
            return {}; // nothing to commit; Tx's destructor rolls back
        return tx.commit();
    }

    /** The transaction failed (its reason went to the store's log): so did each of its writes. */
    static void fail(std::vector<request*> const& batch)
    {
        for (auto* r : batch)
            r->out = make_error(error::storage_failure, "", r->operation);
    }

    opener open_;
    std::size_t max_batch_;
    mutable std::mutex mutex_;
    std::condition_variable answered_;
    std::deque<request*> queue_;
    bool leading_ = false;
    group_commit_stats stats_;
};

} // namespace oauthreg::detail

#endif
