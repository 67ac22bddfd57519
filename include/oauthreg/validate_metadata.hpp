//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_VALIDATE_METADATA_HPP
#define OAUTHREG_VALIDATE_METADATA_HPP

// The rules alone, for metadata a host built itself. It needs no public-key
// cryptography (no software statement is verified here); validate.hpp, which
// verifies statements, includes it.

#include <oauthreg/config.hpp>
#include <oauthreg/error.hpp>
#include <oauthreg/metadata.hpp>
#include <oauthreg/profile.hpp>

namespace oauthreg {

/** Run every rule of the profile on metadata built by other means than an
    RFC 7591 body: the record-shaped API, a merged partial update, a host's
    own front end. The same rules as @ref validate_request, with the same
    errors; a software statement in `md` is taken as already verified.

    @param md the metadata to check
    @param prof the validation profile
    @return the normalized metadata, or the first problem found.

    @par Specification
    RFC 7591 sections 2, 2.1, 2.2; RFC 6749 3.1.2, 3.3; RFC 8252; RFC 9700 2.1.
*/
OAUTHREG_DECL result<client_metadata> validate_metadata(client_metadata const& md, profile const& prof = profile{});

} // namespace oauthreg

#ifndef OAUTHREG_SEPARATE_COMPILATION
#include <oauthreg/impl/rules.ipp>
#endif

#endif
