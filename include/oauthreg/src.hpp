//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
// The compiled library, as Boost.JSON's boost/json/src.hpp: include this in
// exactly one .cpp of a program whose every translation unit defines
// OAUTHREG_SEPARATE_COMPILATION (the oauthreg::compiled CMake target builds
// src/src.cpp this way). It defines the functions the headers then only
// declare: the request parse and rules, record bodies, the strict JSON parse,
// software statement, JWS and JWK verification, client assertions, secret
// hashing, base64url and the default RNG, with Boost.JSON's parser and
// Crypto++ behind them.
//
#ifndef OAUTHREG_SRC_HPP
#define OAUTHREG_SRC_HPP

#ifndef OAUTHREG_SEPARATE_COMPILATION
#error "oauthreg/src.hpp builds the compiled library: define OAUTHREG_SEPARATE_COMPILATION in every translation unit"
#endif

// Every declaration first (under the macro no header includes an .ipp), then
// every definition.
#include <oauthreg/oauthreg.hpp>

#include <oauthreg/impl/base64url.ipp>
#include <oauthreg/impl/client_assertion.ipp>
#include <oauthreg/impl/os_rng.ipp>
#include <oauthreg/impl/record_request.ipp>
#include <oauthreg/impl/rules.ipp>
#include <oauthreg/impl/secret.ipp>
#include <oauthreg/impl/strict_json.ipp>
#include <oauthreg/impl/validate.ipp>

#endif
