//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_VERSION_HPP
#define OAUTHREG_VERSION_HPP

#define OAUTHREG_VERSION_MAJOR 0
#define OAUTHREG_VERSION_MINOR 1
#define OAUTHREG_VERSION_PATCH 0
/// The version as one number: major * 10000 + minor * 100 + patch.
#define OAUTHREG_VERSION (OAUTHREG_VERSION_MAJOR * 10000 + OAUTHREG_VERSION_MINOR * 100 + OAUTHREG_VERSION_PATCH)

#endif
