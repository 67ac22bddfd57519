//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_CLIENT_CHECK_HPP
#define OAUTHREG_CLIENT_CHECK_HPP

#include <oauthreg/detail/client_assertion.hpp>
#include <oauthreg/detail/document_cache.hpp>
#include <oauthreg/detail/jwk.hpp>
#include <oauthreg/detail/redirect_match.hpp>
#include <oauthreg/detail/strict_json.hpp>
#include <oauthreg/error.hpp>
#include <oauthreg/fetch.hpp>
#include <oauthreg/metadata_document.hpp>
#include <oauthreg/record.hpp>
#include <oauthreg/storage/assertion_replay.hpp>

#include <boost/json/object.hpp>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace oauthreg {

static_assert(detail::max_jti_bytes == max_assertion_id_bytes, "every jti an assertion may carry fits the store");

/** The two questions an authorization server asks about a client on every
    request: is this client who it says it is, and is this redirect URI
    registered for it. Every member but `client_id` is optional. */
struct client_check_request {
    std::string_view client_id = {};                           ///< a registered id or a Client Identifier URL
    std::optional<std::string_view> client_secret = {};        ///< RFC 6749 2.3.1
    std::optional<std::string_view> client_assertion = {};     ///< RFC 7523 2.2
    std::optional<std::string_view> client_assertion_type = {}; ///< must be the jwt-bearer URN with an assertion
    std::optional<std::string_view> redirect_uri = {};         ///< checked after the credential
    std::string_view audience = {}; ///< the issuer an assertion's `aud` must name (RFC 7523 3, item 3)
};

/** What a client directory resolves beyond the registry's own clients. */
struct client_directory_options {
    /** Resolve Client Identifier URLs by fetching their documents (off by
        default: it makes the host fetch URLs that callers choose). */
    bool metadata_documents = false;
    metadata_document_options documents{}; ///< size bound, cache lifetimes and size
};

/** Resolves clients (registered ones through the registry, Client ID
    Metadata Documents through the fetch policy) and checks their
    credentials and redirect URIs: what `POST /oauth/client_check` answers.

    Documents and `jwks_uri` key sets are cached (see @ref
    metadata_document_options); seen assertion ids are kept by the store,
    which must model `assertion_replay_storage` for `private_key_jwt`
    clients to authenticate at all.

    Thread-safe as the registry and the fetch policy are; a resolution that
    fetches blocks its caller for at most the fetch policy's timeout. */
template <class Registry, fetch_policy Fetch = no_fetch> class basic_client_directory {
public:
    /** @param reg the registry whose clients it also resolves
        @param opts whether documents are resolved, and how they are kept
        @param fetch the fetch policy */
    explicit basic_client_directory(Registry& reg, client_directory_options opts = {}, Fetch fetch = {})
        : reg_(reg), opts_(std::move(opts)), fetch_(std::move(fetch)), documents_(opts_.documents.max_entries),
          key_sets_(opts_.documents.max_entries)
    {}

    /** @return the fetch policy */
    Fetch& fetcher() noexcept { return fetch_; }
    /** @return the options it was made with */
    client_directory_options const& options() const noexcept { return opts_; }

    /** The client with this id: a registered one, or (when documents are on)
        the client a Client Identifier URL's document describes.
        @param client_id the id
        @return the record, `client_not_found`, or a document error */
    result<client_record> resolve(std::string_view client_id)
    {
        if (opts_.metadata_documents && is_client_id_url(client_id, profile_().limits.max_uri_length))
            return documents_.get(client_id, reg_.clock().now(), [&] { return fetch_document(client_id); });
        return reg_.find(client_id);
    }

    /** The client check: the client exists, presents the credential of its
        registered method (or none, for a public client), and, when given,
        `redirect_uri` is registered for it. A success is a use of the client.
        @param req the client's id, credential and redirect URI, and the issuer an assertion names
        @return the client, `invalid_client` errors, or `redirect_uri_not_registered` */
    result<client_record> check(client_check_request const& req)
    {
        if (req.client_secret && req.client_assertion) // RFC 6749 2.3: one authentication method per request
            return failed("client_secret and client_assertion together (RFC 6749 2.3)");
        auto rec = resolve(req.client_id);
        if (!rec)
            return rec.error().kind() == error::client_not_found ? failed("unknown client") : rec.error();
        if (auto e = check_credential(*rec, req))
            return std::move(*e);
        if (req.redirect_uri && !registered_redirect(*rec, *req.redirect_uri))
            return make_error(error::redirect_uri_not_registered, "redirect_uri", "RFC 6749 3.1.2.2; RFC 8252 7.3");
        return rec;
    }

    /** Whether `redirect_uri` is registered for the client: exact match, any
        port on a loopback IP redirect (RFC 9700 2.1, RFC 8252 7.3).
        @param client_id the client
        @param redirect_uri the URI of an authorization request
        @return whether it matches, or the resolution's error */
    result<bool> match_redirect_uri(std::string_view client_id, std::string_view redirect_uri)
    {
        auto rec = resolve(client_id);
        if (!rec)
            return rec.error();
        return registered_redirect(*rec, redirect_uri);
    }

private:
    using key_set = std::shared_ptr<boost::json::object const>;

    profile const& profile_() const { return reg_.options().profile; }

    static error_info failed(std::string_view why) { return make_error(error::authentication_failed, "", why); }

    static bool registered_redirect(client_record const& rec, std::string_view uri)
    {
        for (auto const& r : rec.metadata.redirect_uris)
            if (detail::redirect_uri_matches(r, uri))
                return true;
        return false;
    }

    result<detail::fresh_value<client_record>> fetch_document(std::string_view url)
    {
        auto const& dopts = opts_.documents;
        auto got = fetch_.fetch(url, dopts.max_bytes);
        if (!got)
            return got.error();
        unix_seconds const now = reg_.clock().now();
        auto rec = read_metadata_document(url, *got, profile_(), dopts, now);
        if (!rec)
            return rec.error();
        auto const ttl = detail::document_lifetime(got->cache_control, got->expires, now, dopts.min_ttl, dopts.max_ttl);
        return detail::fresh_value<client_record>{std::move(*rec), ttl};
    }

    /** The registered method decides which credential is accepted; any other
        kind, or none for a confidential client, is `invalid_client`. */
    std::optional<error_info> check_credential(client_record const& rec, client_check_request const& req)
    {
        auto const method = rec.metadata.token_endpoint_auth_method;
        bool const registered = rec.origin != client_origin::metadata_document;
        if (req.client_secret) {
            if (method != auth_method::client_secret_basic && method != auth_method::client_secret_post)
                return failed("a client_secret for a client registered with " + std::string(to_string(method)));
            if (auto r = reg_.authenticate(rec.client_id, *req.client_secret); !r)
                return r.error(); // unknown, wrong or expired: one answer; a use when it succeeds
            return std::nullopt;
        }
        if (req.client_assertion) {
            if (method != auth_method::private_key_jwt)
                return failed("a client_assertion for a client registered with " + std::string(to_string(method)));
            if (req.client_assertion_type != detail::jwt_bearer_assertion_type)
                return failed("client_assertion_type must be " + std::string(detail::jwt_bearer_assertion_type) +
                              " (RFC 7523 2.2)");
            if (auto e = check_assertion(rec, *req.client_assertion, req.audience))
                return e;
        } else if (method != auth_method::none) {
            return failed("no credential for a client registered with " + std::string(to_string(method)));
        }
        if (registered)
            (void)reg_.record_use(rec.client_id); // a use is best effort; the check has succeeded
        return std::nullopt;
    }

    /** RFC 7523 3: a signature by one of the client's keys, the claims, then
        the `jti` remembered in the store until `exp` (item 7), so a replay
        through any instance on that store fails. */
    std::optional<error_info> check_assertion(client_record const& rec, std::string_view jwt, std::string_view audience)
    {
        unix_seconds const now = reg_.clock().now();
        detail::assertion_check const c{rec.client_id, audience, now};
        auto keys = client_keys(rec, false);
        if (!keys)
            return keys.error();
        auto v = detail::verify_client_assertion(jwt, **keys, c);
        if (!v && detail::is_unknown_kid(v.error()) && may_refetch(rec)) {
            if (keys = client_keys(rec, true); !keys)
                return keys.error();
            v = detail::verify_client_assertion(jwt, **keys, c);
        }
        if (!v)
            return v.error();
        return remember(rec.client_id, *v, now);
    }

    std::optional<error_info> remember(std::string const& client_id, detail::verified_assertion const& v,
                                       unix_seconds now)
    {
        if constexpr (assertion_replay_storage<std::remove_cvref_t<decltype(reg_.storage())>>) {
            auto fresh = reg_.storage().remember_assertion(client_id, v.jti, v.expires_at, now);
            if (!fresh)
                return fresh.error();
            if (!*fresh)
                return make_error(error::client_assertion_replayed, "client_assertion",
                                  "its jti was seen before (RFC 7523 3, item 7)");
            return std::nullopt;
        } else {
            return make_error(error::invalid_client_assertion, "client_assertion",
                              "the store keeps no assertion ids, so a replay could not be refused");
        }
    }

    /** The client's keys: its `jwks`, or its `jwks_uri` fetched and cached
        (`refetch`: fetched again, for a kid it did not have). */
    result<key_set> client_keys(client_record const& rec, bool refetch)
    {
        auto const& md = rec.metadata;
        if (md.jwks)
            return parse_key_set(*md.jwks);
        if (!md.jwks_uri)
            return make_error(error::invalid_client_assertion, "client_assertion", "the client has no keys");
        std::string const uri(*md.jwks_uri);
        if (!uri.starts_with("https://"))
            return make_error(error::invalid_client_assertion, "jwks_uri", "must be an https URL");
        return key_sets_.get(uri, reg_.clock().now(), [&] { return fetch_key_set(uri); }, refetch);
    }

    static result<key_set> parse_key_set(std::string_view text)
    {
        auto parsed = detail::parse_strict(text, 8);
        if (!parsed.value || detail::jwk_set_problem(*parsed.value))
            return make_error(error::invalid_client_assertion, "jwks", "the client's keys are not a JWK Set");
        return std::make_shared<boost::json::object const>(std::move(parsed.value->as_object()));
    }

    result<detail::fresh_value<key_set>> fetch_key_set(std::string const& uri)
    {
        auto const& dopts = opts_.documents;
        note_fetch(uri);
        auto got = fetch_.fetch(uri, dopts.max_bytes);
        if (!got)
            return got.error();
        if (auto e = detail::check_fetched(*got, dopts.max_bytes))
            return std::move(*e);
        auto keys = parse_key_set(got->body);
        if (!keys)
            return keys.error();
        unix_seconds const now = reg_.clock().now();
        auto const ttl = detail::document_lifetime(got->cache_control, got->expires, now, dopts.min_ttl, dopts.max_ttl);
        return detail::fresh_value<key_set>{std::move(*keys), ttl};
    }

    /** Notes when a key set was fetched; entries past the refetch interval
        go when there are more than the cache holds, so the map stays bounded. */
    void note_fetch(std::string const& uri)
    {
        unix_seconds const now = reg_.clock().now();
        std::lock_guard lock(refetch_mutex_);
        if (last_fetch_.size() >= opts_.documents.max_entries)
            std::erase_if(last_fetch_, [&](auto const& e) { return now - e.second >= 60; });
        last_fetch_[uri] = now;
    }

    /** An unknown kid refetches a jwks_uri, at most once a minute per URI. */
    bool may_refetch(client_record const& rec)
    {
        if (!rec.metadata.jwks_uri)
            return false;
        std::lock_guard lock(refetch_mutex_);
        auto it = last_fetch_.find(std::string(*rec.metadata.jwks_uri));
        return it == last_fetch_.end() || reg_.clock().now() - it->second >= 60;
    }

    Registry& reg_;
    client_directory_options opts_;
    Fetch fetch_;
    detail::single_flight_cache<client_record> documents_;
    detail::single_flight_cache<key_set> key_sets_;
    std::mutex refetch_mutex_;
    std::unordered_map<std::string, unix_seconds> last_fetch_;
};

} // namespace oauthreg

#endif
