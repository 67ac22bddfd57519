//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_API_KEYS_HPP
#define OAUTHREG_API_KEYS_HPP

#include <oauthreg/detail/secret.hpp>
#include <oauthreg/record.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace oauthreg {

/** What a key may do: manage its organization's clients, or ask the client
    check about any organization's clients (an authorization server's key,
    accepted on `POST /oauth/client_check` only). */
enum class key_role : std::uint8_t { management, authorization_server };

/** What a presented key is: who it acts for, its role, and for an
    authorization server the issuer its clients' assertions must name. */
struct api_key_grant {
    owner who;                              ///< the organization and user (management keys)
    key_role role = key_role::management;   ///< what the key may do
    std::string issuer;                     ///< an authorization server's `aud`; empty: the service's public URL
};

/** The bearer API keys a host accepts, each naming the @ref owner it acts for.

    Only the SHA-256 of a key is held. A presented key is hashed and compared
    with every known hash in constant time (no early exit), so the answer's
    timing does not depend on which key, or which byte of it, matched.

    @par Specification
    RFC 6750 section 2.1 (the bearer token in `Authorization`), RFC 6819
    5.1.4.1.3 (hashing high-entropy credentials).
*/
class api_keys {
public:
    /** Accepts `key` for `who`; only its SHA-256 is kept.
        @param key the plaintext bearer key
        @param who the organization and user the key acts for
        @param role what the key may do
        @param issuer for an authorization server: the `aud` its clients' assertions name
               (empty: the service's public URL) */
    void add(std::string_view key, owner who, key_role role = key_role::management, std::string issuer = {})
    {
        entries_.push_back({hasher_(key), {std::move(who), role, std::move(issuer)}});
    }

    /** Accepts the key whose SHA-256 is `key_sha256` for `who` (a keys file
        that holds digests, never the keys).
        @param key_sha256 the SHA-256 digest of the key
        @param who the organization and user the key acts for
        @param role what the key may do
        @param issuer as for add() */
    void add_sha256(secret_hash const& key_sha256, owner who, key_role role = key_role::management,
                    std::string issuer = {})
    {
        entries_.push_back({key_sha256, {std::move(who), role, std::move(issuer)}});
    }

    /** Parses lowercase or uppercase hex of a SHA-256 digest (64 digits).
        @param hex the hex text, without prefix or surrounding space
        @return the 32-byte digest, or nullopt unless `hex` is exactly 64 hex digits */
    static std::optional<secret_hash> parse_sha256_hex(std::string_view hex) noexcept
    {
        if (hex.size() != 64)
            return std::nullopt;
        secret_hash out{};
        for (std::size_t i = 0; i < 64; ++i) {
            int const v = hex_value(hex[i]);
            if (v < 0)
                return std::nullopt;
            out[i / 2] = static_cast<std::uint8_t>(out[i / 2] * 16 + v);
        }
        return out;
    }

    /** The owner `key` acts for. Every known hash is compared, in constant
        time, whatever matched; if two entries have the key, the first added wins.
        @param key the bearer key presented (RFC 6750 2.1), without `Bearer `
        @return the owner, or nullopt for an unknown (or empty) key */
    std::optional<owner> authenticate(std::string_view key) const
    {
        auto g = authorize(key);
        if (!g || g->role != key_role::management)
            return std::nullopt; // an authorization server's key manages no clients
        return std::move(g->who);
    }

    /** What `key` is: its owner, role and issuer, compared as authenticate compares.
        @param key the bearer key presented (RFC 6750 2.1), without `Bearer `
        @return the grant, or nullopt for an unknown (or empty) key */
    std::optional<api_key_grant> authorize(std::string_view key) const
    {
        auto const candidate = hasher_(key);
        api_key_grant const* found = nullptr;
        for (auto const& e : entries_) {
            bool const match = detail::equal_constant_time(e.key_sha256, candidate);
            if (match && found == nullptr)
                found = &e.grant;
        }
        if (found == nullptr || key.empty())
            return std::nullopt;
        return *found;
    }

    /** @return whether no key is accepted */
    bool empty() const noexcept { return entries_.empty(); }
    /** @return how many keys were added (a key added twice counts twice) */
    std::size_t size() const noexcept { return entries_.size(); }

private:
    struct entry {
        secret_hash key_sha256;
        api_key_grant grant;
    };

    static constexpr int hex_value(char c) noexcept
    {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        return -1;
    }

    detail::secret_hasher hasher_; // no pepper: plain SHA-256, as key files give it
    std::vector<entry> entries_;
};

} // namespace oauthreg

#endif
