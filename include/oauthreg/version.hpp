//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
// The one place the version is written: CMake reads it from here, Meson checks
// its own copy against it, and the package files (.pc, CMake version file)
// are generated from those. Bump it with a CHANGELOG.md entry.
//
#ifndef OAUTHREG_VERSION_HPP
#define OAUTHREG_VERSION_HPP

/// @file
/// The library version, for the preprocessor.

/// Major version: while it is 0, a minor release may change the API.
#define OAUTHREG_VERSION_MAJOR 0
/// Minor version.
#define OAUTHREG_VERSION_MINOR 1
/// Patch version: fixes only, no API change.
#define OAUTHREG_VERSION_PATCH 0
/// The version as one number: major * 10000 + minor * 100 + patch.
#define OAUTHREG_VERSION (OAUTHREG_VERSION_MAJOR * 10000 + OAUTHREG_VERSION_MINOR * 100 + OAUTHREG_VERSION_PATCH)

/// @cond
#define OAUTHREG_DETAIL_STRINGIZE_(x) #x
#define OAUTHREG_DETAIL_STRINGIZE(x) OAUTHREG_DETAIL_STRINGIZE_(x)
/// @endcond
/// The version as a string literal, "major.minor.patch".
#define OAUTHREG_VERSION_STRING                                                              \
    OAUTHREG_DETAIL_STRINGIZE(OAUTHREG_VERSION_MAJOR) "."                                    \
    OAUTHREG_DETAIL_STRINGIZE(OAUTHREG_VERSION_MINOR) "."                                    \
    OAUTHREG_DETAIL_STRINGIZE(OAUTHREG_VERSION_PATCH)

#endif
