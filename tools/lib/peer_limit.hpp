// How many connections each client address holds, for
// `--max-connections-per-peer` (docs/http.md, "Serving on the open internet").
#ifndef OAUTHREG_TOOLS_LIB_PEER_LIMIT_HPP
#define OAUTHREG_TOOLS_LIB_PEER_LIMIT_HPP

#include <boost/asio/ip/address.hpp>

#include <array>
#include <cstddef>
#include <cstring>
#include <functional>
#include <mutex>
#include <string_view>
#include <unordered_map>

namespace oauthreg::cli {

/** A client as the limits count it: an IPv4 address, or an IPv6 /64 (one
    host usually holds a whole /64). An IPv4-mapped IPv6 address
    (::ffff:0:0/96, RFC 4291 2.5.5.2) is its IPv4 address. */
struct peer_key {
    std::array<unsigned char, 16> bytes{};

    /** The key of `a`. */
    static peer_key of(boost::asio::ip::address const& a)
    {
        peer_key k;
        if (a.is_v6() && !a.to_v6().is_v4_mapped()) {
            auto const b = a.to_v6().to_bytes();
            std::memcpy(k.bytes.data(), b.data(), 8); // the /64
            k.bytes[15] = 6;
            return k;
        }
        auto const v4 = a.is_v4() ? a.to_v4() : boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6());
        auto const b = v4.to_bytes();
        std::memcpy(k.bytes.data(), b.data(), 4);
        k.bytes[15] = 4;
        return k;
    }

    bool operator==(peer_key const&) const = default;
};

struct peer_key_hash {
    std::size_t operator()(peer_key const& k) const noexcept
    {
        return std::hash<std::string_view>{}(std::string_view(reinterpret_cast<char const*>(k.bytes.data()), 16));
    }
};

/** Open connections per peer, each peer capped. Thread-safe; its size is the
    number of peers with a connection open, so it is bounded by the global
    connection cap. */
class peer_counts {
public:
    /** @param cap the most connections one peer may hold (0: no cap) */
    explicit peer_counts(std::size_t cap) : cap_(cap) {}

    /** Counts one more connection of `k`; false, counting nothing, at the cap. */
    bool try_add(peer_key const& k)
    {
        std::lock_guard lock(mutex_);
        auto& n = counts_[k];
        if (cap_ != 0 && n >= cap_)
            return false;
        ++n;
        return true;
    }

    /** Counts one connection of `k` fewer. */
    void remove(peer_key const& k)
    {
        std::lock_guard lock(mutex_);
        auto it = counts_.find(k);
        if (it != counts_.end() && --it->second == 0)
            counts_.erase(it);
    }

    /** @return the connections `k` holds */
    std::size_t count(peer_key const& k) const
    {
        std::lock_guard lock(mutex_);
        auto it = counts_.find(k);
        return it == counts_.end() ? 0 : it->second;
    }

private:
    std::size_t const cap_;
    mutable std::mutex mutex_;
    std::unordered_map<peer_key, std::size_t, peer_key_hash> counts_;
};

} // namespace oauthreg::cli

#endif
