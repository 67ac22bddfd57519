// Boost.URL 1.81 as an oracle for detail/uri.hpp: both parsers on one string,
// compared on accept/reject and on every component boundary. Where they part
// ways, the difference must be one of the listed ones, each an RFC 3986 rule
// that Boost.URL 1.81 breaks; and there, where Boost.URL's answer is wrong,
// ours is judged by a recognizer of the authority forms written from RFC 3986
// (rfc3986_authority_form below), sharing no code with either parser.
#ifndef OAUTHREG_TESTS_URI_ORACLE_HPP
#define OAUTHREG_TESTS_URI_ORACLE_HPP

#include <oauthreg/detail/uri.hpp>

#include <boost/url/host_type.hpp>
#include <boost/url/ipv6_address.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace oauthreg::test {

/** The listed differences. */
enum class uri_difference {
    none,
    /** Boost.URL 1.81 accepts an authority followed by a path that does not
        begin with "/" (RFC 3986 3.3: after an authority the path is
        path-abempty), having ended an IPv4-looking host or a port early:
        "http://127.0.0.1.evil.example/cb", "http://h:80x/" (boostorg/url
        issues 680, 755, 770, fixed after 1.81). */
    boost_path_after_authority,
    /** The same bug where Boost.URL 1.81 cannot go on after the address: a
        reg-name that begins with an IPv4address ("//3.1.39.3p:?" as a
        relative-ref) is refused. RFC 3986 3.2.2: the host is the whole
        reg-name. */
    boost_ipv4_prefix_refused,
    /** RFC 3986 3.2.2 IPvFuture with an upper-case "V": valid (RFC 5234 2.3,
        ABNF literals are case-insensitive), refused by Boost.URL 1.81. */
    ipv_future_upper_v,
    /** Anything else: a bug in one of the two. */
    unexplained,
};

/** A recognizer of RFC 3986's authority forms, for the inputs where Boost.URL
    1.81 cannot judge. Written from the RFC's text and Appendix A, not from
    detail/uri.hpp: slower and plainer, one rule a function, each citing its
    section. */
namespace rfc3986 {

inline bool alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline bool digit(char c) { return c >= '0' && c <= '9'; }
inline bool hexdig(char c) { return digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
/** 2.3: unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~" */
inline bool unreserved(char c)
{
    return alpha(c) || digit(c) || std::string_view("-._~").find(c) != std::string_view::npos;
}
/** 2.2: sub-delims = "!" / "$" / "&" / "'" / "(" / ")" / "*" / "+" / "," / ";" / "=" */
inline bool sub_delim(char c) { return std::string_view("!$&'()*+,;=").find(c) != std::string_view::npos; }

/** Whether every character of `s` is `allowed`. */
template <class Allowed> bool all_of(std::string_view s, Allowed allowed)
{
    for (char c : s)
        if (!allowed(c))
            return false;
    return true;
}
/** Whether all of `s` is a run of `allowed` characters and 2.1's
    pct-encoded = "%" HEXDIG HEXDIG. */
template <class Allowed> bool run_of(std::string_view s, Allowed allowed)
{
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%') {
            if (i + 2 >= s.size() || !hexdig(s[i + 1]) || !hexdig(s[i + 2]))
                return false;
            i += 2;
        } else if (!allowed(s[i])) {
            return false;
        }
    }
    return true;
}
/** 3.3: pchar = unreserved / pct-encoded / sub-delims / ":" / "@" */
inline bool pchar(char c) { return unreserved(c) || sub_delim(c) || c == ':' || c == '@'; }

/** 3.2.2: dec-octet, "0" to "255" with no leading zero. */
inline bool dec_octet(std::string_view s)
{
    if (s.empty() || s.size() > 3 || (s.size() > 1 && s[0] == '0') || !all_of(s, digit))
        return false;
    int n = 0;
    for (char c : s)
        n = n * 10 + (c - '0');
    return n <= 255;
}
/** 3.2.2: IPv4address = dec-octet "." dec-octet "." dec-octet "." dec-octet */
inline bool ipv4address(std::string_view s)
{
    for (int i = 0; i < 3; ++i) {
        auto const dot = s.find('.');
        if (dot == std::string_view::npos || !dec_octet(s.substr(0, dot)))
            return false;
        s.remove_prefix(dot + 1);
    }
    return dec_octet(s);
}
/** 3.2.2: h16 = 1*4HEXDIG */
inline bool h16(std::string_view s) { return !s.empty() && s.size() <= 4 && all_of(s, hexdig); }
/** The 16-bit pieces of a ":"-separated run of h16 whose last element may
    be an IPv4address (ls32's second form, two pieces); -1 when it is not one.
    "" is none. */
inline int pieces(std::string_view s)
{
    if (s.empty())
        return 0;
    int n = 0;
    for (;;) {
        auto const colon = s.find(':');
        auto const part = s.substr(0, colon);
        if (colon == std::string_view::npos)
            return h16(part) ? n + 1 : ipv4address(part) ? n + 2 : -1;
        if (!h16(part))
            return -1;
        ++n;
        s.remove_prefix(colon + 1);
    }
}
/** 3.2.2: IPv6address, its nine forms read as one count: 8 pieces (6 h16
    then ls32) without "::"; with one "::", h16 before it and h16 then an
    optional ls32 after it, 7 pieces at most between the two. */
inline bool ipv6address(std::string_view s)
{
    auto const gap = s.find("::");
    if (gap == std::string_view::npos)
        return pieces(s) == 8;
    auto const before = s.substr(0, gap), after = s.substr(gap + 2);
    if (after.find("::") != std::string_view::npos)
        return false;
    int const b = before.empty() ? 0 : pieces(before), a = pieces(after);
    bool const before_is_h16s = before.find('.') == std::string_view::npos; // ls32 only ends the address
    return b >= 0 && a >= 0 && before_is_h16s && b + a <= 7;
}
/** 3.2.2: IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" );
    RFC 5234 2.3: the literal "v" matches "V" too. */
inline bool ipv_future(std::string_view s)
{
    if (s.empty() || (s[0] != 'v' && s[0] != 'V'))
        return false;
    auto const dot = s.find('.');
    if (dot == std::string_view::npos || dot < 2 || dot + 1 == s.size())
        return false;
    return all_of(s.substr(1, dot - 1), hexdig) &&
           all_of(s.substr(dot + 1), [](char c) { return unreserved(c) || sub_delim(c) || c == ':'; });
}

/** What the grammar gives an authority-form reference. */
struct parts {
    bool valid = false;
    std::string_view scheme, userinfo, host, port, path, query, fragment;
    detail::uri_host_kind host_kind = detail::uri_host_kind::none;
    bool has_userinfo = false, has_port = false, has_query = false, has_fragment = false;
};

/** `s` as scheme ":" "//" authority path-abempty [ "?" query ] [ "#" fragment ]
    (3, with_scheme) or as "//" authority path-abempty [ "?" query ]
    [ "#" fragment ] (4.2's relative-ref, !with_scheme); nullopt when `s` has
    no "//" where the authority would begin (not an authority form). */
inline std::optional<parts> authority_form(std::string_view s, bool with_scheme)
{
    parts r;
    if (with_scheme) {
        // 3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), up to the first ":"
        auto const colon = s.find(':');
        if (colon == std::string_view::npos)
            return std::nullopt;
        r.scheme = s.substr(0, colon);
        s.remove_prefix(colon + 1);
        if (s.substr(0, 2) != "//")
            return std::nullopt;
        if (r.scheme.empty() || !alpha(r.scheme[0]) ||
            !all_of(r.scheme, [](char c) { return alpha(c) || digit(c) || c == '+' || c == '-' || c == '.'; }))
            return r; // not a URI
    }
    if (s.substr(0, 2) != "//")
        return std::nullopt;
    s.remove_prefix(2);
    // 3.5, 3.4: the fragment follows the first "#", the query the first "?" before it
    if (auto const hash = s.find('#'); hash != std::string_view::npos) {
        r.has_fragment = true;
        r.fragment = s.substr(hash + 1);
        s = s.substr(0, hash);
    }
    if (auto const q = s.find('?'); q != std::string_view::npos) {
        r.has_query = true;
        r.query = s.substr(q + 1);
        s = s.substr(0, q);
    }
    // 3.2: the authority "is terminated by the next slash ("/"), question mark
    // ("?"), or number sign ("#") character, or by the end of the URI"; 3.3:
    // what follows is path-abempty = *( "/" segment ), so it begins with "/"
    auto const slash = s.find('/');
    auto authority = s.substr(0, slash);
    r.path = slash == std::string_view::npos ? std::string_view() : s.substr(slash);
    // 3.2.1: userinfo holds no "@", so the first "@" ends it
    if (auto const at = authority.find('@'); at != std::string_view::npos) {
        r.has_userinfo = true;
        r.userinfo = authority.substr(0, at);
        authority.remove_prefix(at + 1);
    }
    // 3.2.2: an IP-literal is bracketed; IPv4address and reg-name hold no ":",
    // so the first ":" after the host begins the port
    std::size_t host_end;
    if (!authority.empty() && authority[0] == '[') {
        host_end = authority.find(']');
        host_end = host_end == std::string_view::npos ? authority.size() : host_end + 1;
    } else {
        host_end = std::min(authority.find(':'), authority.size());
    }
    r.host = authority.substr(0, host_end);
    if (host_end < authority.size()) {
        r.has_port = true;
        r.port = authority.substr(host_end + 1);
        if (authority[host_end] != ':')
            return r; // "]" followed by something other than ":"
    }
    using detail::uri_host_kind;
    bool host_ok;
    if (!r.host.empty() && r.host[0] == '[') {
        auto const inner = r.host.substr(1, r.host.size() - 1 - (r.host.back() == ']'));
        bool const closed = r.host.size() >= 2 && r.host.back() == ']';
        r.host_kind = ipv6address(inner) ? uri_host_kind::ipv6 : uri_host_kind::ipv_future;
        host_ok = closed && (ipv6address(inner) || ipv_future(inner));
    } else {
        // 3.2.2: "If host matches the rule for IPv4address, then it should be
        // considered an IPv4 address literal and not a reg-name."
        r.host_kind = ipv4address(r.host) ? uri_host_kind::ipv4 : uri_host_kind::reg_name;
        host_ok = run_of(r.host, [](char c) { return unreserved(c) || sub_delim(c); });
    }
    r.valid = host_ok && run_of(r.userinfo, [](char c) { return unreserved(c) || sub_delim(c) || c == ':'; }) &&
              all_of(r.port, digit) && // 3.2.3: port = *DIGIT
              run_of(r.path, [](char c) { return pchar(c) || c == '/'; }) &&
              run_of(r.query, [](char c) { return pchar(c) || c == '/' || c == '?'; }) &&
              run_of(r.fragment, [](char c) { return pchar(c) || c == '/' || c == '?'; });
    return r;
}

/** Where ours departs from the grammar on `s`, or "" when it does not:
    the verdict first, then every component of an accepted reference. */
inline std::string departure(std::string_view s, bool with_scheme, std::optional<detail::uri_parts> const& o)
{
    auto const g = authority_form(s, with_scheme);
    if (!g)
        return "not an authority form, so the grammar recognizer cannot judge";
    if (g->valid != o.has_value())
        return g->valid ? "the grammar accepts, ours refuses" : "the grammar refuses, ours accepts";
    if (!g->valid)
        return {};
    bool const same = o->scheme == g->scheme && o->has_userinfo == g->has_userinfo && o->userinfo == g->userinfo &&
                      o->host == g->host && o->host_kind == g->host_kind && o->has_port == g->has_port &&
                      o->port == g->port && o->path == g->path && o->has_query == g->has_query &&
                      o->query == g->query && o->has_fragment == g->has_fragment && o->fragment == g->fragment;
    return same ? std::string() : "a component differs from the grammar's";
}

} // namespace rfc3986

struct uri_verdicts {
    bool ours = false;
    bool boost = false;
    uri_difference difference = uri_difference::none;
    std::string detail; // what differed
};

inline std::string_view sv(boost::core::string_view s) { return {s.data(), s.size()}; }

inline detail::uri_host_kind boost_kind(boost::urls::url_view const& u)
{
    using detail::uri_host_kind;
    if (!u.has_authority())
        return uri_host_kind::none;
    switch (u.host_type()) {
    case boost::urls::host_type::ipv4:
        return uri_host_kind::ipv4;
    case boost::urls::host_type::ipv6:
        return uri_host_kind::ipv6;
    case boost::urls::host_type::ipvfuture:
        return uri_host_kind::ipv_future;
    default:
        return uri_host_kind::reg_name;
    }
}

/** The first component on which the two differ, or "" when none does. */
inline std::string first_difference(detail::uri_parts const& o, boost::urls::url_view const& b, bool with_scheme)
{
    if (with_scheme && o.scheme != sv(b.scheme()))
        return "scheme";
    if (o.has_authority() != b.has_authority() || o.host_kind != boost_kind(b))
        return "authority or host type";
    if (o.has_userinfo != b.has_userinfo() || (o.has_userinfo && o.userinfo != sv(b.encoded_userinfo())))
        return "userinfo";
    if (o.has_authority() && o.host != sv(b.encoded_host()))
        return "host";
    if (o.host_kind == detail::uri_host_kind::ipv6 &&
        detail::ipv6_bytes(o.host.substr(1, o.host.size() - 2)) != b.host_ipv6_address().to_bytes())
        return "IPv6 address bytes";
    if (o.has_port != b.has_port() || (o.has_port && o.port != sv(b.port())))
        return "port";
    if (o.path != sv(b.encoded_path()))
        return "path";
    if (o.has_query != b.has_query() || (o.has_query && o.query != sv(b.encoded_query())))
        return "query";
    if (o.has_fragment != b.has_fragment() || (o.has_fragment && o.fragment != sv(b.encoded_fragment())))
        return "fragment";
    return {};
}

/** Whether a reg-name begins with an IPv4address and goes on. */
inline bool ipv4_prefixed(detail::uri_parts const& o)
{
    auto const h = o.host;
    for (std::size_t n = 7; n < h.size() && n <= 15; ++n)
        if (detail::is_ipv4_address(h.data(), h.data() + n))
            return o.host_kind == detail::uri_host_kind::reg_name;
    return false;
}

/** Whether Boost.URL's answer shows its path bug: an authority, then a path
    that is not path-abempty (RFC 3986 3.3). Its answer is wrong there,
    whatever ours is. */
inline bool boost_path_bug(boost::system::result<boost::urls::url_view> const& b)
{
    return b && b->has_authority() && !b->encoded_path().empty() && b->encoded_path().front() != '/';
}

inline uri_difference classify(std::optional<detail::uri_parts> const& o,
                                boost::system::result<boost::urls::url_view> const& b)
{
    if (boost_path_bug(b))
        return uri_difference::boost_path_after_authority;
    if (o && !b && ipv4_prefixed(*o))
        return uri_difference::boost_ipv4_prefix_refused;
    if (o && o->host_kind == detail::uri_host_kind::ipv_future && o->host[1] == 'V')
        return uri_difference::ipv_future_upper_v;
    return uri_difference::unexplained;
}

inline char const* name(uri_difference d);

/** A listed difference stands only where ours answers as the grammar does:
    Boost.URL's answer is wrong there, so it cannot judge ours. Where ours
    agreed with a wrong answer, this is where it is caught. */
inline void judge_by_grammar(std::string_view s, bool with_scheme, std::optional<detail::uri_parts> const& o,
                             uri_verdicts& v)
{
    if (v.difference == uri_difference::none || v.difference == uri_difference::unexplained)
        return;
    if (auto const why = rfc3986::departure(s, with_scheme, o); !why.empty()) {
        v.detail += "; where Boost.URL 1.81 is wrong (" + std::string(name(v.difference)) + "), " + why;
        v.difference = uri_difference::unexplained;
    }
}

/** Both parsers on `s` as a URI (RFC 3986 3). */
inline uri_verdicts compare_uri(std::string_view s)
{
    auto const o = detail::parse_uri(s);
    auto const b = boost::urls::parse_uri(boost::core::string_view(s.data(), s.size()));
    uri_verdicts v{o.has_value(), b.has_value(), uri_difference::none, {}};
    if (v.ours != v.boost)
        v.detail = v.ours ? "accepted by ours only" : "accepted by Boost.URL only";
    else if (v.ours)
        v.detail = first_difference(*o, *b, true);
    if (!v.detail.empty() || boost_path_bug(b)) {
        if (v.detail.empty())
            v.detail = "the same answer as Boost.URL";
        v.difference = classify(o, b);
        judge_by_grammar(s, true, o, v);
    }
    return v;
}

/** Both parsers on `s` as a relative-ref (RFC 3986 4.2): accept/reject only. */
inline uri_verdicts compare_relative_ref(std::string_view s)
{
    auto const b = boost::urls::parse_relative_ref(boost::core::string_view(s.data(), s.size()));
    uri_verdicts v{detail::is_relative_ref(s), b.has_value(), uri_difference::none, {}};
    if (v.ours != v.boost || boost_path_bug(b)) {
        v.detail = v.ours == v.boost ? "a relative-ref by both"
                   : v.ours          ? "relative-ref by ours only"
                                     : "relative-ref by Boost.URL only";
        std::optional<detail::uri_parts> p;
        if (v.ours && !s.empty() && !detail::parse_uri_tail(s.data(), s.data() + s.size(), p.emplace()))
            p.reset();
        v.difference = classify(p, b);
        judge_by_grammar(s, false, p, v);
    }
    return v;
}

inline char const* name(uri_difference d)
{
    switch (d) {
    case uri_difference::none:
        return "none";
    case uri_difference::boost_path_after_authority:
        return "boost_path_after_authority";
    case uri_difference::boost_ipv4_prefix_refused:
        return "boost_ipv4_prefix_refused";
    case uri_difference::ipv_future_upper_v:
        return "ipv_future_upper_v";
    case uri_difference::unexplained:
        return "unexplained";
    }
    return "?";
}

} // namespace oauthreg::test

#endif
