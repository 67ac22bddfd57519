// The server's log lines, written to standard error by a thread of their own,
// so that a log reader that stops reading never stops a request.
#ifndef OAUTHREG_TOOLS_LIB_LOG_WRITER_HPP
#define OAUTHREG_TOOLS_LIB_LOG_WRITER_HPP

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

namespace oauthreg::cli {

/** A bounded queue of lines and one thread that writes them, each with one
    write(2). A line that finds the queue full (the reader is not reading), or
    that cannot be written (standard error closed, its reader gone: SIGPIPE is
    ignored by the server), is dropped and counted. It lives as long as the
    process (it is never destroyed, so no line is written after exit began). */
class log_writer {
public:
    /** The process's writer for `fd`, holding at most `max_lines` unwritten lines. */
    static log_writer& instance(int fd = 2, std::size_t max_lines = 16384)
    {
        static log_writer* w = new log_writer(fd, max_lines); // never destroyed: see the class comment
        return *w;
    }

    /** Queues `line` (a newline is added); never blocks on the reader. */
    void write(std::string line)
    {
        line += '\n';
        {
            std::lock_guard lock(mutex_);
            if (queue_.size() >= max_lines_) {
                dropped_.fetch_add(1, std::memory_order_relaxed);
                return;
            }
            queue_.push_back(std::move(line));
        }
        ready_.notify_one();
    }

    /** Waits up to `timeout` for the queue to be written (at exit). */
    void flush(std::chrono::milliseconds timeout)
    {
        std::unique_lock lock(mutex_);
        idle_.wait_for(lock, timeout, [this] { return queue_.empty() && !writing_; });
    }

    /** @return the lines dropped so far */
    std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

private:
    log_writer(int fd, std::size_t max_lines) : fd_(fd), max_lines_(max_lines)
    {
        std::thread([this] { run(); }).detach();
    }

    void run()
    {
        for (;;) {
            std::string line;
            {
                std::unique_lock lock(mutex_);
                ready_.wait(lock, [this] { return !queue_.empty(); });
                line = std::move(queue_.front());
                queue_.pop_front();
                writing_ = true;
            }
            if (::write(fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
                dropped_.fetch_add(1, std::memory_order_relaxed);
            {
                std::lock_guard lock(mutex_);
                writing_ = false;
            }
            idle_.notify_all();
        }
    }

    int const fd_;
    std::size_t const max_lines_;
    std::mutex mutex_;
    std::condition_variable ready_, idle_;
    std::deque<std::string> queue_;
    bool writing_ = false;
    std::atomic<std::uint64_t> dropped_{0};
};

} // namespace oauthreg::cli

#endif
