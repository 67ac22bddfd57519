//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_FETCH_HPP
#define OAUTHREG_FETCH_HPP

#include <oauthreg/error.hpp>

#include <concepts>
#include <cstddef>
#include <string>
#include <string_view>

namespace oauthreg {

/** What a fetch policy hands back for one `GET`: the engine, not the policy,
    judges the status, the size, the encoding and the cache lifetime. */
struct fetched_resource {
    unsigned status = 0;          ///< the HTTP status code
    std::string body;             ///< at most `limit + 1` bytes: one more says "too large"
    std::string cache_control;    ///< the Cache-Control field values, joined with ", " (RFC 9111 5.2)
    std::string expires;          ///< the Expires field value (RFC 9111 5.3), or empty
    bool content_encoded = false; ///< a Content-Encoding field was present (the engine refuses it)
};

/** How the engine reads a document at an `https` URL: a Client ID Metadata
    Document, or a client's `jwks_uri`. The engine opens no socket; the host
    supplies this, as it supplies the storage.

    `fetch(url, limit)` makes one `GET` of `url` (an absolute `https` URL the
    engine has checked) and returns what it got, or an error_info with
    `error::metadata_document_unavailable` and the reason (a refused address,
    DNS, TLS, a timeout). It reads at most `limit + 1` bytes of the body and
    never follows a redirect (a 3xx is returned as it is). It is called from
    several threads at once, and may block the calling thread (never longer
    than its own timeout).

    `oauthreg serve` supplies one over Asio and OpenSSL that refuses
    special-use addresses; `oauthreg/testing/fetch_double.hpp` is a double
    that answers from a map, for tests. */
template <class F>
concept fetch_policy = requires(F& f, std::string_view url, std::size_t limit) {
    { f.fetch(url, limit) } -> std::same_as<result<fetched_resource>>;
};

/** The default fetch policy: it fetches nothing, so a Client Identifier URL
    never resolves and a `jwks_uri` client cannot present an assertion. */
struct no_fetch {
    /** @return always `metadata_document_unavailable` */
    result<fetched_resource> fetch(std::string_view, std::size_t) const
    {
        return make_error(error::metadata_document_unavailable, "client_id", "no fetch policy is configured");
    }
};

} // namespace oauthreg

#endif
