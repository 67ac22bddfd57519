//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_VALIDATE_HPP
#define OAUTHREG_VALIDATE_HPP

#include <oauthreg/clock.hpp>
#include <oauthreg/config.hpp>
#include <oauthreg/error.hpp>
#include <oauthreg/metadata.hpp>
#include <oauthreg/profile.hpp>
#include <oauthreg/validate_metadata.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace oauthreg {

/** Parse one registration request body and validate it under a profile.

    The body must be a single JSON object (RFC 7591 3.1) within the profile's
    limits. Unknown members are ignored; `client_id`, `client_secret` and the
    other server-assigned members are ignored too (RFC 7591 3.2.1).

    @param body the request body, as received
    @param prof what this server allows; the default profile when omitted
    @return the normalized metadata with defaults applied, or the first
    problem found, whose condition is the RFC 7591 3.2.2 error code.

    @par Example
    <!-- example: body; include: <iostream> -->
    @code
    auto md = oauthreg::validate_request(R"({"redirect_uris":["https://app.example/cb"]})");
    if (!md) std::cerr << md.error().rfc_code() << ": " << md.error().description;
    @endcode

    @par Specification
    RFC 7591 sections 2, 2.1, 2.2, 2.3, 3.2.2; RFC 6749 3.1.2, 3.3;
    RFC 8252 7.1, 7.3, 8.3; RFC 9700 2.1.
*/
OAUTHREG_DECL result<client_metadata> validate_request(std::string_view body, profile const& prof = profile{});

/** As above, judging software statement validity times at `now`.
    @param body the request body, as received
    @param prof what this server allows
    @param now the time to judge "exp", "nbf" and "iat" of a software statement at
    @return the normalized metadata, or the first problem found */
OAUTHREG_DECL result<client_metadata> validate_request(std::string_view body, profile const& prof, unix_seconds now);

/** The verdict of @ref validate_request alone: the same parse and the same
    rules in the same order, so the same first problem, without building the
    metadata. For callers that only judge a request (a linter, a gateway that
    checks before forwarding): none of the request's strings is copied, so a
    typical valid request allocates nothing once the thread has parsed one
    before (a `jwks`, a software statement, a scope allowlist and an error
    still allocate).

    @param body the request body, as received
    @param prof what this server allows; the default profile when omitted
    @return nothing, or the first problem found

    @par Example
    <!-- example: body; include: <iostream> -->
    @code
    if (auto v = oauthreg::check_request(R"({"redirect_uris":["http://app.example/cb"]})"); !v)
        std::cerr << v.error().rfc_code() << ": " << v.error().description; // invalid_redirect_uri: ...
    @endcode

    @par Specification
    As @ref validate_request.
*/
[[nodiscard]] OAUTHREG_DECL result<void> check_request(std::string_view body, profile const& prof = profile{});

/** As above, judging software statement validity times at `now`.
    @param body the request body, as received
    @param prof what this server allows
    @param now the time to judge "exp", "nbf" and "iat" of a software statement at
    @return nothing, or the first problem found */
[[nodiscard]] OAUTHREG_DECL result<void> check_request(std::string_view body, profile const& prof, unix_seconds now);

namespace detail {

/** validate_request for the registry: judged at `now`, also reporting a
    string `client_id` member of the body in `client_id`. */
OAUTHREG_DECL result<client_metadata> validate_request_with_id(std::string_view body, profile const& prof,
                                                               std::optional<std::string>* client_id, unix_seconds now);

} // namespace detail

} // namespace oauthreg

#ifndef OAUTHREG_SEPARATE_COMPILATION
#include <oauthreg/impl/validate.ipp>
#endif

#endif
