//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_DETAIL_URI_RULES_HPP
#define OAUTHREG_DETAIL_URI_RULES_HPP

#include <oauthreg/error.hpp>
#include <oauthreg/profile.hpp>

#include <oauthreg/detail/text.hpp>
#include <oauthreg/detail/uri.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace oauthreg::detail {

/** Why a URI was refused: the error and a static explanation. */
struct uri_problem {
    error code;
    std::string_view reason;
};

/** RFC 3986 3.2.3: port = *DIGIT, so leading zeros are allowed; an empty
    port means the default. The value must fit TCP's 16 bits. */
inline bool port_in_range(uri_parts const& u) noexcept
{
    auto p = u.port;
    while (!p.empty() && p.front() == '0')
        p.remove_prefix(1);
    if (p.size() > 5)
        return false;
    unsigned v = 0;
    for (char c : p)
        v = v * 10 + static_cast<unsigned>(c - '0');
    return v <= 65535;
}

/** The loopback IP literals of RFC 8252 7.3: 127.0.0.1 and [::1], in any of
    the IPv6 text forms (the name "localhost" is NOT RECOMMENDED, RFC 8252 8.3,
    and not accepted). */
inline bool is_loopback_literal(uri_parts const& u) noexcept
{
    switch (u.host_kind) {
    case uri_host_kind::ipv4: // dec-octet has no leading zeros: one spelling
        return u.host == "127.0.0.1";
    case uri_host_kind::ipv6:
        return ipv6_bytes(u.host.substr(1, u.host.size() - 2)) ==
               std::array<std::uint8_t, 16>{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    default:
        return false;
    }
}

/** Whether the scheme is "https" or "http" (RFC 3986 3.1: case-insensitive). */
inline bool is_https(uri_parts const& u) noexcept { return ascii_iequals(u.scheme, "https"); }
inline bool is_http(uri_parts const& u) noexcept { return ascii_iequals(u.scheme, "http"); }

/** Schemes that execute or read locally in a user agent; never a redirect
    target (RFC 9700 4.1 open redirection, RFC 6749 10.6). */
inline bool is_forbidden_scheme(std::string_view scheme) noexcept
{
    for (std::string_view s : {"javascript", "data", "file", "vbscript", "blob", "about"})
        if (ascii_iequals(scheme, s))
            return true;
    return false;
}

/** RFC 8252 7.1: a private-use scheme is a reverse domain name, so it has at
    least two non-empty dot-separated labels. */
inline bool is_reverse_domain_scheme(std::string_view scheme) noexcept
{
    if (scheme.find('.') == std::string_view::npos)
        return false;
    std::size_t label = 0;
    for (char c : scheme) {
        if (c == '.') {
            if (label == 0)
                return false;
            label = 0;
        } else {
            if (c == '+') // RFC 3986 allows it in schemes, DNS labels do not
                return false;
            ++label;
        }
    }
    return label != 0;
}

/** Why `s`, which is not an absolute URI, was refused: "relative" or "malformed". */
inline uri_problem not_absolute(std::string_view s, error malformed, error relative)
{
    if (is_relative_ref(s))
        return uri_problem{relative, "a relative reference; an absolute URI is required (RFC 6749 3.1.2)"};
    return uri_problem{malformed, "not RFC 3986 syntax"};
}

/** Check one redirect URI against RFC 6749 3.1.2, RFC 8252 and RFC 9700.

    @par Specification
    RFC 6749 3.1.2 (absolute, no fragment), RFC 9700 2.1 (exact matching, so no
    wildcards), RFC 8252 7.1 (private-use schemes), 7.3 and 8.3 (loopback),
    RFC 9700 4.1 and RFC 6749 10.6 (no script or local schemes).
*/
inline std::optional<uri_problem> check_redirect_uri(std::string_view s, redirect_uri_rules const& rules,
                                                     std::size_t max_length)
{
    if (s.size() > max_length)
        return uri_problem{error::redirect_uri_too_long, "longer than the profile allows"};
    // RFC 6749 3.1.2: "The endpoint URI MUST NOT include a fragment component";
    // checked on the raw text so that an empty fragment ("...#") is caught too.
    if (s.find('#') != std::string_view::npos)
        return uri_problem{error::redirect_uri_has_fragment, "fragments are not allowed (RFC 6749 3.1.2)"};
    // RFC 9700 2.1: redirect URIs are compared exactly; a '*' could only be meant as a pattern.
    if (s.find('*') != std::string_view::npos)
        return uri_problem{error::redirect_uri_has_wildcard, "wildcards are not allowed (RFC 9700 2.1)"};

    auto const parsed = parse_uri(s);
    if (!parsed)
        return not_absolute(s, error::redirect_uri_malformed, error::redirect_uri_not_absolute);
    auto const& u = *parsed;
    if (u.has_userinfo)
        return uri_problem{error::redirect_uri_has_userinfo, "user information is not allowed (RFC 9700 4.1)"};

    if (is_https(u)) {
        if (u.host.empty())
            return uri_problem{error::redirect_uri_missing_host, "https URI without a host"};
        if (!port_in_range(u))
            return uri_problem{error::redirect_uri_bad_port, "port above 65535"};
        return std::nullopt;
    }
    if (is_http(u)) {
        if (u.host.empty())
            return uri_problem{error::redirect_uri_missing_host, "http URI without a host"};
        if (!port_in_range(u))
            return uri_problem{error::redirect_uri_bad_port, "port above 65535"};
        // RFC 8252 7.3 and 8.3: plain http only to a loopback IP literal, where
        // the request never leaves the device. RFC 9700 2.6: https everywhere else.
        if (!rules.allow_loopback_http || !is_loopback_literal(u))
            return uri_problem{error::redirect_uri_insecure_http,
                               "http is only allowed to the loopback IP literals 127.0.0.1 and [::1] "
                               "(RFC 8252 7.3); use https"};
        return std::nullopt;
    }
    auto const scheme = u.scheme;
    if (is_forbidden_scheme(scheme))
        return uri_problem{error::redirect_uri_forbidden_scheme,
                           "scheme can run script or read local data (RFC 9700 4.1)"};
    if (!rules.allow_private_use_scheme || !is_reverse_domain_scheme(scheme))
        return uri_problem{error::redirect_uri_bad_private_scheme,
                           "schemes other than https and http must be private-use schemes in "
                           "reverse domain form, e.g. com.example.app (RFC 8252 7.1)"};
    // RFC 8252 7.1: no naming authority, so exactly one slash follows the scheme.
    auto rest = s.substr(scheme.size() + 1);
    if (rest.empty() || rest[0] != '/' || (rest.size() > 1 && rest[1] == '/'))
        return uri_problem{error::redirect_uri_bad_private_scheme,
                           "a private-use scheme is followed by a single '/' (RFC 8252 7.1)"};
    return std::nullopt;
}

/** Check a web page or document URI (client_uri, logo_uri, tos_uri,
    policy_uri, jwks_uri): absolute http or https with a host (RFC 7591 2). */
inline std::optional<uri_problem> check_web_uri(std::string_view s, bool https_only, std::size_t max_length)
{
    if (s.size() > max_length)
        return uri_problem{error::invalid_uri, "longer than the profile allows"};
    auto const parsed = parse_uri(s);
    if (!parsed)
        return not_absolute(s, error::invalid_uri, error::invalid_uri);
    auto const& u = *parsed;
    if (!is_https(u) && (https_only || !is_http(u)))
        return uri_problem{error::invalid_uri,
                           https_only ? "the https scheme is required" : "the scheme must be https or http"};
    if (u.host.empty())
        return uri_problem{error::invalid_uri, "no host"};
    if (u.has_userinfo)
        return uri_problem{error::invalid_uri, "user information is not allowed"};
    if (!port_in_range(u))
        return uri_problem{error::invalid_uri, "port above 65535"};
    return std::nullopt;
}

} // namespace oauthreg::detail

#endif
