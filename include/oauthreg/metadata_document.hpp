//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_METADATA_DOCUMENT_HPP
#define OAUTHREG_METADATA_DOCUMENT_HPP

#include <oauthreg/clock.hpp>
#include <oauthreg/detail/cache_lifetime.hpp>
#include <oauthreg/detail/strict_json.hpp>
#include <oauthreg/detail/uri.hpp>
#include <oauthreg/error.hpp>
#include <oauthreg/fetch.hpp>
#include <oauthreg/profile.hpp>
#include <oauthreg/record.hpp>
#include <oauthreg/validate.hpp>

#include <boost/json/serialize.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace oauthreg {

/** How Client ID Metadata Documents are fetched and kept
    (draft-ietf-oauth-client-id-metadata-document-02). */
struct metadata_document_options {
    std::size_t max_bytes = 5 * 1024; ///< section 8.7: a document larger than this is refused
    std::int64_t min_ttl = 60;        ///< seconds a good document is kept at least (even with no-store)
    std::int64_t max_ttl = 86400;     ///< seconds a good document is kept at most
    std::size_t max_entries = 10000;  ///< documents (and key sets) kept; the least recently used goes first
};

namespace detail {

/** A path segment "." or ".." (RFC 3986 3.3), also when percent-encoded
    (6.2.2.2: %2E is "."), which a server may normalize into another path. */
constexpr bool is_dot_segment(std::string_view seg) noexcept
{
    std::size_t dots = 0;
    for (std::size_t i = 0; i < seg.size(); ++dots) {
        if (seg[i] == '.')
            i += 1;
        else if (seg.size() - i >= 3 && seg[i] == '%' && seg[i + 1] == '2' && (seg[i + 2] == 'e' || seg[i + 2] == 'E'))
            i += 3;
        else
            return false;
    }
    return dots == 1 || dots == 2;
}

/** A document error: the field (prefixed with the document's member) and why. */
inline error_info document_error(std::string_view field, std::string_view why)
{
    return make_error(error::invalid_metadata_document, field, why);
}

} // namespace detail

/** Whether `s` is a Client Identifier URL this engine resolves by fetching it
    (draft section 3, as the contract narrows it): an `https` URI with a
    host, no userinfo, a path (`/` alone is allowed) without "." or ".."
    segments, and neither a query nor a fragment.
    @param s a client_id
    @param max_length the longest accepted (limits::max_uri_length)
    @return whether the engine would fetch `s` as a document */
inline bool is_client_id_url(std::string_view s, std::size_t max_length = 2048) noexcept
{
    if (s.size() > max_length || !s.starts_with("https://"))
        return false;
    auto const u = detail::parse_uri(s);
    if (!u || u->scheme != "https" || !u->has_authority() || u->host.empty() || u->has_userinfo || u->has_query ||
        u->has_fragment || u->path.empty() || (u->has_port && u->port.empty()))
        return false;
    for (std::string_view p = u->path.substr(1); ; ) {
        std::size_t const slash = p.find('/');
        if (detail::is_dot_segment(p.substr(0, slash)))
            return false;
        if (slash == std::string_view::npos)
            return true;
        p = p.substr(slash + 1);
    }
}

/** A fetched document judged as a client: 200 only (section 5: no redirect
    is followed), no Content-Encoding, at most `opts.max_bytes` (section 8.7),
    then the metadata rules of section 4 and 4.1 on top of the profile's own.

    @param url the Client Identifier URL it was fetched from
    @param got what the fetch policy returned
    @param prof the profile every registration is judged by
    @param opts the size bound
    @param now the time of the fetch (`created_at`, and statements' windows)
    @return a client record with origin `metadata_document` and no owner, or
            `metadata_document_unavailable` (status, encoding, size) or
            `invalid_metadata_document` (the field and the rule) */
inline result<client_record> read_metadata_document(std::string_view url, fetched_resource const& got,
                                                    profile const& prof, metadata_document_options const& opts,
                                                    unix_seconds now);

namespace detail {

/** Section 4.1's rules on the document's own members, before the profile's:
    `client_id` equal to the URL (simple string comparison), no
    `client_secret` nor `client_secret_expires_at`, no shared-secret
    `token_endpoint_auth_method` (absent means `none`, section 4), no
    `client_credentials` grant (a document is no confidential machine client),
    and a `jwks_uri` only over https. */
inline std::optional<error_info> check_document_members(boost::json::object& doc, std::string_view url)
{
    auto const* id = doc.if_contains("client_id");
    if (!id || !id->is_string() || std::string_view(id->get_string()) != url)
        return document_error("client_id", "must equal the URL the document was fetched from (draft section 4.1)");
    for (char const* secret : {"client_secret", "client_secret_expires_at"})
        if (doc.contains(secret))
            return document_error(secret, "a document may not carry a shared secret (draft section 4.1)");
    if (auto const* m = doc.if_contains("token_endpoint_auth_method")) {
        auto const method = m->is_string() ? parse_auth_method(std::string_view(m->get_string())) : std::nullopt;
        if (method && uses_client_secret(*method))
            return document_error("token_endpoint_auth_method",
                                  "a document may not use a shared-secret method (draft section 4.1)");
    } else {
        doc["token_endpoint_auth_method"] = "none";
    }
    if (auto const* g = doc.if_contains("grant_types"); g && g->is_array())
        for (auto const& v : g->get_array())
            if (v.is_string() && std::string_view(v.get_string()) == "client_credentials")
                return document_error("grant_types", "a document may not use the client_credentials grant");
    if (auto const* j = doc.if_contains("jwks_uri"); j && j->is_string() &&
                                                    !std::string_view(j->get_string()).starts_with("https://"))
        return document_error("jwks_uri", "must be an https URL");
    return std::nullopt;
}

/** The transport-level verdict on a fetch: 200, unencoded, within the bound. */
inline std::optional<error_info> check_fetched(fetched_resource const& got, std::size_t max_bytes)
{
    auto unavailable = [](std::string why) { return make_error(error::metadata_document_unavailable, "client_id", why); };
    if (got.status != 200)
        return unavailable("the document answered HTTP status " + std::to_string(got.status) +
                           ", not 200 (draft section 5; redirects are not followed)");
    if (got.content_encoded)
        return unavailable("the document has a Content-Encoding");
    if (got.body.size() > max_bytes)
        return unavailable("the document is larger than " + std::to_string(max_bytes) + " bytes (draft section 8.7)");
    return std::nullopt;
}

} // namespace detail

inline result<client_record> read_metadata_document(std::string_view url, fetched_resource const& got,
                                                    profile const& prof, metadata_document_options const& opts,
                                                    unix_seconds now)
{
    if (auto e = detail::check_fetched(got, opts.max_bytes))
        return std::move(*e);
    auto parsed = detail::parse_strict(got.body, prof.limits.max_depth);
    if (!parsed.value || !parsed.value->is_object())
        return detail::document_error("", "the document is not one JSON object without duplicate members");
    auto& doc = parsed.value->as_object();
    if (auto e = detail::check_document_members(doc, url))
        return std::move(*e);
    auto md = validate_request(boost::json::serialize(doc), prof, now);
    if (!md) {
        auto e = md.error();
        e.description = "the document's " + e.description;
        e.code = error::invalid_metadata_document;
        return e;
    }
    client_record rec;
    rec.client_id = std::string(url);
    rec.metadata = std::move(*md);
    rec.origin = client_origin::metadata_document;
    rec.created_at = rec.updated_at = now;
    rec.require_pkce = true; // RFC 9700 2.1.1: a public client must use PKCE
    return rec;
}

} // namespace oauthreg

#endif
