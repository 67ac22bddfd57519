//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_DETAIL_REDIRECT_MATCH_HPP
#define OAUTHREG_DETAIL_REDIRECT_MATCH_HPP

#include <oauthreg/detail/uri_rules.hpp>

#include <string_view>

namespace oauthreg::detail {

/** Whether an authorization request's redirect_uri matches a registered one.

    @par Specification
    RFC 9700 2.1 and RFC 6749 3.1.2.3: simple string comparison, nothing
    normalized. RFC 8252 7.3: for a loopback IP redirect URI the port is
    chosen at request time, so any port matches; everything else (scheme,
    host literal, path, query) must still be identical.
*/
inline bool redirect_uri_matches(std::string_view registered, std::string_view requested)
{
    if (registered == requested)
        return true;
    auto r = parse_uri(registered);
    if (!r || !is_http(*r) || !is_loopback_literal(*r))
        return false;
    auto q = parse_uri(requested);
    if (!q || q->has_userinfo || q->has_fragment)
        return false;
    return q->scheme == r->scheme && q->host == r->host && port_in_range(*q) && q->path == r->path &&
           q->has_query == r->has_query && q->query == r->query;
}

} // namespace oauthreg::detail

#endif
