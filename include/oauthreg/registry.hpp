//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_REGISTRY_HPP
#define OAUTHREG_REGISTRY_HPP

#include <oauthreg/client_page.hpp>
#include <oauthreg/clock.hpp>
#include <oauthreg/detail/client_id.hpp>
#include <oauthreg/detail/redirect_match.hpp>
#include <oauthreg/detail/secret.hpp>
#include <oauthreg/detail/strict_json.hpp>
#include <oauthreg/error.hpp>
#include <oauthreg/fwd.hpp>
#include <oauthreg/profile.hpp>
#include <oauthreg/record.hpp>
#include <oauthreg/record_request.hpp>
#include <oauthreg/rng/concept.hpp>
#include <oauthreg/rng/cryptopp.hpp>
#include <oauthreg/secure_string.hpp>
#include <oauthreg/storage/concept.hpp>
#include <oauthreg/storage/lifecycle.hpp>
#include <oauthreg/storage/memory.hpp>
#include <oauthreg/validate.hpp>

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace oauthreg {

/** How a registry behaves beyond the validation profile. */
struct registry_options {
    /** What clients may register (RFC 7591 section 2). */
    oauthreg::profile profile = profile::default_profile();

    /** Server-held key for HMAC-SHA-256 of stored secrets; empty: plain SHA-256.
        With a pepper, a stolen database alone cannot confirm a guessed secret. */
    std::string secret_pepper;

    /** When set, registrations also get an RFC 7592 registration access token
        and `registration_client_uri` = this base + "/" + client_id. */
    std::optional<std::string> registration_base_uri;

    std::size_t default_list_limit = 20; ///< page size of a list() that asks for none
    std::size_t max_list_limit = 100;    ///< larger page sizes are lowered to this

    /** Clients an organization may hold; 0: no limit. Checked and counted by
        the store in the insert's transaction (a `lifecycle_storage`), so
        concurrent registrations never overshoot it. */
    std::size_t max_clients_per_org = 0;
};

/** An initial access token just minted (RFC 7591 3): the token, shown this
    once, and what is stored of it. */
struct minted_initial_access_token {
    initial_access_token_record record; ///< as stored (its hash, never the token)
    secure_string token;                ///< 32 random bytes, base64url
};

/** The answer to rotate_secret. */
struct rotated_secret {
    secure_string client_secret;               ///< the new secret, shown this once
    unix_seconds client_secret_expires_at = 0; ///< 0: never
    std::uint64_t version = 0;                 ///< the record version that holds the new secret
};

/** A paged listing request. */
struct list_query {
    owner_filter owner;    ///< whose clients
    std::size_t limit = 0; ///< 0: registry_options::default_list_limit
    std::string cursor;    ///< from the previous page's next_cursor
};

/** Registers and manages OAuth 2.0 clients: RFC 7591 registration, RFC 7592
    read/update/delete, client authentication and redirect URI matching.

    Thread-safe when its storage is (the default store is); a stateful RNG
    policy is serialized by the registry, a stateless one is not locked.
    Movable when its store, RNG and clock are (the bundled stores, RNGs and
    clocks all are, so the default `oauthreg::registry` is); a moved-from
    registry may only be destroyed or assigned to.

    @tparam Storage a `storage_policy`, e.g. oauthreg::basic_memory_storage
    @tparam Rng an `rng_policy`, e.g. oauthreg::os_rng
    @tparam Clock a `clock_policy`, e.g. oauthreg::system_clock

    @par Example
    <!-- example: body; given: std::string_view body; -->
    @code
    oauthreg::registry reg;
    auto r = reg.register_client(body, {.org_id = "org-1", .user_id = "user-7"});
    boost::json::object answer = r ? oauthreg::registration_response(*r)        // 201
                                   : oauthreg::error_response(r.error()); // 400
    @endcode
*/
template <class Storage, class Rng, class Clock> class basic_registry {
    static_assert(storage_policy<Storage>,
                  "Storage must model oauthreg::storage_policy (insert, find, visit, replace, erase, list)");
    static_assert(rng_policy<Rng>, "Rng must model oauthreg::rng_policy: void fill(std::uint8_t*, std::size_t)");
    static_assert(clock_policy<Clock>, "Clock must model oauthreg::clock_policy: unix_seconds now() const");

public:
    using storage_type = Storage; ///< the storage policy
    using rng_type = Rng;         ///< the RNG policy
    using clock_type = Clock;     ///< the clock policy

    /** Constructs the registry; `storage_args` construct the store in place;
        the RNG and the clock are default-constructed.
        @param opts how it behaves
        @param storage_args the store's constructor arguments */
    template <class... StorageArgs>
        requires std::constructible_from<Storage, StorageArgs...>
    explicit basic_registry(registry_options opts = {}, StorageArgs&&... storage_args)
        : opts_(std::move(opts)), hasher_(opts_.secret_pepper), storage_(std::forward<StorageArgs>(storage_args)...)
    {}

    /** Constructs the registry with the RNG and clock instances given (as
        Boost.Uuid's generators take their engine): a seeded RNG, a clock
        at a chosen time, a policy holding a handle. The store is
        default-constructed.
        @param opts how it behaves
        @param rng the RNG policy instance
        @param clock the clock policy instance */
    basic_registry(registry_options opts, Rng rng, Clock clock = Clock{})
        requires std::default_initializable<Storage>
        : opts_(std::move(opts)), hasher_(opts_.secret_pepper), rng_(std::move(rng)), clock_(std::move(clock))
    {}

    /** Constructs the registry from a store (e.g. an opened sqlite_storage)
        and RNG and clock instances.
        @param opts how it behaves
        @param storage the store, moved in
        @param rng the RNG policy instance
        @param clock the clock policy instance */
    basic_registry(registry_options opts, Storage&& storage, Rng rng, Clock clock = Clock{})
        requires std::move_constructible<Storage>
        : opts_(std::move(opts)), hasher_(opts_.secret_pepper), storage_(std::move(storage)), rng_(std::move(rng)),
          clock_(std::move(clock))
    {}

    /** @return the options it was made with */
    registry_options const& options() const noexcept { return opts_; }
    /** @return the store */
    Storage& storage() noexcept { return storage_; }
    /** @return the store */
    Storage const& storage() const noexcept { return storage_; }
    /** @return the RNG */
    Rng& rng() noexcept { return rng_; }
    /** @return the clock (a test moves a manual_clock through this) */
    Clock& clock() noexcept { return clock_; }

    /** Registers a client from an RFC 7591 request body.

        @param body the request body, as received
        @param who the organization and user the host authenticated
        @return the stored record with the plaintext secret (confidential
        clients using one) and registration access token (when configured),
        returned this once; or the RFC 7591 3.2.2 error.

        @par Specification
        RFC 7591 3.1, 3.2.1, 3.2.2; RFC 7592 3.
    */
    result<registration> register_client(std::string_view body, owner who = {})
    {
        unix_seconds const now = clock_.now();
        auto md = validate_request(body, opts_.profile, now);
        if (!md)
            return md.error();
        bool const pkce = pkce_required(*md);
        return issue(std::move(*md), std::move(who), pkce, now);
    }

    /** Registers a client for a caller without credentials (open
        registration, RFC 7591 3): like register_client, but a client without
        an accountable owner may not use the `client_credentials` grant (it
        would be a machine identity anyone can mint).
        @param body the request body, as received
        @param who the owner anonymous clients get (e.g. org "public", user "anonymous")
        @return as register_client, or `anonymous_client_credentials` */
    result<registration> register_anonymous(std::string_view body, owner who)
    {
        unix_seconds const now = clock_.now();
        auto md = validate_request(body, opts_.profile, now);
        if (!md)
            return md.error();
        if (md->has_grant(grant_type::client_credentials))
            return make_error(error::anonymous_client_credentials, "grant_types", "RFC 7591 3");
        bool const pkce = pkce_required(*md);
        return issue(std::move(*md), std::move(who), pkce, now);
    }

    /** Registers a client with an initial access token (RFC 7591 3): the
        client belongs to the organization that minted the token, and the
        store spends one of the token's uses in the insert's transaction, so
        concurrent registrations never both spend its last use. A request
        refused for its metadata spends nothing.
        @param body the request body, as received
        @param token the bearer token presented
        @return as register_client, or `invalid_initial_access_token` for a
        token that is unknown, spent, expired or revoked */
    result<registration> register_with_initial_access_token(std::string_view body, std::string_view token)
        requires lifecycle_storage<Storage>
    {
        unix_seconds const now = clock_.now();
        auto const hash = hasher_(token);
        auto t = storage_.find_token(hash);
        bool const live = t && detail::token_spendable(*t, now);
        if (!t && store_failed(t.error()))
            return t.error();
        if (!live)
            return make_error(error::invalid_initial_access_token, "");
        auto md = validate_request(body, opts_.profile, now);
        if (!md)
            return md.error();
        bool const pkce = pkce_required(*md);
        insert_conditions c{opts_.max_clients_per_org, hash, now};
        return issue(std::move(*md), {t->org_id, t->user_id}, pkce, now, rfc7592_token::when_configured,
                     client_origin::registration, &c);
    }

    /** Whether @p token is a live initial access token, and whose.
        @param token the bearer token presented
        @return the organization and user it registers for, or
        `invalid_initial_access_token` */
    result<owner> initial_access_token_owner(std::string_view token) const requires lifecycle_storage<Storage>
    {
        auto t = storage_.find_token(hasher_(token));
        if (!t && store_failed(t.error()))
            return t.error();
        if (!t || !detail::token_spendable(*t, clock_.now()))
            return make_error(error::invalid_initial_access_token, "");
        return owner{t->org_id, t->user_id};
    }

    /** Mints an initial access token for the caller's organization (RFC 7591 3).
        @param caller who mints it; clients registered with it are theirs
        @param max_uses how many registrations it allows (at least 1)
        @param expires_in seconds from now until it stops working (at least 1)
        @return the token, shown this once, and its stored record */
    result<minted_initial_access_token> mint_initial_access_token(owner const& caller, std::uint32_t max_uses,
                                                                  std::int64_t expires_in)
        requires lifecycle_storage<Storage>
    {
        minted_initial_access_token out;
        auto& r = out.record;
        r.org_id = caller.org_id;
        r.user_id = caller.user_id;
        r.max_uses = std::max<std::uint32_t>(1, max_uses);
        r.created_at = clock_.now();
        r.expires_at = saturating_add(r.created_at, std::max<std::int64_t>(1, expires_in));
        for (int attempt = 0;; ++attempt) {
            out.token = random_secret();
            r.token_hash = hasher_(out.token);
            r.id = random_client_id();
            auto ins = storage_.insert_token(r);
            if (ins)
                return out;
            if (ins.error().kind() != error::client_exists || attempt == 3)
                return ins.error();
        }
    }

    /** @param org_id an organization
        @return its initial access tokens, newest first (never the tokens themselves) */
    result<std::vector<initial_access_token_record>> initial_access_tokens(std::string_view org_id) const
        requires lifecycle_storage<Storage>
    {
        return storage_.list_tokens(org_id);
    }

    /** Revokes one of the organization's initial access tokens.
        @param org_id the caller's organization
        @param id the token's id
        @return nothing, or `client_not_found` (unknown, or another organization's) */
    result<void> revoke_initial_access_token(std::string_view org_id, std::string_view id)
        requires lifecycle_storage<Storage>
    {
        return storage_.erase_token(org_id, id);
    }

    /** Deletes idle clients in bounded batches: those of `origin` (nullopt:
        any) neither created nor used at or after `idle_since`. Each delete is
        conditional on the client still being idle, so one used meanwhile
        survives; between batches the store takes no lock.
        @param origin which clients
        @param idle_since the cut-off
        @param dry_run count, delete nothing
        @return how many were deleted (or would be) */
    result<std::size_t> reap(std::optional<client_origin> origin, unix_seconds idle_since, bool dry_run = false)
        requires lifecycle_storage<Storage>
    {
        reap_query q{origin, idle_since, reap_batch};
        if (dry_run)
            return storage_.count_idle(q);
        std::size_t total = 0;
        for (;;) {
            auto n = storage_.reap(q);
            if (!n)
                return n.error();
            total += *n;
            if (*n < q.limit)
                return total;
        }
    }

    /** Registers a client from a body in the `oauth_client` record's shape
        (see @ref validate_record): the same rules as register_client, errors
        named in the record's terms, an unknown member refused. The caller is
        the owner. `require_pkce` absent: true for a public client, the
        profile's rule for a confidential one.

        No RFC 7592 registration access token is issued: the client is
        managed through the record API by its organization, and RFC 7592 3
        gives that token to whoever registered through RFC 7591, in the
        registration response; a token no one receives would be a stored
        credential without a holder.

        @param record_body the request body, as received
        @param caller the organization and user the host authenticated; the new owner
        @return the stored record with the plaintext secret (confidential
        clients); or the first validation problem, or the store's error

        @par Specification
        RFC 7591 2, 2.1, 3.2.1; RFC 9700 2.1.1.
    */
    result<registration> create_client(std::string_view record_body, owner const& caller)
    {
        auto req = validate_record(record_body, opts_.profile);
        if (!req)
            return req.error();
        bool const pkce = req->require_pkce.value_or(pkce_required(req->metadata));
        return issue(std::move(req->metadata), caller, pkce, clock_.now(), rfc7592_token::none, client_origin::api);
    }

    /** Registers metadata built by the host: the rules of @ref validate_metadata
        run first (so nothing unvalidated is stored), then the client is issued
        like any other: id, secret for a secret-using method, registration
        access token when configured. `require_pkce` absent: the profile's rule;
        false is refused for a public client (RFC 9700 2.1.1).
        @param md the client metadata
        @param who the owner of the new client
        @param require_pkce the client's PKCE requirement, if the host sets one
        @return the stored record with the credentials issued by this call, or
        the first validation problem (`public_client_pkce` included), or the
        store's error */
    result<registration> register_metadata(client_metadata md, owner who, std::optional<bool> require_pkce = {})
    {
        auto valid = validate_metadata(md, opts_.profile);
        if (!valid)
            return valid.error();
        if (valid->is_public() && require_pkce == false)
            return make_error(error::public_client_pkce, "require_pkce", "RFC 9700 2.1.1");
        bool const pkce = require_pkce.value_or(pkce_required(*valid));
        return issue(std::move(*valid), std::move(who), pkce, clock_.now());
    }

    /** The stored record (RFC 7592 2.1 read), without any secret.
        @param client_id the client
        @return the record, or `not_found` */
    result<client_record> find(std::string_view client_id) const { return storage_.find(client_id); }

    /** The stored record, if it belongs to the caller's organization: a client
        of another organization is `client_not_found`, exactly like an unknown id.
        So is a stored row that cannot be decoded (see @ref unreadable_record_error):
        its owner cannot be read, so no caller can be shown it is theirs, and a
        500 would tell another organization that the id exists. The store
        reports such a row to its operator (the SQL stores through their `log`).
        @param client_id the client
        @param caller the authenticated caller; only its `org_id` is compared
        @return the record, `client_not_found`, or the store's error (one not
        about this row, e.g. an unreachable database) */
    result<client_record> find(std::string_view client_id, owner const& caller) const
    {
        auto rec = storage_.find(client_id);
        bool const theirs = rec ? rec->owner.org_id == caller.org_id : !is_unreadable_record(rec.error());
        if (!theirs)
            return make_error(error::client_not_found, "client_id");
        return rec;
    }

    /** Calls `f(client_record const&)` with the stored record, without copying
        it (render straight from the store); `f` must not call back into the
        registry.
        @param client_id the client
        @param f called once with the record
        @return nothing, or `not_found` when there is no such client */
    template <class F> result<void> visit(std::string_view client_id, F&& f) const
    {
        return storage_.visit(client_id, std::forward<F>(f));
    }

    /** Authenticates a client at the token endpoint (RFC 6749 2.3.1).

        Unknown client, wrong secret, expired secret and a client without a
        secret all give the same `invalid_client` answer through the same
        steps: hash, constant-time compare, then one combined decision.

        @param client_id the client
        @param client_secret the secret it presented
        @return nothing, or `invalid_client`
    */
    result<void> authenticate(std::string_view client_id, std::string_view client_secret)
    {
        auto const candidate = hasher_(client_secret);
        secret_hash stored{};
        bool has_secret = false;
        unix_seconds expires_at = 0, last_used_at = 0;
        auto found = storage_.visit(client_id, [&](client_record const& rec) {
            if (rec.client_secret_hash) {
                stored = *rec.client_secret_hash;
                has_secret = true;
            }
            expires_at = rec.client_secret_expires_at;
            last_used_at = rec.last_used_at;
        });
        if (!found && store_failed(found.error()))
            return found.error();
        bool const match = detail::equal_constant_time(stored, candidate);
        unix_seconds const now = clock_.now();
        // RFC 7591 3.2.1: client_secret_expires_at is when it expires; 0 means never.
        bool const live = expires_at == 0 || now < expires_at;
        if (!(found.has_value() & has_secret & match & live))
            return make_error(error::authentication_failed, "");
        record_use(client_id, last_used_at, now);
        return {};
    }

    /** Records a use of a client (`last_used_at`) the way authenticate does:
        the first at once, later ones at most once a minute, never changing
        the record's version. For a host that authenticates clients by other
        means (mTLS, a client check of its own).
        @param client_id the client
        @return nothing, or `client_not_found` */
    result<void> record_use(std::string_view client_id)
    {
        unix_seconds last = 0;
        auto found = storage_.visit(client_id, [&](client_record const& rec) { last = rec.last_used_at; });
        if (!found)
            return found.error();
        record_use(client_id, last, clock_.now());
        return {};
    }

    /** Checks an RFC 7592 registration access token, with the same care as a
        secret, without changing it. An RFC 7592 endpoint answers with
        @ref read_registration and @ref update_registration instead, which check
        the token and issue the fresh one the answer must carry.
        @param client_id the client
        @param token the bearer token presented
        @return nothing, or `invalid_client` for any mismatch */
    result<void> check_registration_token(std::string_view client_id, std::string_view token) const
    {
        auto const candidate = hasher_(token);
        std::optional<secret_hash> stored;
        auto found = storage_.visit(client_id, [&](client_record const& rec) { stored = rec.registration_token_hash; });
        if (!found && store_failed(found.error()))
            return found.error();
        if (token_matches(found.has_value(), stored, candidate))
            return {};
        return make_error(error::authentication_failed, "");
    }

    /** RFC 7592 2.1 read, for `GET` on the client configuration endpoint: checks
        the registration access token, then answers with the stored record, a
        fresh token and `registration_client_uri`.

        RFC 7592 3: the answer carries `registration_access_token`. Only its
        hash is stored, so a new one is issued (RFC 7592 3 lets the server
        rotate it) and the token presented stops working at once. A wrong token
        and an unknown client give the same `authentication_failed` through the
        same steps (RFC 7592 2.1: the server must not reveal which). Without
        `registration_base_uri` no client has a token, and every call fails so.

        @param client_id the client, from the configuration endpoint's path
        @param token the registration access token presented (RFC 6750 2.1)
        @return the record with the fresh token and `registration_client_uri`
        (never a client secret); `authentication_failed` for a wrong token or
        an unknown client; or the store's error
    */
    result<registration> read_registration(std::string_view client_id, std::string_view token)
    {
        for (int attempt = 0;; ++attempt) {
            auto current = find_with_token(client_id, token);
            if (!current)
                return current.error();
            registration out;
            out.record = std::move(*current);
            auto const read_version = out.record.version++;
            issue_registration_token(out); // a read: updated_at stays, the metadata did not change
            auto r = storage_.replace(out.record, read_version);
            if (r) {
                set_registration_client_uri(out);
                return out;
            }
            // A concurrent change that kept the token (rotate_secret): read again.
            // One that rotated it fails the token check on the next round.
            if (r.error().kind() != error::version_conflict || attempt == 7)
                return r.error();
        }
    }

    /** RFC 7592 2.2 update, for `PUT` on the client configuration endpoint:
        checks the registration access token first (as @ref read_registration),
        then replaces the metadata as @ref update does at the version the token
        was checked at, issuing a fresh token (RFC 7592 3). The body must name
        the client (`client_id`, RFC 7592 2.2), and a `client_secret` it
        carries must be the client's current secret, compared in constant time
        against the stored hash.
        @param client_id the client, from the configuration endpoint's path
        @param token the registration access token presented (RFC 6750 2.1)
        @param body the new metadata, a full RFC 7592 2.2 request
        @return as @ref update; `authentication_failed` for a wrong token or an
        unknown client; `client_id_missing`, `client_id_mismatch` or
        `client_secret_mismatch` for a body that does not name this client or
        its secret; `version_conflict` when the client changed since the
        token was checked */
    result<registration> update_registration(std::string_view client_id, std::string_view token, std::string_view body)
    {
        auto current = find_with_token(client_id, token);
        if (!current)
            return current.error();
        std::optional<std::string> body_client_id;
        auto md = detail::validate_request_with_id(body, opts_.profile, &body_client_id, clock_.now());
        if (!md)
            return md.error();
        if (auto bad = check_update_identity(*current, body_client_id, body))
            return std::move(*bad);
        return replace_metadata(std::move(*current), std::move(*md));
    }

    /** Replaces a client's metadata (RFC 7592 2.2): fields omitted from the
        body are removed; client_id, created_at, owner and the secret stay. An
        invalid body, a body naming another client_id, or a concurrent change
        (the stored version is no longer the one read, or not `expected_version`)
        leaves the stored record untouched. The host's own call: unlike
        @ref update_registration, a body without `client_id` is taken, and a
        `client_secret` in it is ignored.

        A client that moves to a secret-using auth method is issued a secret,
        returned here once; one that moves to a method without a secret loses it.
        `require_pkce` is no RFC 7591 metadata: it stays as stored, raised
        only for a public client or a new authorization_code grant (RFC 9700 2.1.1).
        With `registration_base_uri` configured the answer is an RFC 7592 3
        client information response: a fresh registration access token is
        issued and returned with `registration_client_uri`, and the old token
        stops working.

        @param client_id the client
        @param body the new metadata, a full RFC 7592 2.2 request
        @param expected_version when set, the version the caller read
        @return the new record (and a secret issued by this call), or the error
    */
    result<registration> update(std::string_view client_id, std::string_view body,
                                std::optional<std::uint64_t> expected_version = std::nullopt)
    {
        std::optional<std::string> body_client_id;
        auto md = detail::validate_request_with_id(body, opts_.profile, &body_client_id, clock_.now());
        if (!md)
            return md.error();
        // RFC 7592 2.2: the client_id in the request MUST be the client's own.
        if (body_client_id && *body_client_id != client_id)
            return make_error(error::client_id_mismatch, "client_id");
        auto current = storage_.find(client_id);
        if (!current)
            return current.error();
        if (expected_version && *expected_version != current->version)
            return make_error(error::version_conflict, "client_id");
        return replace_metadata(std::move(*current), std::move(*md));
    }

    /** RFC 7592 2.3 delete, for `DELETE` on the client configuration endpoint:
        checks the registration access token (as @ref read_registration), then
        deletes the client at the version the token was checked at, in one
        step when the store models versioned_erase_storage; so a token rotated
        meanwhile (by a read or an update) cannot delete. A concurrent change
        that kept the token (rotate_secret) is read again.
        @param client_id the client, from the configuration endpoint's path
        @param token the registration access token presented (RFC 6750 2.1)
        @return nothing; `authentication_failed` for a wrong token or an
        unknown client; `client_not_found` when a concurrent delete won; or
        the store's error */
    result<void> delete_registration(std::string_view client_id, std::string_view token)
    {
        for (int attempt = 0;; ++attempt) {
            auto current = find_with_token(client_id, token);
            if (!current)
                return current.error();
            auto r = erase_at_version(*current);
            if (r || r.error().kind() != error::version_conflict || attempt == 7)
                return r;
        }
    }

    /** Deletes a client (RFC 7592 2.3).
        @param client_id the client
        @return nothing, or `not_found` */
    result<void> erase(std::string_view client_id) { return storage_.erase(client_id); }

    /** Deletes a client of the caller's organization; another's is `client_not_found`.
        @param client_id the client
        @param caller the authenticated caller; only its `org_id` is compared
        @return nothing, or `client_not_found`, or the store's error */
    result<void> erase(std::string_view client_id, owner const& caller)
    {
        auto rec = find(client_id, caller); // the owner never changes, so the check stays true
        if (!rec)
            return rec.error();
        return storage_.erase(client_id);
    }

    /** The 0.1 name of @ref find; removed in 0.3.
        @param client_id the client
        @return as @ref find */
    [[deprecated("use find")]] result<client_record> get(std::string_view client_id) const { return find(client_id); }
    /** The 0.1 name of @ref erase; removed in 0.3.
        @param client_id the client
        @return as @ref erase */
    [[deprecated("use erase")]] result<void> remove(std::string_view client_id) { return erase(client_id); }

    /** A partial update of a client of the caller's organization, in the
        record's shape (see @ref validate_record_patch): the members sent are
        merged into the stored record and the whole is validated as on create.
        `client_type`, the owner, `created_at` and the secret stay; `updated_at`
        moves. An invalid result, or a concurrent change (the stored version is
        no longer the one read, or not `expected_version`), leaves the record
        untouched: `version_conflict`, and the caller may read and retry.
        @param client_id the client
        @param patch_body the partial update body, as received
        @param caller the authenticated caller; only its `org_id` is compared
        @param expected_version when set, the version the caller read
        @return the new record (no credentials are issued); `client_not_found`,
        `version_conflict`, the first validation problem in the record's
        terms, or the store's error */
    result<registration> patch(std::string_view client_id, std::string_view patch_body, owner const& caller,
                               std::optional<std::uint64_t> expected_version = {})
    {
        auto current = find(client_id, caller);
        if (!current)
            return current.error();
        if (expected_version && *expected_version != current->version)
            return make_error(error::version_conflict, "client_id");
        auto req = validate_record_patch(patch_body, current->metadata, current->require_pkce, opts_.profile);
        if (!req)
            return req.error();
        registration out;
        client_record& rec = out.record;
        rec = *current;
        rec.metadata = std::move(req->metadata);
        rec.require_pkce = req->require_pkce.value_or(current->require_pkce);
        rec.updated_at = clock_.now();
        rec.version = current->version + 1;
        auto r = storage_.replace(rec, current->version);
        if (!r)
            return r.error();
        return out;
    }

    /** A page of the clients of `q.owner` passing `q`'s filters, with totals;
        see @ref page_clients for what a page costs.
        @param q whose clients, the filters, the page number and size
        @return the page and the totals, `invalid_page`, or the store's error */
    result<client_page> page(client_page_query const& q) const { return page_clients(storage_, q); }

    /** A page of an owner's clients, ordered by client_id.
        @param q whose clients, how many, and from which cursor
        @return the page and the cursor of the next one */
    result<list_page> list(list_query const& q) const
    {
        std::size_t limit = q.limit == 0 ? opts_.default_list_limit : std::min(q.limit, opts_.max_list_limit);
        return storage_.list(q.owner, limit, q.cursor);
    }

    /** Issues a new secret, invalidating the old one at once (RFC 7592 2.2
        lets the server rotate secrets). Retries if a concurrent update wins.
        @param client_id the client
        @return the new secret, shown this once, or `no_client_secret` for a
        client whose auth method uses none */
    result<rotated_secret> rotate_secret(std::string_view client_id)
    {
        for (int attempt = 0;; ++attempt) {
            auto current = storage_.find(client_id);
            if (!current)
                return current.error();
            if (!uses_client_secret(current->metadata.token_endpoint_auth_method))
                return make_error(error::no_client_secret, "client_id",
                                  to_string(current->metadata.token_endpoint_auth_method));
            client_record rec = *current;
            std::optional<secure_string> secret;
            unix_seconds const now = clock_.now();
            issue_secret(rec, secret, now);
            rec.updated_at = now;
            rec.version = current->version + 1;
            unix_seconds const expires_at = rec.client_secret_expires_at;
            auto r = storage_.replace(std::move(rec), current->version);
            if (r)
                return rotated_secret{std::move(*secret), expires_at, current->version + 1};
            if (r.error().kind() != error::version_conflict || attempt == 7)
                return r.error();
        }
    }

    /** Whether `redirect_uri` is one the client registered: exact string match,
        any port for loopback IP redirects (RFC 9700 2.1, RFC 8252 7.3).
        @param client_id the client
        @param redirect_uri the URI of an authorization request
        @return whether it matches, or `not_found` */
    result<bool> match_redirect_uri(std::string_view client_id, std::string_view redirect_uri) const
    {
        bool match = false;
        auto found = storage_.visit(client_id, [&](client_record const& rec) {
            for (auto const& uri : rec.metadata.redirect_uris)
                if (detail::redirect_uri_matches(uri, redirect_uri)) {
                    match = true;
                    return;
                }
        });
        if (!found)
            return found.error();
        return match;
    }

private:
    /** Stores `md` as `current`'s metadata at `current`'s version: the shared
        end of @ref update and @ref update_registration. */
    result<registration> replace_metadata(client_record current, client_metadata md)
    {
        unix_seconds const now = clock_.now();
        registration out;
        client_record& rec = out.record;
        rec = current;
        rec.metadata = std::move(md);
        rec.updated_at = now;
        rec.version = current.version + 1;
        rec.require_pkce = kept_pkce(current, rec.metadata);
        if (!uses_client_secret(rec.metadata.token_endpoint_auth_method)) {
            rec.client_secret_hash.reset();
            rec.client_secret_expires_at = 0;
        } else if (!rec.client_secret_hash) {
            issue_secret(rec, out.client_secret, now);
        }
        issue_registration_token(out);
        auto r = storage_.replace(rec, current.version);
        if (!r)
            return r.error();
        set_registration_client_uri(out);
        return out;
    }

    /** RFC 7592 2.2: the request MUST include the client's client_id, and a
        client_secret it includes MUST match the current one. `body` is valid. */
    std::optional<error_info> check_update_identity(client_record const& current,
                                                    std::optional<std::string> const& body_client_id,
                                                    std::string_view body) const
    {
        if (!body_client_id)
            return make_error(error::client_id_missing, "client_id");
        if (*body_client_id != current.client_id)
            return make_error(error::client_id_mismatch, "client_id");
        auto parsed = detail::parse_strict(body, opts_.profile.limits.max_depth + 1);
        auto const* secret = parsed.value && parsed.value->is_object()
                                 ? parsed.value->get_object().if_contains("client_secret")
                                 : nullptr;
        if (!secret)
            return std::nullopt;
        auto const text = secret->is_string() ? std::string_view(secret->get_string()) : std::string_view();
        // Compared as authenticate compares: hash, then constant time, then one decision.
        bool const match =
            detail::equal_constant_time(current.client_secret_hash.value_or(secret_hash{}), hasher_(text));
        if (secret->is_string() && current.client_secret_hash.has_value() && match) // match was computed either way
            return std::nullopt;
        return make_error(error::client_secret_mismatch, "client_secret");
    }

    /** The one issuing path of every registration: id, secret for a
        secret-using method, registration access token, insert. `md` is valid. */
    enum class rfc7592_token : bool { none, when_configured };

    result<registration> issue(client_metadata&& md, owner who, bool require_pkce, unix_seconds now,
                               rfc7592_token token = rfc7592_token::when_configured,
                               client_origin origin = client_origin::registration,
                               insert_conditions const* conditions = nullptr)
    {
        registration out;
        client_record& rec = out.record;
        rec.metadata = std::move(md);
        rec.owner = std::move(who);
        rec.origin = origin;
        rec.created_at = rec.updated_at = now;
        rec.require_pkce = require_pkce;
        if (uses_client_secret(rec.metadata.token_endpoint_auth_method))
            issue_secret(rec, out.client_secret, now);
        if (token == rfc7592_token::when_configured)
            issue_registration_token(out);
        // A v4 UUID collision is a 2^-122 event; retry rather than fail if one ever happens.
        for (int attempt = 0;; ++attempt) {
            rec.client_id = random_client_id();
            auto ins = insert(rec, conditions, now);
            if (ins)
                break;
            if (ins.error().kind() != error::client_exists || attempt == 3)
                return ins.error();
        }
        if (token == rfc7592_token::when_configured)
            set_registration_client_uri(out);
        return out;
    }

    /** The store's insert, with the quota and a token's use counted in its
        transaction when there are any (a `lifecycle_storage`). A store that
        cannot count them cannot enforce a quota: that is refused, not ignored. */
    result<void> insert(client_record const& rec, insert_conditions const* conditions, unix_seconds now)
    {
        if constexpr (lifecycle_storage<Storage>) {
            if (conditions)
                return storage_.insert(rec, *conditions);
            if (opts_.max_clients_per_org > 0)
                return storage_.insert(rec, insert_conditions{opts_.max_clients_per_org, std::nullopt, now});
        } else if (opts_.max_clients_per_org > 0) {
            return make_error(error::storage_failure, "", "this store cannot enforce max_clients_per_org");
        }
        return storage_.insert(rec);
    }

    /** docs/open-registration.md: the first use is written at once, later
        ones at most once a minute, so authentication stays a read. */
    void record_use(std::string_view client_id, unix_seconds last_used_at, unix_seconds now)
    {
        if constexpr (lifecycle_storage<Storage>) {
            if (last_used_at == 0 || now - last_used_at >= use_interval)
                (void)storage_.touch(client_id, now); // a use is not refused for a write that failed
        }
    }

    static constexpr unix_seconds use_interval = 60; ///< seconds between two writes of last_used_at
    static constexpr std::size_t reap_batch = 500;   ///< clients deleted per store call by reap()

    /** An RFC 7592 2.2 update's require_pkce: the stored value stays (the
        record API may have set it; it is no RFC 7591 metadata the body could
        carry). A public client always requires PKCE, and one that gains the
        authorization_code grant gets the profile's rule as at registration
        (RFC 9700 2.1.1); an update never lowers it. */
    bool kept_pkce(client_record const& current, client_metadata const& md) const noexcept
    {
        bool const gains_code =
            md.has_grant(grant_type::authorization_code) && !current.metadata.has_grant(grant_type::authorization_code);
        return current.require_pkce || ((md.is_public() || gains_code) && pkce_required(md));
    }

    bool pkce_required(client_metadata const& md) const noexcept
    {
        // RFC 9700 2.1.1: public clients MUST use PKCE; confidential ones SHOULD.
        return md.is_public() ||
               (opts_.profile.require_pkce_for_confidential && md.has_grant(grant_type::authorization_code));
    }

    void issue_secret(client_record& rec, std::optional<secure_string>& plaintext, unix_seconds now)
    {
        auto secret = random_secret();
        rec.client_secret_hash = hasher_(secret);
        auto const lifetime = opts_.profile.client_secret_lifetime;
        rec.client_secret_expires_at = lifetime > 0 ? saturating_add(now, lifetime) : 0;
        plaintext = std::move(secret);
    }

    /** RFC 7592 3: with registration_base_uri configured, a fresh registration
        access token in `out`, its hash in `out.record`. */
    void issue_registration_token(registration& out)
    {
        if (!opts_.registration_base_uri)
            return;
        auto token = random_secret();
        out.record.registration_token_hash = hasher_(token);
        out.registration_access_token = std::move(token);
    }

    void set_registration_client_uri(registration& out) const
    {
        if (opts_.registration_base_uri)
            out.registration_client_uri = *opts_.registration_base_uri + "/" + out.record.client_id;
    }

    /** Whether a failed lookup is the store's error to pass on. A row that
        cannot be decoded is not: its secret and token hashes cannot be read,
        so it authenticates nobody, and it answers like an unknown client
        (RFC 7592 2.1, RFC 6749 5.2) rather than telling anyone the id exists. */
    static bool store_failed(error_info const& e) noexcept
    {
        return e.kind() == error::storage_failure && !is_unreadable_record(e);
    }

    /** The one decision on a registration access token: a found record whose
        token hash equals the candidate's, compared in constant time whether or
        not there is one, and decided in one step. */
    static bool token_matches(bool found, std::optional<secret_hash> const& stored,
                              secret_hash const& candidate) noexcept
    {
        bool const match = detail::equal_constant_time(stored.value_or(secret_hash{}), candidate);
        return found & stored.has_value() & match;
    }

    /** Erases `rec` only at the version it was read at. A store without
        erase(id, version) gets the same decision in two writes: the token is
        taken away at that version (a version-checked replace), so nothing
        that changed the client since is overridden, then the record goes. */
    result<void> erase_at_version(client_record const& rec)
    {
        if constexpr (versioned_erase_storage<Storage>) {
            return storage_.erase(rec.client_id, rec.version);
        } else {
            client_record revoked = rec;
            revoked.registration_token_hash.reset();
            revoked.version = rec.version + 1;
            if (auto r = storage_.replace(revoked, rec.version); !r)
                return r;
            auto gone = storage_.erase(rec.client_id);
            if (!gone) { // give the token back, or the client is locked out for good
                client_record restored = rec;
                restored.version = revoked.version + 1;
                (void)storage_.replace(std::move(restored), revoked.version);
            }
            return gone;
        }
    }

    /** The stored record, if `token` is its registration access token. */
    result<client_record> find_with_token(std::string_view client_id, std::string_view token) const
    {
        auto const candidate = hasher_(token);
        auto found = storage_.find(client_id);
        if (!found && store_failed(found.error()))
            return found.error();
        auto const stored = found ? found->registration_token_hash : std::nullopt;
        if (token_matches(found.has_value(), stored, candidate))
            return std::move(*found);
        return make_error(error::authentication_failed, "");
    }

    template <class F> decltype(auto) with_rng(F&& f)
    {
        if constexpr (std::is_empty_v<Rng>) {
            return std::forward<F>(f)(rng_);
        } else {
            std::lock_guard lock(*rng_mutex_);
            return std::forward<F>(f)(rng_);
        }
    }

    /** A stateful RNG's lock, behind a pointer so the registry moves; none
        for a stateless one. */
    struct no_lock {};
    using rng_lock = std::conditional_t<std::is_empty_v<Rng>, no_lock, std::unique_ptr<std::mutex>>;
    static rng_lock make_rng_lock()
    {
        if constexpr (std::is_empty_v<Rng>)
            return {};
        else
            return std::make_unique<std::mutex>();
    }

    secure_string random_secret()
    {
        return with_rng([](Rng& r) { return detail::generate_secret(r); });
    }
    std::string random_client_id()
    {
        return with_rng([](Rng& r) { return detail::generate_client_id(r); });
    }

    registry_options opts_;
    detail::secret_hasher hasher_;
    Storage storage_;
    [[no_unique_address]] Rng rng_{};
    [[no_unique_address]] Clock clock_{};
    [[no_unique_address]] rng_lock rng_mutex_ = make_rng_lock();
};

} // namespace oauthreg

#endif
