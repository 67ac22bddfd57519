//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
// How the library is compiled: header-only (the default), or as a library
// that one translation unit builds (src.hpp) and the others link.
//
#ifndef OAUTHREG_CONFIG_HPP
#define OAUTHREG_CONFIG_HPP

/// @file
/// The compiled-library mode, as Boost.JSON's BOOST_JSON_DECL and src.hpp.

#ifdef OAUTHREG_DOXYGEN
/** Define it in every translation unit (the `oauthreg::compiled` CMake
    target, Meson's `oauthreg_compiled_dep` and `oauthreg-compiled.pc` do) to
    use oauthreg as a compiled library: the headers then only declare the
    functions that need Boost.JSON's parser or Crypto++ (the request parse and
    rules, software statement, JWS and JWK verification, secret hashing, the
    default RNG, base64url), and one translation unit that includes
    <oauthreg/src.hpp> defines them. Undefined, every header is complete on
    its own (header-only). */
#define OAUTHREG_SEPARATE_COMPILATION
#endif

/** What precedes a function the compiled library defines out of line:
    `inline` when header-only, nothing under OAUTHREG_SEPARATE_COMPILATION. */
#ifdef OAUTHREG_SEPARATE_COMPILATION
#define OAUTHREG_DECL
#else
#define OAUTHREG_DECL inline
#endif

#endif
