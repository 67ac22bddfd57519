// The threads `oauthreg serve` runs store calls on, so that the I/O threads
// never wait for a store (a locked SQLite file, a frozen PostgreSQL).
#ifndef OAUTHREG_TOOLS_LIB_WORK_POOL_HPP
#define OAUTHREG_TOOLS_LIB_WORK_POOL_HPP

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace oauthreg::cli {

/** A fixed set of threads over a bounded queue. A job that finds the queue
    full is refused at once (the server answers 503): a slow store makes
    requests fail fast instead of piling up without end. */
class work_pool {
public:
    /** Starts `threads` threads; at most `queue_limit` jobs wait beside those running. */
    work_pool(std::size_t threads, std::size_t queue_limit) : limit_(queue_limit)
    {
        for (std::size_t i = 0; i < threads; ++i)
            threads_.emplace_back([this] { run(); });
    }

    work_pool(work_pool const&) = delete;
    work_pool& operator=(work_pool const&) = delete;

    ~work_pool() { stop(); }

    /** Queues `job`; false, and `job` dropped, when the queue is full or the pool stopped. */
    bool try_post(std::function<void()> job)
    {
        {
            std::lock_guard lock(mutex_);
            if (stopped_ || queue_.size() >= limit_)
                return false;
            queue_.push_back(std::move(job));
        }
        ready_.notify_one();
        return true;
    }

    /** Runs what is queued, then joins the threads. */
    void stop()
    {
        {
            std::lock_guard lock(mutex_);
            if (stopped_)
                return;
            stopped_ = true;
        }
        ready_.notify_all();
        for (auto& t : threads_)
            t.join();
    }

private:
    void run()
    {
        for (;;) {
            std::function<void()> job;
            {
                std::unique_lock lock(mutex_);
                ready_.wait(lock, [this] { return stopped_ || !queue_.empty(); });
                if (queue_.empty())
                    return;
                job = std::move(queue_.front());
                queue_.pop_front();
            }
            job(); // jobs catch their own exceptions
        }
    }

    std::size_t const limit_;
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::function<void()>> queue_;
    bool stopped_ = false;
    std::vector<std::thread> threads_;
};

} // namespace oauthreg::cli

#endif
