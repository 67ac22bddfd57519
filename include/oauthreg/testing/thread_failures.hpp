//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_TESTING_THREAD_FAILURES_HPP
#define OAUTHREG_TESTING_THREAD_FAILURES_HPP

// Catch2 2 assertions are not thread-safe: a REQUIRE or CHECK on a worker
// thread races the reporter, and a failing REQUIRE there ends the run. Worker
// threads note what went wrong here; the test's own thread asserts after join.

#if __has_include(<catch2/catch_all.hpp>)
#include <catch2/catch_all.hpp>
#else
#include <catch2/catch.hpp>
#endif

#include <cstddef>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace oauthreg::testing {

/** What went wrong on worker threads, to be asserted on the test's thread.

    <!-- example: body; include: <thread>; given: oauthreg::memory_storage store; oauthreg::client_record r; -->
    @code
    oauthreg::testing::thread_failures failures;
    std::thread t([&] { if (!store.insert(r)) failures.add("insert " + r.client_id); });
    t.join();
    failures.check(); // one failed CHECK per failure noted, on this thread
    @endcode
*/
class thread_failures {
public:
    /** Notes a failure; any thread may call it.
        @param what what failed, e.g. "insert a17: storage failure" */
    void add(std::string what)
    {
        std::lock_guard lock(m_);
        if (kept_.size() < max_kept)
            kept_.push_back(std::move(what));
        ++count_;
    }

    /** Notes a failure when `ok` is false.
        @param ok the condition that should hold
        @param what what failed
        @return ok */
    bool expect(bool ok, std::string what)
    {
        if (!ok)
            add(std::move(what));
        return ok;
    }

    /** @return how many failures were noted */
    std::size_t count() const
    {
        std::lock_guard lock(m_);
        return count_;
    }

    /** Asserts, on the test's thread after the workers joined, that none
        were noted: one failed CHECK for each of the first ones. */
    void check() const
    {
        std::lock_guard lock(m_);
        for (auto const& what : kept_)
            FAIL_CHECK("on a worker thread: " << what);
        CHECK(count_ == 0);
    }

private:
    static constexpr std::size_t max_kept = 20;
    mutable std::mutex m_;
    std::vector<std::string> kept_;
    std::size_t count_ = 0;
};

} // namespace oauthreg::testing

#endif
