//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_RECORD_HPP
#define OAUTHREG_RECORD_HPP

#include <oauthreg/clock.hpp>
#include <oauthreg/metadata.hpp>
#include <oauthreg/secure_string.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace oauthreg {

/** A SHA-256 or HMAC-SHA-256 digest of a secret: all that is ever stored of one. */
using secret_hash = std::array<std::uint8_t, 32>;

/** `client_type` of the oauth_client record: RFC 6749 2.1 client types. */
enum class client_type : std::uint8_t { public_client, confidential };

/** @param t a client type @return "public" or "confidential" */
constexpr std::string_view to_string(client_type t) noexcept
{
    return t == client_type::public_client ? "public" : "confidential";
}

/** How a client came to be: through RFC 7591 registration (`POST /oauth/register`,
    where open registration lands), through the record API (`POST /oauth_clients`),
    or as a Client ID Metadata Document fetched from its URL (never stored).
    Reaping is by origin, so clients an operator made on purpose are spared. */
enum class client_origin : std::uint8_t { registration, api, metadata_document };

/** @param o an origin @return "registration", "api" or "metadata_document" */
constexpr std::string_view to_string(client_origin o) noexcept
{
    switch (o) {
    case client_origin::registration:
        return "registration";
    case client_origin::api:
        return "api";
    case client_origin::metadata_document:
        return "metadata_document";
    }
    return "registration";
}

/** @param s "registration", "api" or "metadata_document" @return the origin, or nullopt */
constexpr std::optional<client_origin> parse_client_origin(std::string_view s) noexcept
{
    for (auto o : {client_origin::registration, client_origin::api, client_origin::metadata_document})
        if (s == to_string(o))
            return o;
    return std::nullopt;
}

/** Who registered a client: the organization and user the host authenticated. */
struct owner {
    std::string org_id;                                           ///< empty when the host has none
    std::string user_id;                                          ///< empty when the host has none
    friend bool operator==(owner const&, owner const&) = default; ///< member by member
};

/** Which clients a listing returns (a store's `list`, a client_page_query's
    scope): those of an organization, of a user, of both (the pair), or every
    client when neither is set. */
struct owner_filter {
    std::optional<std::string> org_id;  ///< only this organization's clients
    std::optional<std::string> user_id; ///< only this user's clients
};

/** What is stored for a client: its metadata, owner, timestamps, hashes of its
    secrets and a version for optimistic concurrency. Never a plaintext secret.

    The members client authentication reads (RFC 6749 2.3.1: the id, the secret's
    hash and expiry) come first, so in a store they share the record's first lines. */
struct client_record {
    std::string client_id;                              ///< RFC 7591 3.2.1, unique in its store
    unix_seconds client_secret_expires_at = 0;          ///< 0: never (RFC 7591 3.2.1)
    std::optional<secret_hash> client_secret_hash;      ///< confidential clients with a secret
    std::optional<secret_hash> registration_token_hash; ///< RFC 7592 registration access token
    bool require_pkce = true;                           ///< the authorization server must require PKCE (RFC 9700 2.1.1)
    unix_seconds created_at = 0;                        ///< also client_id_issued_at (RFC 7591 3.2.1)
    unix_seconds updated_at = 0;                        ///< the last replacement
    std::uint64_t version = 1;                          ///< bumped by every replacement
    unix_seconds last_used_at = 0;                      ///< the last recorded use; 0: never (not versioned)
    client_origin origin = client_origin::registration; ///< the route that made it
    client_metadata metadata;                           ///< as validated
    oauthreg::owner owner;                              ///< who registered it (list() filters on it)

    /** @return public for `token_endpoint_auth_method` none, confidential otherwise */
    client_type type() const noexcept
    {
        return metadata.is_public() ? client_type::public_client : client_type::confidential;
    }

    friend bool operator==(client_record const&, client_record const&) = default; ///< member by member
};

/** The answer to a registration or update: the stored record and the
    plaintext credentials made by this call, which are never stored or shown
    again. `registration_response` renders it whole (RFC 7591 3.2.1, RFC 7592 3). */
struct registration {
    client_record record{};                                   ///< as stored
    std::optional<secure_string> client_secret{};             ///< a secret issued by this call
    std::optional<secure_string> registration_access_token{}; ///< RFC 7592 token issued by this call
    std::optional<std::string> registration_client_uri{};     ///< RFC 7592 client configuration endpoint
};

} // namespace oauthreg

#endif
