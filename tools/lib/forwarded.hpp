// `--trusted-proxies CIDR[,CIDR...]`: which peers may say, in X-Forwarded-For,
// whom they forward for (docs/operating.md,
// "Behind a reverse proxy").
#ifndef OAUTHREG_TOOLS_LIB_FORWARDED_HPP
#define OAUTHREG_TOOLS_LIB_FORWARDED_HPP

#include <oauthreg/detail/cache_lifetime.hpp>

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace oauthreg::cli {

namespace forwarded_detail {

/** `a` with an IPv4-mapped IPv6 address (::ffff:0:0/96, RFC 4291 2.5.5.2)
    made its IPv4 address: the contract compares addresses unmapped. */
inline boost::asio::ip::address unmapped(boost::asio::ip::address const& a)
{
    if (a.is_v6() && a.to_v6().is_v4_mapped())
        return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6());
    return a;
}

using oauthreg::detail::trim_ows; // OWS, RFC 9110 5.6.3 (detail/cache_lifetime.hpp)

/** An IPv4 or IPv6 address in its plain text form, as written; none for
    anything else (a zone id "%eth0" included: it means nothing off the host). */
inline std::optional<boost::asio::ip::address> parse_ip_as_written(std::string_view s)
{
    if (s.empty() || s.size() > 45 || s.find('%') != std::string_view::npos)
        return std::nullopt;
    boost::system::error_code ec;
    auto const a = boost::asio::ip::make_address(std::string(s), ec);
    if (ec)
        return std::nullopt;
    return a;
}

/** An IPv4 or IPv6 address in its plain text form, unmapped. */
inline std::optional<boost::asio::ip::address> parse_ip(std::string_view s)
{
    auto const a = parse_ip_as_written(s);
    return a ? std::optional(unmapped(*a)) : std::nullopt;
}

/** A port: 1 to 5 digits, at most 65535. */
inline bool is_port(std::string_view s)
{
    unsigned v = 0;
    auto const [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return !s.empty() && s.size() <= 5 && ec == std::errc() && end == s.data() + s.size() && v <= 65535;
}

/** One X-Forwarded-For entry, already trimmed: "1.2.3.4", "1.2.3.4:5678",
    "2001:db8::1", "[2001:db8::1]" or "[2001:db8::1]:443" (the bracketed
    forms of RFC 7239 6 and RFC 3986 3.2.2). An unbracketed IPv6 address is
    never read as having a port; quotes, obfuscated identifiers and
    "unknown" (RFC 7239 6) are not addresses. */
inline std::optional<boost::asio::ip::address> parse_forwarded_entry(std::string_view s)
{
    if (s.starts_with('[')) {
        auto const close = s.find(']');
        if (close == std::string_view::npos)
            return std::nullopt;
        auto const rest = s.substr(close + 1);
        if (!rest.empty() && !(rest[0] == ':' && is_port(rest.substr(1))))
            return std::nullopt;
        auto const a = parse_ip_as_written(s.substr(1, close - 1));
        return a && a->is_v6() ? std::optional(unmapped(*a)) : std::nullopt;
    }
    if (auto const colon = s.find(':');
        colon != std::string_view::npos && s.find(':', colon + 1) == std::string_view::npos) {
        auto const a = parse_ip(s.substr(0, colon)); // IPv4 with a port: the only form with one colon
        return a && a->is_v4() && is_port(s.substr(colon + 1)) ? a : std::nullopt;
    }
    return parse_ip(s);
}

} // namespace forwarded_detail

/** The address ranges of `--trusted-proxies`, and the client address they
    give a request.

    Addresses are compared after unmapping ::ffff:0:0/96 (the contract), on
    both sides: the range ::ffff:10.0.0.0/104 is 10.0.0.0/8. Otherwise an
    IPv4 range holds only IPv4 addresses and an IPv6 range only IPv6 ones, so
    ::/0 trusts no IPv4 peer.

    @par Example
    @code
    std::string why;
    auto proxies = trusted_proxies::parse("10.0.0.0/8, ::1", why);
    if (!proxies)
        throw usage_error{"--trusted-proxies: " + why, false};
    auto client = proxies->client_address(peer, joined_x_forwarded_for);
    @endcode
*/
class trusted_proxies {
public:
    /** No trusted proxy: every client is its peer. */
    trusted_proxies() = default;

    /** Parses `list`, comma-separated CIDRs with optional OWS around each:
        "10.0.0.0/8", "fd00::/8"; a bare address is a /32 or /128. An empty
        (or blank) list trusts nothing. Refused: an empty entry, a bad address
        or prefix length, bits set past the prefix ("10.0.0.1/8"), a zone id.
        @return the ranges; none, with `why` saying what is wrong, for bad input */
    static std::optional<trusted_proxies> parse(std::string_view list, std::string& why)
    {
        trusted_proxies out;
        if (forwarded_detail::trim_ows(list).empty())
            return out;
        for (std::size_t from = 0;;) {
            auto const comma = list.find(',', from);
            auto const item = forwarded_detail::trim_ows(list.substr(from, comma - from));
            auto r = parse_cidr(item, why);
            if (!r)
                return std::nullopt;
            out.ranges_.push_back(*r);
            if (comma == std::string_view::npos)
                return out;
            from = comma + 1;
        }
    }

    /** @return whether no range is trusted */
    bool empty() const noexcept { return ranges_.empty(); }

    /** @return whether `a`, unmapped, is in one of the ranges */
    bool trusted(boost::asio::ip::address const& a) const
    {
        auto const u = forwarded_detail::unmapped(a);
        return std::any_of(ranges_.begin(), ranges_.end(), [&](range const& r) { return r.holds(u); });
    }

    /** The client's address, unmapped: `peer` itself unless it is trusted;
        then the last entry of X-Forwarded-For that is not itself a trusted
        proxy, walking from the right (the contract). An entry that is not an
        address stops the walk and the last good one is used: the peer when
        it is the rightmost. When every entry is trusted, the leftmost.
        @param x_forwarded_for every X-Forwarded-For field line's value,
        joined with ',' (RFC 9110 5.3); empty when there is none */
    boost::asio::ip::address client_address(boost::asio::ip::address const& peer,
                                            std::string_view x_forwarded_for) const
    {
        auto client = forwarded_detail::unmapped(peer);
        for (auto rest = x_forwarded_for; trusted(client) && !rest.empty();) {
            auto const comma = rest.rfind(',');
            auto const item = forwarded_detail::trim_ows(rest.substr(comma == std::string_view::npos ? 0 : comma + 1));
            rest = rest.substr(0, comma == std::string_view::npos ? 0 : comma);
            if (item.empty())
                continue; // empty list elements are ignored (RFC 9110 5.6.1)
            auto const a = forwarded_detail::parse_forwarded_entry(item);
            if (!a)
                break;
            client = *a;
        }
        return client;
    }

private:
    struct range {
        boost::asio::ip::address_v6::bytes_type bytes{}; // an IPv4 range as ::ffff:a.b.c.d
        unsigned prefix = 0;                             // over the 128 bits
        bool v4 = false;

        bool holds(boost::asio::ip::address const& a) const
        {
            if (a.is_v4() != v4)
                return false;
            return masked(as_v6(a), prefix) == bytes;
        }
    };

    static boost::asio::ip::address_v6::bytes_type as_v6(boost::asio::ip::address const& a)
    {
        return a.is_v4() ? boost::asio::ip::make_address_v6(boost::asio::ip::v4_mapped, a.to_v4()).to_bytes()
                         : a.to_v6().to_bytes();
    }

    /** `b` with every bit past the first `prefix` cleared. */
    static boost::asio::ip::address_v6::bytes_type masked(boost::asio::ip::address_v6::bytes_type b, unsigned prefix)
    {
        for (unsigned i = 0; i < 16; ++i) {
            auto const keep = prefix >= 8 * (i + 1) ? 8u : prefix > 8 * i ? prefix - 8 * i : 0u;
            b[i] = static_cast<unsigned char>(b[i] & (0xff00u >> keep));
        }
        return b;
    }

    /** 's', built by appending ("'" + std::string(s) trips g++ 12's -Wrestrict at -O3). */
    static std::string quoted(std::string_view s)
    {
        std::string q(1, '\'');
        q.append(s);
        q += '\'';
        return q;
    }

    static std::optional<range> parse_cidr(std::string_view s, std::string& why)
    {
        auto const slash = s.find('/');
        auto const addr = forwarded_detail::parse_ip_as_written(s.substr(0, slash));
        if (!addr) {
            why = s.empty() ? "an empty entry" : quoted(s) + " is not an IP address or CIDR range";
            return std::nullopt;
        }
        range r{as_v6(*addr), 128, addr->is_v4()};
        unsigned const offset = r.v4 ? 96 : 0; // an IPv4 range is kept as its mapped range
        if (slash != std::string_view::npos) {
            auto const len = s.substr(slash + 1);
            unsigned v = 0;
            auto const [end, ec] = std::from_chars(len.data(), len.data() + len.size(), v);
            if (len.empty() || len.size() > 3 || ec != std::errc() || end != len.data() + len.size() ||
                v > 128 - offset) {
                why = quoted(s) + ": the prefix length must be 0 to " + std::to_string(128 - offset);
                return std::nullopt;
            }
            r.prefix = offset + v;
        }
        // Compared unmapped (the contract): a range inside ::ffff:0:0/96 is an IPv4 range.
        r.v4 = r.v4 || (addr->is_v6() && addr->to_v6().is_v4_mapped() && r.prefix >= 96);
        if (masked(r.bytes, r.prefix) != r.bytes) {
            why = quoted(s) + " has bits set past its prefix length";
            return std::nullopt;
        }
        return r;
    }

    std::vector<range> ranges_;
};

} // namespace oauthreg::cli

#endif
