//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_STORAGE_LIFECYCLE_HPP
#define OAUTHREG_STORAGE_LIFECYCLE_HPP

#include <oauthreg/storage/concept.hpp>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace oauthreg {

/** An RFC 7591 section 3 initial access token, as stored: never the token,
    only its hash. It lets whoever holds it register clients for `org_id`
    until it has been used `max_uses` times or `expires_at` has passed. */
struct initial_access_token_record {
    std::string id;           ///< public handle (list, revoke); not the token
    secret_hash token_hash{}; ///< SHA-256 (or HMAC) of the token
    std::string org_id;       ///< clients registered with it belong to this organization
    std::string user_id;      ///< who minted it; the registered clients' user
    std::uint32_t max_uses = 1;   ///< registrations it may answer 201 in all
    std::uint32_t uses = 0;       ///< registrations answered 201 so far
    unix_seconds expires_at = 0;  ///< no use at or after this time
    unix_seconds created_at = 0;  ///< when it was minted

    /// Member-wise equality (the conformance suite compares what it reads back).
    friend bool operator==(initial_access_token_record const&, initial_access_token_record const&) = default;
};

/** What a store checks and counts in the same transaction as an insert, so
    concurrent registrations (one process or several on one database) never
    overshoot a quota nor spend a token's last use twice. */
struct insert_conditions {
    /** 0: no quota; else `client_exists`-free inserts past this many clients
        of the record's organization fail with `error::quota_exceeded`. */
    std::size_t max_clients_per_org = 0;
    /** When set, one use of the token with this hash is spent by the insert;
        a token that is unknown, of another organization, spent or expired at
        `now` fails it with `error::invalid_initial_access_token`, and
        nothing is stored. */
    std::optional<secret_hash> initial_access_token{};
    unix_seconds now = 0; ///< the time a token's expiry is compared with
};

/** Which clients a reaper deletes: those whose origin matches and that were
    neither created nor used at or after `idle_since`. */
struct reap_query {
    std::optional<client_origin> origin{}; ///< nullopt: any origin
    unix_seconds idle_since = 0;           ///< created_at and last_used_at both before this
    std::size_t limit = 500;               ///< at most this many per call (a bounded batch)
};

/** A store that also keeps the client lifecycle (docs/open-registration.md),
    checked by `oauthreg/testing/lifecycle_conformance.hpp`:
    - `insert(rec, conditions)`: `insert(rec)` that also enforces
      `insert_conditions` atomically with the insert (see there).
    - `touch(id, used_at)`: sets `last_used_at` to `used_at` when that is
      later, without changing the record's version or anything else; a
      missing client is `error::client_not_found`.
    - `reap(q)`: deletes at most `q.limit` idle clients, each only if it is
      still idle when it is deleted (a client used meanwhile survives), and
      without holding a lock that stops registrations for more than one
      batch; returns how many it deleted. `count_idle(q)` counts them all
      (`q.limit` ignored) without deleting.
    - `insert_token(t)`, `find_token(hash)`, `list_tokens(org)` (newest
      first, spent and expired ones included), `erase_token(org, id)`
      (`error::client_not_found` for an unknown id or another organization's).
*/
template <class S>
concept lifecycle_storage = storage_policy<S> && requires(S& s, S const& cs, client_record rec, std::string_view id,
                                                          insert_conditions const& conditions, unix_seconds t,
                                                          reap_query const& q, initial_access_token_record token,
                                                          secret_hash const& hash)
{
    {
        s.insert(std::move(rec), conditions)
        } -> std::same_as<result<void>>;
    {
        s.touch(id, t)
        } -> std::same_as<result<void>>;
    {
        s.reap(q)
        } -> std::same_as<result<std::size_t>>;
    {
        cs.count_idle(q)
        } -> std::same_as<result<std::size_t>>;
    {
        s.insert_token(std::move(token))
        } -> std::same_as<result<void>>;
    {
        cs.find_token(hash)
        } -> std::same_as<result<initial_access_token_record>>;
    {
        cs.list_tokens(id)
        } -> std::same_as<result<std::vector<initial_access_token_record>>>;
    {
        s.erase_token(id, id)
        } -> std::same_as<result<void>>;
};

namespace detail {

/** @param rec a client @param since the reaper's cut-off
    @return whether it was neither created nor used at or after `since` */
inline bool idle_since(client_record const& rec, unix_seconds since) noexcept
{
    return rec.created_at < since && rec.last_used_at < since;
}

/** @param rec a client @param q a reaper's query @return whether q selects it */
inline bool reapable(client_record const& rec, reap_query const& q) noexcept
{
    return (!q.origin || rec.origin == *q.origin) && idle_since(rec, q.idle_since);
}

/** @param t a stored token @param now the time of use
    @return whether one more use of it may be spent now */
inline bool token_spendable(initial_access_token_record const& t, unix_seconds now) noexcept
{
    return t.uses < t.max_uses && now < t.expires_at;
}

/** The order of `list_tokens`: newest first, then by id. */
inline bool newest_token_first(initial_access_token_record const& a, initial_access_token_record const& b) noexcept
{
    return a.created_at != b.created_at ? a.created_at > b.created_at : a.id < b.id;
}

} // namespace detail

} // namespace oauthreg

#endif
