// Reaping idle clients (docs/open-registration.md): the cut-off both
// `oauthreg reap` and `serve --reap-idle` use, and serve's hourly thread.
#ifndef OAUTHREG_TOOLS_LIB_REAPER_HPP
#define OAUTHREG_TOOLS_LIB_REAPER_HPP

#include <oauthreg/clock.hpp>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace oauthreg::cli {

/** The `idle_since` of "neither used nor created in the last `days` days":
    with 0 days every client is idle, one registered this second included.
    @param now the time of the run @param days the idle period
    @return the cut-off: clients whose created_at and last_used_at are both before it */
inline unix_seconds idle_cutoff(unix_seconds now, long days)
{
    return now + 1 - static_cast<unix_seconds>(days) * 86400;
}

/** Calls `run()` at once and then every `period` on its own thread (a reap
    may wait on the database; it never holds an I/O thread), until `stop()`
    or destruction. */
class periodic_task {
public:
    periodic_task(std::chrono::milliseconds period, std::function<void()> run)
        : period_(period), run_(std::move(run)), thread_([this] { loop(); })
    {
    }
    periodic_task(periodic_task const&) = delete;
    periodic_task& operator=(periodic_task const&) = delete;
    ~periodic_task() { stop(); }

    /** Wakes the thread and waits for it; a run under way finishes first. */
    void stop()
    {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        if (thread_.joinable())
            thread_.join();
    }

private:
    void loop()
    {
        std::unique_lock lock(mutex_);
        while (!stopping_) {
            lock.unlock();
            run_();
            lock.lock();
            wake_.wait_for(lock, period_, [this] { return stopping_; });
        }
    }

    std::chrono::milliseconds period_;
    std::function<void()> run_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_; // last: it starts once the members above exist
};

} // namespace oauthreg::cli

#endif
