//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_STORAGE_CONCEPT_HPP
#define OAUTHREG_STORAGE_CONCEPT_HPP

#include <oauthreg/error.hpp>
#include <oauthreg/record.hpp>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace oauthreg {

/** A stored record a listing found but could not decode (a corrupt or
    foreign row): reported with its client_id instead of ending the listing. */
struct unreadable_record {
    std::string client_id; ///< the row's client_id, as stored
    error_info error; ///< error::storage_failure, saying what is wrong
};

/** The error of a stored row that cannot be decoded (decode_record's):
    `error::storage_failure` with field "record". A custom store that returns
    it for such a row lets the registry answer an organization-scoped read of
    it as not found, its owner being unreadable.
    @param description what is wrong with the row
    @return the error */
inline error_info unreadable_record_error(std::string_view description)
{
    auto e = make_error(error::storage_failure, "", description); // the description as before: no "record: "
    e.field = "record";
    return e;
}

/** @param e an error a store returned
    @return whether it is @ref unreadable_record_error's: a row that cannot be
    decoded, not a store that cannot be reached */
inline bool is_unreadable_record(error_info const& e) noexcept
{
    return e.code.category() == error_category() && e.kind() == error::storage_failure && e.field == "record";
}

/** One page of a listing, ordered by client_id. `next_cursor` is opaque and
    absent on the last page. A row that cannot be decoded is skipped and
    reported in `unreadable`; it counts toward the page's limit. */
struct list_page {
    std::vector<client_record> clients;     ///< at most the limit asked for
    std::optional<std::string> next_cursor; ///< pass it to get the next page
    std::vector<unreadable_record> unreadable; ///< rows that could not be decoded, skipped
};

/** Where a persistent store sends the database's own text about a failure
    (one line, e.g. to a log). The caller's error names only the operation,
    "storage failure: find": the server's wording, object names and addresses
    are for the operator, not for whoever made the request. */
using storage_log = std::function<void(std::string_view)>;

namespace detail {
/** The shape of a visitor: the storage concept checks `visit` with it. */
struct record_visitor_archetype {
    void operator()(client_record const&) const noexcept {}
};
} // namespace detail

/** The storage policy: where client records live.

    The contract, checked for every backend by `oauthreg/testing/storage_conformance.hpp`:
    - `insert(rec)`: insert if no record has rec.client_id, else `error::client_exists`.
    - `find(id)`: a copy of the record, or `error::client_not_found`.
    - `visit(id, f)`: calls `f(record const&)` while the record cannot change
      (no copy), or returns `error::client_not_found`.
    - `replace(rec, expected_version)`: stores rec only if the stored version is
      still `expected_version` (else `error::version_conflict`), so a lost
      update is impossible; rec.version must be expected_version + 1.
    - `erase(id)`: removes the record, or `error::client_not_found`.
    - optionally `erase(id, expected_version)`: see the `versioned_erase_storage` concept below.
    - `list(filter, limit, cursor)`: at most `limit` records of the owner,
      ordered by client_id, after `cursor` (empty: from the start); work in
      proportion to the page, not to the number of clients.
    Records are returned by value, never by reference into the store, so
    locked, remote and persistent stores all fit. A failing backend returns
    `error::storage_failure` and leaves what it stored intact.

    @par Models
    oauthreg::basic_memory_storage (`memory_storage_mt`, `memory_storage_st`),
    oauthreg::sqlite_storage, oauthreg::postgres_storage.
*/
template <class S>
concept storage_policy = requires(S& s, S const& cs, client_record rec, std::string_view id, std::uint64_t version,
                                  owner_filter const& filter, std::size_t limit,
                                  detail::record_visitor_archetype visitor)
{
    {
        s.insert(std::move(rec))
        } -> std::same_as<result<void>>;
    {
        cs.find(id)
        } -> std::same_as<result<client_record>>;
    {
        cs.visit(id, visitor)
        } -> std::same_as<result<void>>;
    {
        s.replace(std::move(rec), version)
        } -> std::same_as<result<void>>;
    {
        s.erase(id)
        } -> std::same_as<result<void>>;
    {
        cs.list(filter, limit, id)
        } -> std::same_as<result<list_page>>;
};

/** A store that also erases at an expected version, in one step:
    `erase(id, expected_version)` removes the record only if its stored
    version is still `expected_version` (else `error::version_conflict`;
    `error::client_not_found` without one). An RFC 7592 delete is decided at
    the version whose registration access token was checked, so a token
    rotated meanwhile cannot delete. The bundled stores model it; with a store
    that does not, the registry first takes the token away at that version
    (a `replace`), then erases.
*/
template <class S>
concept versioned_erase_storage = storage_policy<S> && requires(S& s, std::string_view id, std::uint64_t version)
{
    {
        s.erase(id, version)
        } -> std::same_as<result<void>>;
};

} // namespace oauthreg

#endif
