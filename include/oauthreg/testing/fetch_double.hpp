//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_TESTING_FETCH_DOUBLE_HPP
#define OAUTHREG_TESTING_FETCH_DOUBLE_HPP

#include <oauthreg/fetch.hpp>

#include <condition_variable>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace oauthreg::testing {

/** A fetch policy for tests: answers from a map of URL to response (or to
    an error), counts the fetches of each URL, and can hold every fetch
    until released, so a test sees how many callers wait on one fetch.
    Copies share their state (a directory keeps its own copy). */
class fetch_double {
public:
    /** Answers `url` with `r` from now on.
        @param url the exact URL @param r the answer */
    void serve(std::string url, fetched_resource r)
    {
        std::lock_guard lock(s_->mutex);
        s_->answers[std::move(url)] = std::move(r);
    }

    /** Answers `url` with 200, `body` and `cache_control`.
        @param url the exact URL @param body the document
        @param cache_control the Cache-Control field value */
    void serve_json(std::string url, std::string body, std::string cache_control = "max-age=300")
    {
        fetched_resource r;
        r.status = 200;
        r.body = std::move(body);
        r.cache_control = std::move(cache_control);
        serve(std::move(url), std::move(r));
    }

    /** Fails fetches of `url` as the transport would.
        @param url the exact URL */
    void fail(std::string url)
    {
        std::lock_guard lock(s_->mutex);
        s_->answers.erase(url);
    }

    /** Holds every fetch until release(). */
    void hold()
    {
        std::lock_guard lock(s_->mutex);
        s_->held = true;
    }

    /** Lets held fetches (and later ones) answer. */
    void release()
    {
        {
            std::lock_guard lock(s_->mutex);
            s_->held = false;
        }
        s_->cv.notify_all();
    }

    /** @param url the exact URL @return how many fetches of `url` were made */
    std::size_t fetches(std::string const& url) const
    {
        std::lock_guard lock(s_->mutex);
        auto it = s_->counts.find(url);
        return it == s_->counts.end() ? 0 : it->second;
    }

    /** @return how many fetches are waiting in hold() now */
    std::size_t waiting() const
    {
        std::lock_guard lock(s_->mutex);
        return s_->waiting;
    }

    /** The fetch_policy operation: a body cut at `limit + 1` bytes, as a policy reads.
        @param url the URL @param limit the body bound
        @return the answer served for `url`, or `metadata_document_unavailable` */
    result<fetched_resource> fetch(std::string_view url, std::size_t limit)
    {
        std::unique_lock lock(s_->mutex);
        ++s_->counts[std::string(url)];
        ++s_->waiting;
        s_->cv.wait(lock, [&] { return !s_->held; });
        --s_->waiting;
        auto it = s_->answers.find(std::string(url));
        if (it == s_->answers.end())
            return make_error(error::metadata_document_unavailable, "client_id", "connection refused (test double)");
        fetched_resource r = it->second;
        if (r.body.size() > limit + 1)
            r.body.resize(limit + 1);
        return r;
    }

private:
    struct state {
        mutable std::mutex mutex;
        std::condition_variable cv;
        std::map<std::string, fetched_resource, std::less<>> answers;
        std::map<std::string, std::size_t, std::less<>> counts;
        std::size_t waiting = 0;
        bool held = false;
    };
    std::shared_ptr<state> s_ = std::make_shared<state>();
};

static_assert(fetch_policy<fetch_double>);

} // namespace oauthreg::testing

#endif
