//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_DETAIL_DOCUMENT_CACHE_HPP
#define OAUTHREG_DETAIL_DOCUMENT_CACHE_HPP

#include <oauthreg/clock.hpp>
#include <oauthreg/error.hpp>

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace oauthreg::detail {

/** A value fetched for a key, and how long it may be kept. */
template <class V> struct fresh_value {
    V value;
    std::int64_t ttl = 0; ///< seconds from the fetch
};

/** A bounded cache of fetched values (documents, key sets) by exact key.

    - Only successes are kept, each until its `ttl` ends; errors never are.
    - When full, the least recently used entry goes.
    - Concurrent `get`s of one key that is not held make one fetch: the
      first caller fetches, the others wait for its result (success or error).

    Thread-safe; the fetch runs without the cache's lock held. */
template <class V> class single_flight_cache {
public:
    explicit single_flight_cache(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

    /** The value for `key`: held and fresh at `now`, or fetched by `fetch()`
        (a callable returning result<fresh_value<V>>), by this caller or by
        one already fetching it. `refetch` drops a held value first (a key
        set without the asked kid). */
    template <class Fetch>
    result<V> get(std::string_view key, unix_seconds now, Fetch&& fetch, bool refetch = false)
    {
        std::unique_lock lock(mutex_);
        if (refetch)
            drop(key);
        else if (auto held = lookup(key, now))
            return std::move(*held);
        auto const joined = join(key);
        auto const flight = joined.first;
        if (!joined.second) {
            flight->done_cv.wait(lock, [&] { return flight->done; });
            return flight->outcome;
        }
        lock.unlock();
        result<fresh_value<V>> got = fetch();
        lock.lock();
        flights_.erase(flight->key);
        if (got) {
            flight->outcome = got->value;
            store(flight->key, std::move(got->value), saturating_add(now, got->ttl));
        } else {
            flight->outcome = got.error();
        }
        flight->done = true;
        flight->done_cv.notify_all();
        return flight->outcome;
    }

    /** @return the entries held (fresh or not yet evicted) */
    std::size_t size() const
    {
        std::lock_guard lock(mutex_);
        return lru_.size();
    }

private:
    struct entry {
        std::string key;
        V value;
        unix_seconds expires_at;
    };
    struct pending_fetch {
        std::string key;
        bool done = false;
        std::condition_variable done_cv;
        result<V> outcome = make_error(error::metadata_document_unavailable, "client_id", "not fetched");
    };
    using order = std::list<entry>;

    std::optional<V> lookup(std::string_view key, unix_seconds now)
    {
        auto it = index_.find(std::string(key));
        if (it == index_.end())
            return std::nullopt;
        if (now >= it->second->expires_at) {
            drop(key);
            return std::nullopt;
        }
        lru_.splice(lru_.begin(), lru_, it->second);
        return it->second->value;
    }

    std::pair<std::shared_ptr<pending_fetch>, bool> join(std::string_view key)
    {
        auto& slot = flights_[std::string(key)];
        if (slot)
            return {slot, false};
        slot = std::make_shared<pending_fetch>();
        slot->key = std::string(key);
        return {slot, true};
    }

    void drop(std::string_view key)
    {
        if (auto it = index_.find(std::string(key)); it != index_.end()) {
            lru_.erase(it->second);
            index_.erase(it);
        }
    }

    void store(std::string const& key, V value, unix_seconds expires_at)
    {
        drop(key);
        lru_.push_front(entry{key, std::move(value), expires_at});
        index_[key] = lru_.begin();
        while (lru_.size() > capacity_) {
            index_.erase(lru_.back().key);
            lru_.pop_back();
        }
    }

    std::size_t capacity_;
    mutable std::mutex mutex_;
    order lru_; // most recently used first
    std::unordered_map<std::string, typename order::iterator> index_;
    std::unordered_map<std::string, std::shared_ptr<pending_fetch>> flights_;
};

} // namespace oauthreg::detail

#endif
