//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
// A test kit, beside testing/storage_conformance.hpp: a host's own tests may
// use it for reproducible ids and secrets. Never in production: see below.
//
#ifndef OAUTHREG_TESTING_DETERMINISTIC_RNG_HPP
#define OAUTHREG_TESTING_DETERMINISTIC_RNG_HPP

#include <oauthreg/rng/concept.hpp>

#include <cstddef>
#include <cstdint>
#include <random>

namespace oauthreg {

/** A seeded, reproducible RNG for tests and benchmarks. NOT cryptographically
    secure: anyone who knows the seed knows every secret it made. */
class deterministic_rng_for_testing_only {
public:
    /** @param seed the same seed gives the same bytes */
    explicit deterministic_rng_for_testing_only(std::uint64_t seed = 7591) : engine_(seed) {}

    /** The next @p n bytes of the seeded sequence. @param out where to write them @param n how many */
    void fill(std::uint8_t* out, std::size_t n)
    {
        while (n > 0) {
            auto v = engine_();
            for (int i = 0; i < 8 && n > 0; ++i, --n) {
                *out++ = static_cast<std::uint8_t>(v);
                v >>= 8;
            }
        }
    }

private:
    std::mt19937_64 engine_;
};

static_assert(rng_policy<deterministic_rng_for_testing_only>);

} // namespace oauthreg

#endif
