// Tests of tools/lib/rate_limit.hpp: the token buckets behind `--rate-limit`
// and `--register-rate-limit` (docs/operating.md, "Limits"), with the time
// injected; the server's 429 answers are tested at the process level.
#include "../../tools/lib/rate_limit.hpp"

#include "../support/catch.hpp"

#include <boost/asio/ip/address.hpp>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

using oauthreg::cli::peer_key;
using oauthreg::cli::rate_limiter;
using namespace std::chrono_literals;

namespace {

peer_key key(char const* a) { return peer_key::of(boost::asio::ip::make_address(a)); }

peer_key v4(std::uint32_t n) { return peer_key::of(boost::asio::ip::address_v4(n)); }

/** The n-th /64 under 2001:db8::/32. */
peer_key v6_64(std::uint32_t n)
{
    boost::asio::ip::address_v6::bytes_type b{0x20, 0x01, 0x0d, 0xb8};
    for (std::size_t i = 0; i < 4; ++i)
        b[4 + i] = static_cast<unsigned char>(n >> (24 - 8 * i));
    return peer_key::of(boost::asio::ip::address_v6(b));
}

rate_limiter::clock::time_point const t0{1000s};

/** How many of `n` takes by `k` at `now` are allowed. */
int allowed(rate_limiter& rl, peer_key const& k, rate_limiter::clock::time_point now, int n)
{
    int ok = 0;
    for (int i = 0; i < n; ++i)
        ok += rl.take(k, now).allowed;
    return ok;
}

} // namespace

TEST_CASE("rate_limit: a burst of N, then refusal", "[rate_limit]")
{
    auto rl = rate_limiter::per_second(5);
    auto const k = key("192.0.2.1");
    for (int i = 0; i < 5; ++i) {
        auto v = rl.take(k, t0);
        CHECK(v.allowed);
        CHECK(v.retry_after == 0s);
    }
    auto v = rl.take(k, t0);
    CHECK_FALSE(v.allowed);
    CHECK(v.retry_after == 1s);
    CHECK(allowed(rl, k, t0, 100) == 0); // refusals take nothing and give nothing
}

TEST_CASE("rate_limit: the bucket refills at the rate, up to the burst", "[rate_limit]")
{
    auto rl = rate_limiter::per_second(10);
    auto const k = key("192.0.2.1");
    REQUIRE(allowed(rl, k, t0, 10) == 10);
    CHECK(allowed(rl, k, t0 + 99ms, 1) == 0);
    CHECK(allowed(rl, k, t0 + 100ms, 2) == 1); // one token per 100 ms
    CHECK(allowed(rl, k, t0 + 350ms, 5) == 2);
    CHECK(allowed(rl, k, t0 + 1h, 100) == 10); // never more than the burst
}

TEST_CASE("rate_limit: per minute, N refilled over 60 s", "[rate_limit]")
{
    auto rl = rate_limiter::per_minute(20);
    auto const k = key("192.0.2.1");
    REQUIRE(allowed(rl, k, t0, 25) == 20);
    CHECK(allowed(rl, k, t0 + 2999ms, 1) == 0);
    CHECK(allowed(rl, k, t0 + 3s, 2) == 1); // one per 3 s
    CHECK(allowed(rl, k, t0 + 63s, 100) == 20);
}

TEST_CASE("rate_limit: retry_after is whole seconds until one token, rounded up, at least 1", "[rate_limit]")
{
    auto rl = rate_limiter::per_minute(2); // one token per 30 s
    auto const k = key("192.0.2.1");
    REQUIRE(allowed(rl, k, t0, 2) == 2);
    CHECK(rl.take(k, t0).retry_after == 30s);
    CHECK(rl.take(k, t0 + 1ms).retry_after == 30s); // 29.999 s: up
    CHECK(rl.take(k, t0 + 1s).retry_after == 29s);  // exactly 29 s stays 29
    CHECK(rl.take(k, t0 + 29999ms).retry_after == 1s);
    CHECK(rl.take(k, t0 + 30s).allowed);

    auto fast = rate_limiter::per_second(1000); // 1 ms per token: still 1 s
    REQUIRE(allowed(fast, k, t0, 1000) == 1000);
    auto v = fast.take(k, t0);
    CHECK_FALSE(v.allowed);
    CHECK(v.retry_after == 1s);
}

TEST_CASE("rate_limit: 0 is off", "[rate_limit]")
{
    auto rl = GENERATE(0, 1) ? rate_limiter::per_minute(0) : rate_limiter::per_second(0);
    CHECK_FALSE(rl.enabled());
    CHECK(allowed(rl, key("192.0.2.1"), t0, 1000) == 1000);
    CHECK(rl.size() == 0);
    CHECK(rate_limiter::per_second(1).enabled());
}

TEST_CASE("rate_limit: a client is an IPv4 address or an IPv6 /64, mapped IPv4 is IPv4", "[rate_limit]")
{
    auto rl = rate_limiter::per_second(2);
    SECTION("one /64")
    {
        CHECK(allowed(rl, key("2001:db8:1:2::1"), t0, 1) == 1);
        CHECK(allowed(rl, key("2001:db8:1:2:ffff:ffff:ffff:ffff"), t0, 1) == 1);
        CHECK(allowed(rl, key("2001:db8:1:2:abcd::"), t0, 1) == 0);
        CHECK(allowed(rl, key("2001:db8:1:3::1"), t0, 5) == 2); // the next /64
    }
    SECTION("mapped")
    {
        CHECK(allowed(rl, key("::ffff:192.0.2.1"), t0, 1) == 1);
        CHECK(allowed(rl, key("192.0.2.1"), t0, 5) == 1);
        CHECK(allowed(rl, key("192.0.2.2"), t0, 5) == 2); // IPv4 is per address
    }
}

TEST_CASE("rate_limit: distinct clients have distinct buckets", "[rate_limit]")
{
    auto rl = rate_limiter::per_second(3);
    for (std::uint32_t i = 0; i < 1000; ++i)
        REQUIRE(allowed(rl, v4(0x0a000000 + i), t0, 4) == 3);
    CHECK(rl.size() == 1000);
}

TEST_CASE("rate_limit: a flood of distinct addresses never keeps more than max_clients", "[rate_limit]")
{
    std::size_t const max = GENERATE(std::size_t(1), std::size_t(10), std::size_t(1000), std::size_t(100'000));
    INFO("max_clients " << max);
    auto rl = rate_limiter::per_second(1, max);
    auto const victim = key("198.51.100.7");
    REQUIRE(allowed(rl, victim, t0, 2) == 1);
    std::size_t most = 0;
    for (std::uint32_t i = 0; i < 1'000'000; ++i) {
        REQUIRE(rl.take(i % 2 ? v4(0x0b000000 + i) : v6_64(i), t0).allowed); // each one new
        if (i % 512 == 0)
            most = std::max(most, rl.size());
    }
    most = std::max(most, rl.size());
    CHECK(most <= max);
    CHECK(rl.size() <= max);
    // The victim's bucket was evicted, which lets it through sooner, never later.
    CHECK(rl.take(victim, t0).allowed);
}

TEST_CASE("rate_limit: full buckets are dropped as seen", "[rate_limit]")
{
    auto rl = rate_limiter::per_second(10);
    for (std::uint32_t i = 0; i < 100; ++i)
        rl.take(v4(0x0a000000 + i), t0);
    REQUIRE(rl.size() == 100);
    for (std::uint32_t i = 0; i < 100; ++i)
        rl.take(v4(0x0b000000 + i), t0 + 1s); // the first 100 are full again: each take drops up to two
    CHECK(rl.size() < 150);
}

TEST_CASE("rate_limit: 4 threads never get more than burst + refill", "[rate_limit][concurrency]")
{
    // Catch2 2 is not thread-safe: the threads count, the main thread checks.
    auto const k = key("2001:db8::1");
    constexpr int threads = 4;
    SECTION("no time passes: exactly the burst")
    {
        auto rl = rate_limiter::per_second(50);
        std::atomic<int> ok{0}, ready{0};
        std::vector<std::thread> ts;
        ts.reserve(threads);
        for (std::uint32_t t = 0; t < threads; ++t)
            ts.emplace_back([&, t] {
                for (++ready; ready < threads;)
                    std::this_thread::yield(); // all start together
                ok += allowed(rl, k, t0, 20'000);
                ok += allowed(rl, v4(t), t0, 2); // new buckets in the shards meanwhile
            });
        for (auto& t : ts)
            t.join();
        CHECK(ok == 50 + 2 * threads);
    }
    SECTION("a flood of new clients from every thread keeps the bound")
    {
        auto rl = rate_limiter::per_second(1, 8);
        std::atomic<int> ok{0}, ready{0};
        std::vector<std::thread> ts;
        ts.reserve(threads);
        for (std::uint32_t t = 0; t < threads; ++t)
            ts.emplace_back([&, t] {
                for (++ready; ready < threads;)
                    std::this_thread::yield();
                for (std::uint32_t i = 0; i < 100'000; ++i)
                    ok += rl.take(v4(t << 24 | i), t0).allowed;
            });
        for (auto& t : ts)
            t.join();
        CHECK(ok == 4 * 100'000); // every one new
        CHECK(rl.size() <= 8);
    }
    SECTION("the real clock")
    {
        auto rl = rate_limiter::per_second(1000); // 1 ms per token
        std::atomic<int> ok{0}, ready{0};
        auto const start = rate_limiter::clock::now();
        std::vector<std::thread> ts;
        ts.reserve(threads);
        for (int t = 0; t < threads; ++t)
            ts.emplace_back([&] {
                for (++ready; ready < threads;)
                    std::this_thread::yield();
                int n = 0;
                for (auto now = start; now < start + 300ms; now = rate_limiter::clock::now())
                    n += rl.take(k, now).allowed;
                ok += n;
            });
        for (auto& t : ts)
            t.join();
        auto const elapsed = rate_limiter::clock::now() - start;
        auto const refill = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
        INFO("allowed " << ok << " in " << refill << " ms");
        CHECK(ok >= 1000);
        CHECK(ok <= 1000 + refill);
    }
}
