// Boost.URL 1.81 as an oracle for detail/uri.hpp: both parsers on one string,
// compared on accept/reject and on every component boundary. Where they part
// ways, the difference must be one of the listed ones, each an RFC 3986 rule
// that Boost.URL 1.81 breaks.
#ifndef OAUTHREG_TESTS_URI_ORACLE_HPP
#define OAUTHREG_TESTS_URI_ORACLE_HPP

#include <oauthreg/detail/uri.hpp>

#include <boost/url/host_type.hpp>
#include <boost/url/ipv6_address.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

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

inline uri_difference classify(std::optional<detail::uri_parts> const& o,
                                boost::system::result<boost::urls::url_view> const& b)
{
    if (b && b->has_authority() && !b->encoded_path().empty() && b->encoded_path().front() != '/')
        return uri_difference::boost_path_after_authority;
    if (o && !b && ipv4_prefixed(*o))
        return uri_difference::boost_ipv4_prefix_refused;
    if (o && o->host_kind == detail::uri_host_kind::ipv_future && o->host[1] == 'V')
        return uri_difference::ipv_future_upper_v;
    return uri_difference::unexplained;
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
    if (!v.detail.empty())
        v.difference = classify(o, b);
    return v;
}

/** Both parsers on `s` as a relative-ref (RFC 3986 4.2): accept/reject only. */
inline uri_verdicts compare_relative_ref(std::string_view s)
{
    auto const b = boost::urls::parse_relative_ref(boost::core::string_view(s.data(), s.size()));
    uri_verdicts v{detail::is_relative_ref(s), b.has_value(), uri_difference::none, {}};
    if (v.ours != v.boost) {
        v.detail = v.ours ? "relative-ref by ours only" : "relative-ref by Boost.URL only";
        std::optional<detail::uri_parts> p;
        if (v.ours && !s.empty() && !detail::parse_uri_tail(s.data(), s.data() + s.size(), p.emplace()))
            p.reset();
        v.difference = classify(p, b);
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
