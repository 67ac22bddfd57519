//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
// The umbrella header: includes every public header.
//
#ifndef OAUTHREG_OAUTHREG_HPP
#define OAUTHREG_OAUTHREG_HPP

#include <oauthreg/api_keys.hpp>
#include <oauthreg/client_page.hpp>
#include <oauthreg/clock.hpp>
#include <oauthreg/error.hpp>
#include <oauthreg/fwd.hpp>
#include <oauthreg/http.hpp>
#include <oauthreg/metadata.hpp>
#include <oauthreg/optional_string.hpp>
#include <oauthreg/profile.hpp>
#include <oauthreg/record.hpp>
#include <oauthreg/record_request.hpp>
#include <oauthreg/registry.hpp>
#include <oauthreg/render.hpp>
#include <oauthreg/rng/concept.hpp>
#include <oauthreg/rng/cryptopp.hpp>
#include <oauthreg/secure_string.hpp>
#include <oauthreg/storage/codec.hpp>
#include <oauthreg/storage/concept.hpp>
#include <oauthreg/storage/cursor.hpp>
#include <oauthreg/storage/memory.hpp>
#include <oauthreg/validate.hpp>
#include <oauthreg/validate_metadata.hpp>
#include <oauthreg/version.hpp>

/** @namespace oauthreg
    Validation of RFC 7591 registration requests (validate.hpp), the
    registry that registers and manages clients (registry.hpp), its storage,
    RNG and clock policies, and the RFC 7591 / RFC 7592 JSON it answers with
    (render.hpp). The optional stores are storage/sqlite.hpp and
    storage/postgres.hpp; nothing in `oauthreg::detail` is part of the API. */

#endif
