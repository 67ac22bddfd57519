// Per-client token buckets, for `--rate-limit` and `--register-rate-limit`
// (docs/http.md and docs/operating.md, "Limits").
#ifndef OAUTHREG_TOOLS_LIB_RATE_LIMIT_HPP
#define OAUTHREG_TOOLS_LIB_RATE_LIMIT_HPP

#include "peer_limit.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>

namespace oauthreg::cli {

/** Token buckets, one per client (a peer_key: an IPv4 address or an IPv6
    /64): each holds up to `burst` tokens, refilled at `rate_per_second`, and
    an allowed request takes one. A refused request takes nothing.

    Each bucket is kept as the time it will be full again (the virtual
    scheduling form of a token bucket, GCRA of ITU-T I.371): at `now` it holds
    `burst - (full_at - now) * rate` tokens. The times are whole clock ticks
    and each token is a whole number of them, so no rounding accumulates.

    Thread-safe and cheap: the buckets are spread over up to 64 shards by
    hash, each with its own mutex and map; no lock is shared by all requests.

    Memory is bounded: at most `max_clients` buckets. A new client in a full
    shard evicts that shard's least recently used bucket. Evicting only ever
    lets a client through sooner (its next bucket starts full), never later;
    a full bucket is the same as none, so full ones are also dropped as seen.

    @par Example
    @code
    auto per_request = rate_limiter::per_second(10);      // --rate-limit 10
    auto registering = rate_limiter::per_minute(20);      // --register-rate-limit 20
    auto v = per_request.take(peer_key::of(addr), std::chrono::steady_clock::now());
    if (!v.allowed)
        ; // 429, Retry-After: v.retry_after.count()
    @endcode
*/
class rate_limiter {
public:
    using clock = std::chrono::steady_clock;

    struct verdict {
        bool allowed;
        /// when refused: whole seconds until one token is there, rounded up, at least 1; else 0
        std::chrono::seconds retry_after;
    };

    static constexpr std::size_t default_max_clients = 100'000;

    /** @param rate_per_second refill rate; 0 or less: off (every take allowed)
        @param burst the bucket's size in whole tokens (a fraction is dropped); below 1: off
        @param max_clients the most buckets kept (taken as at least 1) */
    rate_limiter(double rate_per_second, double burst, std::size_t max_clients = default_max_clients)
        : on_(rate_per_second > 0 && burst >= 1),
          interval_(on_ ? std::chrono::ceil<clock::duration>(std::chrono::duration<double>(1 / rate_per_second))
                        : clock::duration::zero()),
          capacity_(interval_ * static_cast<clock::rep>(on_ ? std::floor(burst) : 0)),
          shard_count_(std::clamp<std::size_t>(max_clients, 1, 64)),
          per_shard_(std::max<std::size_t>(max_clients, 1) / shard_count_),
          shards_(std::make_unique<shard[]>(shard_count_))
    {}

    /** `--rate-limit N`: N requests per second, burst N; 0 is off. */
    static rate_limiter per_second(std::uint32_t n, std::size_t max_clients = default_max_clients)
    {
        return {double(n), double(n), max_clients};
    }

    /** `--register-rate-limit N`: N per minute, a bucket of N refilled at N
        per 60 s; 0 is off. */
    static rate_limiter per_minute(std::uint32_t n, std::size_t max_clients = default_max_clients)
    {
        return {double(n) / 60, double(n), max_clients};
    }

    /** @return false when every take is allowed */
    bool enabled() const noexcept { return on_; }

    /** Takes one token from `k`'s bucket at `now`, or says when to come back. */
    verdict take(peer_key const& k, clock::time_point now)
    {
        if (!on_)
            return {true, {}};
        auto& s = shard_of(k);
        std::lock_guard lock(s.mutex);
        auto& full_at = s.find_or_add(k, now, per_shard_);
        auto const next = std::max(full_at, now) + interval_;
        verdict v{true, {}};
        if (next - now <= capacity_)
            full_at = next;
        else
            v = {false, retry_after(next - now - capacity_)};
        s.drop_full(now);
        return v;
    }

    /** @return how many buckets are kept (locks each shard in turn) */
    std::size_t size() const
    {
        std::size_t n = 0;
        for (std::size_t i = 0; i < shard_count_; ++i) {
            std::lock_guard lock(shards_[i].mutex);
            n += shards_[i].index.size();
        }
        return n;
    }

private:
    struct shard {
        using entry = std::pair<peer_key, clock::time_point>; // the key, when its bucket is full
        mutable std::mutex mutex;
        std::list<entry> lru; // most recently used first
        std::unordered_map<peer_key, std::list<entry>::iterator, peer_key_hash> index;

        /** `k`'s full-again time, moved to the front; a new bucket is full. */
        clock::time_point& find_or_add(peer_key const& k, clock::time_point now, std::size_t cap)
        {
            if (auto it = index.find(k); it != index.end()) {
                lru.splice(lru.begin(), lru, it->second);
                return it->second->second;
            }
            if (index.size() >= cap) {
                index.erase(lru.back().first);
                lru.pop_back();
            }
            lru.emplace_front(k, now);
            index.emplace(k, lru.begin());
            return lru.front().second;
        }

        /** Drops up to two full buckets from the back: amortised cleanup. The
            front (the bucket just used) stays: dropping it made a busy client's
            every request a new bucket (an allocation and a map insert: 20% of
            requests/s in benchmarks/http.sh's "limited" run). */
        void drop_full(clock::time_point now)
        {
            for (int i = 0; i < 2 && lru.size() > 1 && lru.back().second <= now; ++i) {
                index.erase(lru.back().first);
                lru.pop_back();
            }
        }
    };

    /** Retry-After is whole seconds, at least 1 (the contract): rounded up
        from a wait that is never zero when refused. */
    static std::chrono::seconds retry_after(clock::duration until_one_token)
    {
        return std::chrono::ceil<std::chrono::seconds>(until_one_token);
    }

    shard& shard_of(peer_key const& k) const
    {
        // The high bits pick the shard; the map inside uses the hash modulo its bucket count.
        return shards_[(peer_key_hash{}(k) >> 32) % shard_count_];
    }

    bool on_;
    clock::duration interval_; // one token's refill time, rounded up
    clock::duration capacity_; // burst tokens' refill time
    std::size_t shard_count_;
    std::size_t per_shard_;
    std::unique_ptr<shard[]> shards_;
};

} // namespace oauthreg::cli

#endif
