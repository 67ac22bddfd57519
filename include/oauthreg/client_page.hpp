//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_CLIENT_PAGE_HPP
#define OAUTHREG_CLIENT_PAGE_HPP

#include <oauthreg/detail/text.hpp>
#include <oauthreg/error.hpp>
#include <oauthreg/metadata.hpp>
#include <oauthreg/record.hpp>

#include <concepts>
#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace oauthreg {

/** A page-numbered, filtered listing of an owner's clients (the record API's
    `GET /oauth_clients`). Every filter that is set must hold. */
struct client_page_query {
    owner_filter owner;                            ///< the caller's scope: the host sets owner.org_id
    std::optional<std::string> client_id;          ///< exact
    std::optional<std::string> name;               ///< exact, bytewise
    std::optional<std::string> name_contains;      ///< a substring, ASCII letters case-insensitive
    std::optional<client_type> type;               ///< client_type
    std::optional<grant_type> grant_type_contains; ///< one of allowed_grant_types
    std::optional<unix_seconds> last_used_before;  ///< last used before this, or never used
    std::optional<unix_seconds> created_before;    ///< created before this
    std::optional<client_origin> origin;           ///< made through this route
    std::size_t page_number = 1;                   ///< 1..max_page_number
    std::size_t page_size = 20;                    ///< 1..max_page_size
};

/** The largest page a query may ask for. */
inline constexpr std::size_t max_page_size = 250;

/** The largest page number: 2^53 - 1, the largest integer every JSON reader
    holds exactly (RFC 8259 6, RFC 7493 2.2), so `meta.page_number` echoes
    the number asked for, true in any client. */
inline constexpr std::size_t max_page_number = (std::size_t{1} << 53) - 1;

namespace detail {
/** The two ranges as error descriptions say them: one text for every message. */
inline constexpr std::string_view page_number_range = "from 1 to 9007199254740991";
inline constexpr std::string_view page_size_range = "from 1 to 250";
static_assert(max_page_number == 9007199254740991 && max_page_size == 250, "the ranges above name the limits");
} // namespace detail

/** One page: its clients in client_id order, and the totals of the whole
    filtered listing. A page past the end has no clients and true totals. */
struct client_page {
    std::vector<client_record> clients; ///< this page's clients, in client_id order
    std::size_t page_number = 1,        ///< the page asked for, from 1
        page_size = 20,                 ///< the page size asked for
        total_results = 0,              ///< how many clients pass the filters, on all pages
        total_pages = 0;                ///< total_results / page_size, rounded up
};

/** A store that answers a client_page_query itself (say with SQL `WHERE`,
    `COUNT`, `OFFSET`). Optional: page_clients scans the others' `list`. */
template <class S>
concept paging_storage = requires(S const& s, client_page_query const& q)
{
    {
        s.page(q)
        } -> std::same_as<result<client_page>>;
};

namespace detail {

inline bool owner_matches(owner_filter const& f, owner const& o) noexcept
{
    return (!f.org_id || *f.org_id == o.org_id) && (!f.user_id || *f.user_id == o.user_id);
}

inline bool page_filters_match(client_page_query const& q, client_record const& r) noexcept
{
    auto const& md = r.metadata;
    std::string_view const name = md.client_name ? std::string_view(*md.client_name) : std::string_view{};
    return (!q.client_id || *q.client_id == r.client_id) && (!q.name || (md.client_name && *q.name == name)) &&
           (!q.name_contains || (md.client_name && ascii_icontains(name, *q.name_contains))) &&
           (!q.type || *q.type == r.type()) && (!q.grant_type_contains || md.has_grant(*q.grant_type_contains)) &&
           (!q.last_used_before || r.last_used_at < *q.last_used_before) &&
           (!q.created_before || r.created_at < *q.created_before) && (!q.origin || *q.origin == r.origin);
}

/** Counts matching records and keeps those that fall on the asked page. */
struct page_builder {
    client_page out;
    std::size_t first = 0; ///< index of the page's first match; max when past any count

    explicit page_builder(client_page_query const& q)
    {
        out.page_number = q.page_number;
        out.page_size = q.page_size;
        std::size_t const before = q.page_number - 1;
        first = before > std::numeric_limits<std::size_t>::max() / q.page_size ? std::numeric_limits<std::size_t>::max()
                                                                               : before * q.page_size;
    }

    bool on_page() const noexcept { return out.total_results >= first && out.clients.size() < out.page_size; }

    void take(client_record&& r)
    {
        if (on_page())
            out.clients.push_back(std::move(r));
        ++out.total_results;
    }

    /** As take, copying the record only when it is on the page. */
    void take_copy(client_record const& r)
    {
        if (on_page())
            out.clients.push_back(r);
        ++out.total_results;
    }

    client_page finish()
    {
        out.total_pages = out.total_results / out.page_size + (out.total_results % out.page_size != 0);
        return std::move(out);
    }
};

/** Records read from `list` per call while scanning. */
inline constexpr std::size_t page_scan_batch = 256;

} // namespace detail

namespace detail {

/** page_clients on the storage contract alone: `find` for a client_id
    filter, else every record of the owner read through `list` in batches. */
template <class Storage> result<client_page> page_by_list(Storage const& store, client_page_query const& q)
{
    page_builder b(q);
    if (q.client_id) {
        auto r = store.find(*q.client_id);
        if (!r && r.error().kind() != error::client_not_found)
            return r.error();
        if (r && owner_matches(q.owner, r->owner) && page_filters_match(q, *r))
            b.take(std::move(*r));
        return b.finish();
    }
    std::string cursor;
    for (;;) {
        auto p = store.list(q.owner, page_scan_batch, cursor);
        if (!p)
            return p.error();
        for (auto& c : p->clients)
            if (page_filters_match(q, c))
                b.take(std::move(c));
        if (!p->next_cursor)
            break;
        cursor = std::move(*p->next_cursor);
    }
    return b.finish();
}

} // namespace detail

/** Checks a query's page number and size: `error::invalid_page` naming `page[number]` or `page[size]`.
    @param q the query
    @return nothing when the page number is 1..max_page_number and the size is 1..max_page_size, else the error */
inline result<void> check_page_query(client_page_query const& q)
{
    if (q.page_number < 1 || q.page_number > max_page_number)
        return make_error(error::invalid_page, "page[number]", detail::page_number_range);
    if (q.page_size < 1 || q.page_size > max_page_size)
        return make_error(error::invalid_page, "page[size]", detail::page_size_range);
    return {};
}

/** A page of the clients of `q.owner` that pass every filter, in client_id order.

    A `paging_storage` answers itself. Any other store is scanned: every
    record of the owner is read through `list`, in batches of 256, each one
    filtered and counted, so a page costs O(n) reads and copies for an owner
    with n clients whatever the page number, filters and page size (the
    totals need every match counted). A `client_id` filter is one `find`
    instead, O(1). The memory store is a paging_storage: the same O(n) pass
    over its owner index, without copying the records it only counts.
    Measured in benchmarks/micro.cpp (`client_page_scan`, `client_page_list_scan`).

    @param store the store
    @param q whose clients, the filters, the page number and size
    @return `error::invalid_page` for a bad page number or size, a store's
    error as is; otherwise the page (empty past the end) and the totals.
*/
template <class Storage> result<client_page> page_clients(Storage const& store, client_page_query const& q)
{
    if (auto ok = check_page_query(q); !ok)
        return ok.error();
    if constexpr (paging_storage<Storage>)
        return store.page(q);
    else
        return detail::page_by_list(store, q);
}

} // namespace oauthreg

#endif
