//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
// The body of rng/cryptopp.hpp's os_rng, on Crypto++'s NonblockingRng.
// Header-only, the header includes it; compiled
// (OAUTHREG_SEPARATE_COMPILATION), only src.hpp does.
//
#ifndef OAUTHREG_IMPL_OS_RNG_IPP
#define OAUTHREG_IMPL_OS_RNG_IPP

#include <cryptopp/osrng.h>

namespace oauthreg {

void os_rng::fill(std::uint8_t* out, std::size_t n)
{
    thread_local CryptoPP::NonblockingRng rng;
    rng.GenerateBlock(out, n);
}

} // namespace oauthreg

#endif
