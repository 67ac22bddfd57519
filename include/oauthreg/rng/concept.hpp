//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_RNG_CONCEPT_HPP
#define OAUTHREG_RNG_CONCEPT_HPP

#include <concepts>
#include <cstddef>
#include <cstdint>

namespace oauthreg {

/** The RNG policy: fills a buffer with cryptographically secure random bytes.

    Client ids, client secrets and registration access tokens are made from
    these bytes and nothing else.

    @par Models
    oauthreg::os_rng (the default: the operating system's CSPRNG through Crypto++),
    oauthreg::deterministic_rng_for_testing_only (seeded, reproducible; never in production).

    @par Example
    <!-- example: body; given: void hsm_random(std::uint8_t* out, std::size_t n); -->
    @code
    struct my_rng { void fill(std::uint8_t* out, std::size_t n) { hsm_random(out, n); } };
    static_assert(oauthreg::rng_policy<my_rng>);
    @endcode
*/
template <class R>
concept rng_policy = requires(R& r, std::uint8_t* out, std::size_t n)
{
    {
        r.fill(out, n)
        } -> std::same_as<void>;
};

} // namespace oauthreg

#endif
