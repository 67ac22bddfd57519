// The addresses a Client ID Metadata Document or jwks_uri fetch never
// connects to (docs: /work/shared/DESIGN.md, "The client check, Client ID
// Metadata Documents and `private_key_jwt`"), and the loopback exception of
// `--cimd-allow-loopback`.
#ifndef OAUTHREG_TOOLS_LIB_SPECIAL_USE_ADDRESS_HPP
#define OAUTHREG_TOOLS_LIB_SPECIAL_USE_ADDRESS_HPP

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/address_v6.hpp>

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace oauthreg::cli {

namespace special_use_detail {

// Every block of the IANA IPv4 Special-Purpose Address Registry and of the
// IANA IPv6 Special-Purpose Address Registry (RFC 6890; as of 2024: with
// RFC 8155, RFC 8375, RFC 8880, RFC 9374, RFC 9602 and RFC 9637), whatever
// their "Globally Reachable" column says, plus what the contract adds:
// 224.0.0.0/4 and ff00::/8 multicast (RFC 5771, RFC 4291 2.7), the
// deprecated site-local fec0::/10 (RFC 3879) and the IPv4-compatible ::/96
// (RFC 4291 2.5.5.1). An entry nested in another is listed too, as the
// registries list it. ::ffff:0:0/96 is not here: such an address is judged
// as the IPv4 address it maps (RFC 4291 2.5.5.2).
inline constexpr std::string_view v4_blocks[]{
    "0.0.0.0/8",          // RFC 791 3.2 "this network"
    "0.0.0.0/32",         // RFC 1122 3.2.1.3 "this host on this network"
    "10.0.0.0/8",         // RFC 1918 private
    "100.64.0.0/10",      // RFC 6598 shared address space (CGN)
    "127.0.0.0/8",        // RFC 1122 3.2.1.3 loopback
    "169.254.0.0/16",     // RFC 3927 link local
    "172.16.0.0/12",      // RFC 1918 private
    "192.0.0.0/24",       // RFC 6890 2.1 IETF protocol assignments
    "192.0.0.0/29",       // RFC 7335 IPv4 service continuity prefix
    "192.0.0.8/32",       // RFC 7600 IPv4 dummy address
    "192.0.0.9/32",       // RFC 7723 PCP anycast
    "192.0.0.10/32",      // RFC 8155 TURN anycast
    "192.0.0.170/32",     // RFC 8880 NAT64/DNS64 discovery
    "192.0.0.171/32",     // RFC 8880 NAT64/DNS64 discovery
    "192.0.2.0/24",       // RFC 5737 TEST-NET-1
    "192.31.196.0/24",    // RFC 7535 AS112-v4
    "192.52.193.0/24",    // RFC 7450 AMT
    "192.88.99.0/24",     // RFC 7526 deprecated 6to4 relay anycast
    "192.168.0.0/16",     // RFC 1918 private
    "192.175.48.0/24",    // RFC 7534 direct delegation AS112
    "198.18.0.0/15",      // RFC 2544 benchmarking
    "198.51.100.0/24",    // RFC 5737 TEST-NET-2
    "203.0.113.0/24",     // RFC 5737 TEST-NET-3
    "224.0.0.0/4",        // RFC 5771 multicast
    "240.0.0.0/4",        // RFC 1112 4 reserved
    "255.255.255.255/32", // RFC 919 7 limited broadcast
};

inline constexpr std::string_view v6_blocks[]{
    "::1/128",           // RFC 4291 2.5.3 loopback
    "::/128",            // RFC 4291 2.5.2 unspecified
    "::/96",             // RFC 4291 2.5.5.1 deprecated IPv4-compatible
    "64:ff9b::/96",      // RFC 6052 NAT64 well-known prefix
    "64:ff9b:1::/48",    // RFC 8215 local-use NAT64
    "100::/64",          // RFC 6666 discard-only
    "100:0:0:1::/64",    // RFC 9780 dummy IPv6 prefix
    "2001::/23",         // RFC 2928 IETF protocol assignments
    "2001::/32",         // RFC 4380 Teredo
    "2001:1::1/128",     // RFC 7723 PCP anycast
    "2001:1::2/128",     // RFC 8155 TURN anycast
    "2001:1::3/128",     // RFC 9665 DNS-SD SRP anycast
    "2001:2::/48",       // RFC 5180 benchmarking
    "2001:3::/32",       // RFC 7450 AMT
    "2001:4:112::/48",   // RFC 7535 AS112-v6
    "2001:10::/28",      // RFC 4843 deprecated ORCHID
    "2001:20::/28",      // RFC 7343 ORCHIDv2
    "2001:30::/28",      // RFC 9374 drone remote ID
    "2001:db8::/32",     // RFC 3849 documentation
    "2002::/16",         // RFC 3056 6to4
    "2620:4f:8000::/48", // RFC 7534 direct delegation AS112
    "3fff::/20",         // RFC 9637 documentation
    "5f00::/16",         // RFC 9602 segment routing SIDs
    "fc00::/7",          // RFC 4193 unique local
    "fe80::/10",         // RFC 4291 2.5.6 link-local
    "fec0::/10",         // RFC 3879 deprecated site-local
    "ff00::/8",          // RFC 4291 2.7 multicast
};

/** One block: its first address's bytes and its prefix length. */
template <std::size_t N> struct block {
    std::array<unsigned char, N> bytes{};
    unsigned length = 0;
};

/** Whether the first `length` bits of `a` and `b` are equal. */
template <std::size_t N>
inline bool same_prefix(std::array<unsigned char, N> const& a, std::array<unsigned char, N> const& b, unsigned length)
{
    for (std::size_t i = 0; i < N && length > 0; ++i) {
        unsigned const bits = length >= 8 ? 8u : length;
        auto const mask = static_cast<unsigned char>(0xffu << (8 - bits));
        if ((a[i] & mask) != (b[i] & mask))
            return false;
        length -= bits;
    }
    return true;
}

/** `text` ("a.b.c.d/n" or "x::y/n") as a block; a malformed entry is a bug of
    the tables, which the tests read, so it throws. */
template <class Address> inline auto parse_block(std::string_view text)
{
    auto const slash = text.find('/');
    block<sizeof(typename Address::bytes_type)> b;
    auto const address = [&] {
        if constexpr (std::is_same_v<Address, boost::asio::ip::address_v4>)
            return boost::asio::ip::make_address_v4(std::string(text.substr(0, slash)));
        else
            return boost::asio::ip::make_address_v6(std::string(text.substr(0, slash)));
    }();
    b.bytes = address.to_bytes();
    b.length = static_cast<unsigned>(std::stoul(std::string(text.substr(slash + 1))));
    return b;
}

/** The blocks of `table`, parsed once. */
template <class Address> inline auto parse_table(std::span<std::string_view const> table)
{
    std::vector<block<sizeof(typename Address::bytes_type)>> blocks;
    blocks.reserve(table.size());
    for (auto const text : table)
        blocks.push_back(parse_block<Address>(text));
    return blocks;
}

template <class Block, class Bytes> inline bool in_any(std::vector<Block> const& blocks, Bytes const& bytes)
{
    for (auto const& b : blocks)
        if (same_prefix(bytes, b.bytes, b.length))
            return true;
    return false;
}

} // namespace special_use_detail

/** Whether an IPv4 address is one a fetch refuses: in a block of the IANA
    IPv4 Special-Purpose Address Registry, or multicast. */
inline bool is_special_use(boost::asio::ip::address_v4 const& a)
{
    static auto const blocks =
        special_use_detail::parse_table<boost::asio::ip::address_v4>(special_use_detail::v4_blocks);
    return special_use_detail::in_any(blocks, a.to_bytes());
}

/** Whether an IPv6 address is one a fetch refuses: an IPv4-mapped address
    (::ffff:0:0/96) as the IPv4 address it maps, any other in a block of the
    IANA IPv6 Special-Purpose Address Registry, multicast, site-local or
    IPv4-compatible. */
inline bool is_special_use(boost::asio::ip::address_v6 const& a)
{
    if (a.is_v4_mapped())
        return is_special_use(boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a));
    static auto const blocks =
        special_use_detail::parse_table<boost::asio::ip::address_v6>(special_use_detail::v6_blocks);
    return special_use_detail::in_any(blocks, a.to_bytes());
}

/** Whether an address is one a fetch refuses (see the overloads). */
inline bool is_special_use(boost::asio::ip::address const& a)
{
    return a.is_v4() ? is_special_use(a.to_v4()) : is_special_use(a.to_v6());
}

/** Whether an address is loopback, which `--cimd-allow-loopback` lets a
    fetch reach: 127.0.0.0/8 (RFC 1122 3.2.1.3), ::1 (RFC 4291 2.5.3), and
    ::ffff:127.0.0.0/104 as the IPv4 address it maps. */
inline bool is_loopback(boost::asio::ip::address_v4 const& a) { return a.to_bytes()[0] == 127; }

/** @copydoc is_loopback(boost::asio::ip::address_v4 const&) */
inline bool is_loopback(boost::asio::ip::address_v6 const& a)
{
    if (a.is_v4_mapped())
        return is_loopback(boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a));
    return a.is_loopback();
}

/** @copydoc is_loopback(boost::asio::ip::address_v4 const&) */
inline bool is_loopback(boost::asio::ip::address const& a)
{
    return a.is_v4() ? is_loopback(a.to_v4()) : is_loopback(a.to_v6());
}

} // namespace oauthreg::cli

#endif
