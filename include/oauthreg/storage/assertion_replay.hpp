//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_STORAGE_ASSERTION_REPLAY_HPP
#define OAUTHREG_STORAGE_ASSERTION_REPLAY_HPP

#include <oauthreg/clock.hpp>
#include <oauthreg/error.hpp>
#include <oauthreg/utf8.hpp>

#include <concepts>
#include <cstddef>
#include <string_view>

namespace oauthreg {

/** The longest `jti` (and client id) a store must hold for replay detection;
    the engine refuses a longer `jti` before it asks the store. */
inline constexpr std::size_t max_assertion_id_bytes = 256;

/** A store that remembers the `jti` of each RFC 7523 client assertion it has
    accepted, so a replay fails through every instance on one database
    (RFC 7523 3, item 7: the `jti` "MAY" be used to prevent replay; the
    client check requires it). Checked by
    `oauthreg/testing/assertion_replay_conformance.hpp`:
    - `remember_assertion(client_id, jti, expires_at, now)`: atomically, if
      the pair (`client_id`, `jti`) is held with an expiry at or after `now`,
      changes nothing and returns false (a replay); otherwise holds the pair
      until `expires_at` and returns true. Of concurrent calls with one pair
      (threads, processes), exactly one returns true. Pairs whose expiry has
      passed may be dropped at any time; the store drops them itself so
      that it does not grow without bound. Both strings are UTF-8 text of at
      most `max_assertion_id_bytes` bytes without NUL; other bytes are
      `error::invalid_identifier`.
*/
template <class S>
concept assertion_replay_storage = requires(S& s, std::string_view id, unix_seconds t) {
    { s.remember_assertion(id, id, t, t) } -> std::same_as<result<bool>>;
};

namespace detail {

/** Whether a store holds `id` as a remembered assertion's client id or
    `jti`: UTF-8 text without NUL, at most @ref max_assertion_id_bytes. */
constexpr bool holdable_assertion_id(std::string_view id) noexcept
{
    return id.size() <= max_assertion_id_bytes && id.find('\0') == std::string_view::npos && valid_utf8(id);
}

/** The check every store makes before it remembers an assertion.
    @return nothing, or `invalid_identifier` naming the id it cannot hold */
inline result<void> check_assertion_ids(std::string_view client_id, std::string_view jti)
{
    if (!holdable_assertion_id(client_id))
        return make_error(error::invalid_identifier, "client_id");
    if (!holdable_assertion_id(jti))
        return make_error(error::invalid_identifier, "jti");
    return {};
}

} // namespace detail

} // namespace oauthreg

#endif
