//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_RNG_CRYPTOPP_HPP
#define OAUTHREG_RNG_CRYPTOPP_HPP

#include <oauthreg/config.hpp>
#include <oauthreg/rng/concept.hpp>

#include <cstddef>
#include <cstdint>

namespace oauthreg {

/** The default RNG policy: the operating system's CSPRNG (getrandom or
    /dev/urandom) through Crypto++'s NonblockingRng.

    Stateless from our side: no user-space pool, so it is fork-safe and
    thread-safe; each thread uses its own Crypto++ handle.
*/
class os_rng {
public:
    /** @p n bytes from the operating system's CSPRNG. @param out where to write them @param n how many */
    OAUTHREG_DECL void fill(std::uint8_t* out, std::size_t n);
};

static_assert(rng_policy<os_rng>);

} // namespace oauthreg

#ifndef OAUTHREG_SEPARATE_COMPILATION
#include <oauthreg/impl/os_rng.ipp>
#endif

#endif
