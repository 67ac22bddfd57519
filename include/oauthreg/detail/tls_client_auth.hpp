//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_DETAIL_TLS_CLIENT_AUTH_HPP
#define OAUTHREG_DETAIL_TLS_CLIENT_AUTH_HPP

#include <oauthreg/detail/text.hpp>
#include <oauthreg/detail/uri.hpp>
#include <oauthreg/metadata.hpp>


#include <optional>
#include <string_view>

namespace oauthreg::detail {

inline bool is_ascii_alnum(char c) noexcept
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/** A DNS host name (RFC 1123 2.1): dot-separated labels of 1 to 63 letters,
    digits and hyphens, not starting or ending with a hyphen, at most 253
    characters in all. `wildcard`: the first label may be "*" (RFC 6125 6.4.3),
    as a certificate's dNSName may hold it. */
inline bool is_dns_name(std::string_view s, bool wildcard) noexcept
{
    if (wildcard && s.starts_with("*."))
        s.remove_prefix(2);
    if (s.empty() || s.size() > 253)
        return false;
    std::size_t len = 0;
    for (std::size_t i = 0; i <= s.size(); ++i) {
        if (i == s.size() || s[i] == '.') {
            if (len == 0 || len > 63 || s[i - 1] == '-' || s[i - len] == '-')
                return false;
            len = 0;
        } else if (is_ascii_alnum(s[i]) || s[i] == '-') {
            ++len;
        } else {
            return false;
        }
    }
    return true;
}

/** An e-mail address as an rfc822Name holds one (RFC 5280 4.2.1.6): an RFC
    5322 3.4.1 addr-spec whose local part is a dot-atom (3.2.3: atext joined by
    single dots; no quoted strings) and whose domain is a DNS host name. ASCII
    only: internationalized mailboxes (RFC 8398) are not accepted. */
inline bool is_addr_spec(std::string_view s) noexcept
{
    auto const at = s.rfind('@');
    if (at == std::string_view::npos || at == 0)
        return false;
    auto const local = s.substr(0, at);
    constexpr std::string_view specials = "!#$%&'*+-/=?^_`{|}~";
    bool after_dot = true; // no leading dot
    for (char c : local) {
        if (c == '.') {
            if (after_dot)
                return false;
            after_dot = true;
        } else if (is_ascii_alnum(c) || specials.find(c) != std::string_view::npos) {
            after_dot = false;
        } else {
            return false;
        }
    }
    return !after_dot && is_dns_name(s.substr(at + 1), false);
}

/** Why a value of an RFC 8705 2.1.2 member is not one, or nothing. */
inline std::optional<std::string_view> tls_client_auth_subject_problem(tls_client_auth_subject member,
                                                                       std::string_view v)
{
    switch (member) {
    case tls_client_auth_subject::subject_dn:
        // An RFC 4514 string: "type=value" pairs; printable, as a display string is.
        if (has_control(v))
            return "holds control characters";
        if (v.empty() || v.front() == '=' || v.find('=') == std::string_view::npos)
            return "not a distinguished name of type=value pairs (RFC 4514)";
        return std::nullopt;
    case tls_client_auth_subject::san_dns:
        if (!is_dns_name(v, true))
            return "not a DNS name (RFC 1123 2.1)";
        return std::nullopt;
    case tls_client_auth_subject::san_uri:
        if (auto u = parse_uri(v); !u || u->has_fragment) // absolute-URI: no fragment
            return "not an absolute URI (RFC 3986 4.3)";
        return std::nullopt;
    case tls_client_auth_subject::san_ip:
        if (!is_ipv4_address(v.data(), v.data() + v.size()) && !is_ipv6_address(v.data(), v.data() + v.size()))
            return "not an IPv4 or IPv6 address (RFC 8705 2.1.2)";
        return std::nullopt;
    case tls_client_auth_subject::san_email:
        if (!is_addr_spec(v))
            return "not an e-mail address local@domain (RFC 5322 3.4.1)";
        return std::nullopt;
    }
    return "unknown member";
}

} // namespace oauthreg::detail

#endif
