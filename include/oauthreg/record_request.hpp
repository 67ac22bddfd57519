//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_RECORD_REQUEST_HPP
#define OAUTHREG_RECORD_REQUEST_HPP

#include <oauthreg/config.hpp>
#include <oauthreg/error.hpp>
#include <oauthreg/metadata.hpp>
#include <oauthreg/profile.hpp>
#include <oauthreg/record.hpp>

#include <optional>
#include <string_view>

namespace oauthreg {

/** A create or partial-update body in the `oauth_client` record's shape,
    validated: the client metadata it makes and the record members that are
    not metadata. */
struct record_request {
    client_metadata metadata;         ///< the validated, normalized client metadata
    std::optional<bool> require_pkce; ///< as sent; absent: the stored value, or the profile's rule
};

/** Validate a create body in the `oauth_client` record's shape: `name`,
    `allowed_scopes` (scope tokens), `client_type` (`public` or
    `confidential`) and `allowed_grant_types` required; `redirect_uris`,
    `logo_uri`, `tos_uri`, `policy_uri`, `require_pkce` optional.

    Parsed as strictly as an RFC 7591 body (limits, UTF-8, no repeated
    member); unlike RFC 7591, which ignores unknown members, a member the
    record does not have is refused (`error::unknown_member`), naming it.
    `client_type` `public` is `token_endpoint_auth_method` `none`;
    `confidential` is the first of client_secret_basic, client_secret_post,
    client_secret_jwt the profile allows. Response types follow the grant
    types. Then every rule of @ref validate_request runs, and errors name
    the record's members: `allowed_scopes[2]`, `redirect_uris[1]`, `name`.

    @param body the request body, as received
    @param prof the validation profile
    @return the metadata and `require_pkce` as sent, or the first problem
    found (`error::public_client_pkce` for a public client sent with
    `require_pkce` false)

    @par Specification
    RFC 7591 2, 2.1; RFC 6749 2.1, 3.1.2, 3.3, 4.4; RFC 9700 2.1.1.
*/
OAUTHREG_DECL result<record_request> validate_record(std::string_view body, profile const& prof = profile{});

/** Validate a partial update of a stored record: any subset of `name`,
    `allowed_scopes`, `allowed_grant_types`, `redirect_uris`, `logo_uri`,
    `tos_uri`, `policy_uri`, `require_pkce` merged into `stored` (`null`
    removes an optional member), then the whole validated as on create.
    `client_type` cannot change. A change of grant types moves the response
    types with them (RFC 7591 2.1). Absent `require_pkce` keeps `stored_require_pkce`.
    @param body the partial update body, as received
    @param stored the stored client's metadata
    @param stored_require_pkce the stored client's `require_pkce`
    @param prof the validation profile
    @return the merged, validated metadata and `require_pkce` as sent, or the
    first problem found, named in the record's terms */
OAUTHREG_DECL result<record_request> validate_record_patch(std::string_view body, client_metadata const& stored,
                                                           bool stored_require_pkce, profile const& prof = profile{});

} // namespace oauthreg

#ifndef OAUTHREG_SEPARATE_COMPILATION
#include <oauthreg/impl/record_request.ipp>
#endif

#endif
