//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_STORAGE_DETAIL_SQL_COMMON_HPP
#define OAUTHREG_STORAGE_DETAIL_SQL_COMMON_HPP

#include <oauthreg/client_page.hpp>
#include <oauthreg/storage/codec.hpp>
#include <oauthreg/storage/concept.hpp>
#include <oauthreg/storage/cursor.hpp>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

// The kit the SQL stores (sqlite.hpp, postgres.hpp) share: a connection pool,
// the statements they both prepare, the keyset paging loop, and the checks of
// what their text columns can hold.

namespace oauthreg::detail {

/** A fixed set of connections handed out one per call. */
template <class Connection> class connection_pool {
public:
    explicit connection_pool(storage_log log = {}) : log_(std::move(log)) {}

    /** Where the stores of this pool send the database's own failure text. */
    storage_log const& log() const noexcept { return log_; }

    class lease {
    public:
        lease(connection_pool& p, std::unique_ptr<Connection> c) noexcept : pool_(&p), conn_(std::move(c)) {}
        lease(lease&& o) noexcept = default;
        lease& operator=(lease&&) = delete;
        ~lease()
        {
            if (conn_)
                pool_->give_back(std::move(conn_));
        }
        Connection* operator->() const noexcept { return conn_.get(); }
        Connection& operator*() const noexcept { return *conn_; }

    private:
        connection_pool* pool_;
        std::unique_ptr<Connection> conn_;
    };

    void add(std::unique_ptr<Connection> c) { idle_.push_back(std::move(c)); }

    lease take()
    {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [&] { return !idle_.empty(); });
        auto c = std::move(idle_.back());
        idle_.pop_back();
        return lease(*this, std::move(c));
    }

private:
    void give_back(std::unique_ptr<Connection> c)
    {
        {
            std::lock_guard lock(mutex_);
            idle_.push_back(std::move(c));
        }
        ready_.notify_one();
    }

    storage_log log_;
    std::mutex mutex_;
    std::condition_variable ready_;
    std::vector<std::unique_ptr<Connection>> idle_;
};

/** The public check (RFC 3629 section 4), under the name the stores use. */
using oauthreg::valid_utf8;

inline bool has_nul(std::string_view s) noexcept { return s.find('\0') != std::string_view::npos; }

/** Sends "operation: why" to `log` (a hook that throws is ignored). */
inline void log_failure(storage_log const& log, std::string_view operation, std::string_view why) noexcept
{
    if (!log || why.empty())
        return;
    try {
        std::string line(operation);
        line += ": ";
        line += why;
        while (!line.empty() && (line.back() == '\n' || line.back() == ' '))
            line.pop_back();
        log(line);
    } catch (...) {
    }
}

/** The storage_failure a call returns: it names the operation only; the
    database's own text goes to `log`. */
inline error_info storage_failed(storage_log const& log, std::string_view operation, std::string_view why)
{
    log_failure(log, operation, why);
    return make_error(error::storage_failure, "", operation);
}

/** `find`'s answer for a row's text: the record, or the row's decode failure
    (@ref unreadable_record_error), also sent to `log`, since the registry
    answers a caller-scoped read of such a row as not found. */
inline result<client_record> decode_found(storage_log const& log, std::string_view text)
{
    auto rec = decode_record(text);
    if (!rec)
        log_failure(log, "find", rec.error().description);
    return rec;
}

/** `find`'s answer for an id without a row, after the decode a row would
    have cost (@ref decode_stand_in, RFC 7592 2). */
inline error_info not_found_after_stand_in()
{
    decode_stand_in();
    return make_error(error::client_not_found, "client_id");
}

/** What the owner filter selects, for stores that keep no row for "no owner". */
enum class owner_query : std::uint8_t { all, org, user, both, nothing };

inline owner_query classify(owner_filter const& f) noexcept
{
    // An empty id means "none" in a record, so it selects nothing, as in memory_storage.
    if ((f.org_id && f.org_id->empty()) || (f.user_id && f.user_id->empty()))
        return owner_query::nothing;
    if (f.org_id && f.user_id)
        return owner_query::both;
    if (f.org_id)
        return owner_query::org;
    if (f.user_id)
        return owner_query::user;
    return owner_query::all;
}

/** Where a listing starts: the client_id to seek after and which owner
    columns to match; `which == nothing` for a page that must be empty. */
struct page_start {
    std::string after;
    owner_query which;
};

/** Where a listing starts. A cursor naming an id the store cannot hold is
    one it never issued; an owner it cannot hold owns nothing. */
inline result<page_start> start_page(owner_filter const& filter, std::size_t limit, std::string_view cursor,
                                     holds_text holds)
{
    auto after = decode_cursor(cursor);
    if (!after)
        return after.error();
    if (!holds(*after))
        return make_error(error::invalid_cursor, "cursor");
    auto which = limit == 0 ? owner_query::nothing : classify(filter);
    if ((filter.org_id && !holds(*filter.org_id)) || (filter.user_id && !holds(*filter.user_id)))
        which = owner_query::nothing;
    return page_start{std::move(*after), which};
}

/** The statements both SQL stores prepare, by index. Parameters are numbered
    (`?1` in SQLite, `$1` in PostgreSQL); a store prepares its own after `shared`. */
struct sql_statements {
    enum id : std::size_t {
        insert,
        find,
        update,
        exists,
        erase,
        erase_version, ///< erase only at an expected version
        list_all,      ///< list_all + owner_query: list_org, list_user, list_owner
        list_org,
        list_user,
        list_owner,
        count,
        shared
    };

    /** Their text, on `table`, with parameter mark `mark`; `delete_suffix`
        ends both deletes (PostgreSQL's `RETURNING txid_current()`). */
    static std::array<std::string, shared> text(std::string_view table, char mark, std::string_view delete_suffix = {})
    {
        std::string const t(table);
        auto p = [mark](int n) { return std::string{mark, static_cast<char>('0' + n)}; };
        std::string const seek = "client_id > " + p(1) + " ORDER BY client_id LIMIT " + p(2);
        std::string const list = "SELECT record, client_id FROM " + t + " WHERE ";
        std::string const erase_by_id = "DELETE FROM " + t + " WHERE client_id = " + p(1);
        return {
            "INSERT INTO " + t + "(client_id, org_id, user_id, version, created_at, updated_at, record) VALUES(" +
                p(1) + ", " + p(2) + ", " + p(3) + ", " + p(4) + ", " + p(5) + ", " + p(6) + ", " + p(7) +
                ") ON CONFLICT(client_id) DO NOTHING",
            "SELECT record FROM " + t + " WHERE client_id = " + p(1),
            "UPDATE " + t + " SET org_id = " + p(2) + ", user_id = " + p(3) + ", version = " + p(4) +
                ", updated_at = " + p(5) + ", record = " + p(6) + " WHERE client_id = " + p(1) +
                " AND version = " + p(7),
            "SELECT 1 FROM " + t + " WHERE client_id = " + p(1),
            erase_by_id + std::string(delete_suffix),
            erase_by_id + " AND version = " + p(2) + std::string(delete_suffix),
            list + seek,
            list + "org_id = " + p(3) + " AND " + seek,
            list + "user_id = " + p(3) + " AND " + seek,
            list + "org_id = " + p(3) + " AND user_id = " + p(4) + " AND " + seek,
            "SELECT count(*) FROM " + t,
        };
    }
};

/** One keyset page to fetch: `client_id > after` in the owner's index,
    `rows` of them (one more than the limit: the extra row says whether
    another page follows), the owner's ids as parameters 3 and 4. */
struct keyset_query {
    sql_statements::id statement;
    std::string after;
    std::int64_t rows;
    std::vector<std::string> owner_ids; ///< org_id, then user_id, those the filter sets
};

/** The SQL stores' listing: where the page starts, then `fetch(q, row)`, which
    runs `q` and calls `row(client_id, record_text)` for each row until it
    returns false. A row that cannot be decoded is reported in the page, not
    the end of the listing. `fetch` returns `result<void>`.
    @param filter whose records
    @param limit at most this many
    @param cursor the previous page's `next_cursor`; empty: from the start
    @param holds what the store's text columns can hold
    @param fetch runs the query
    @return the page */
template <class Fetch>
result<list_page> keyset_page(owner_filter const& filter, std::size_t limit, std::string_view cursor, holds_text holds,
                              Fetch&& fetch)
{
    auto start = start_page(filter, limit, cursor, holds);
    if (!start)
        return start.error();
    if (start->which == owner_query::nothing)
        return list_page{};
    keyset_query q{static_cast<sql_statements::id>(sql_statements::list_all + static_cast<std::size_t>(start->which)),
                   std::move(start->after), static_cast<std::int64_t>(std::min<std::size_t>(limit, 1u << 30)) + 1,
                   {}};
    for (auto const* id : {&filter.org_id, &filter.user_id})
        if (*id)
            q.owner_ids.push_back(**id);
    list_page_builder page(limit);
    auto r = std::forward<Fetch>(fetch)(
        q, [&page](std::string_view client_id, std::string_view text) { return page.add(client_id, text); });
    if (!r)
        return r.error();
    return page.take();
}

/** Each row's `last_used_at`, which a SQL store keeps in a column beside the
    record's text (@ref encode_record leaves it out), in the rows' order. */
using last_used_column = std::vector<std::pair<std::string, unix_seconds>>;

/** Sets the `last_used_at` of a page's records from the rows they came from.
    @param page what @ref keyset_page made of the rows
    @param used each row's client_id and last_used_at, in the same order (the
    page holds some of them: not the unreadable ones, nor the one past the limit) */
inline void set_last_used(list_page& page, last_used_column const& used)
{
    auto u = used.begin();
    for (auto& rec : page.clients) {
        while (u != used.end() && u->first != rec.client_id)
            ++u;
        if (u != used.end())
            rec.last_used_at = u->second;
    }
}

/** Schema 4's `grant_types` column: bit `g` set for each grant type `g` the
    client may use, so `filter[allowed_grant_types][contains]` is one AND. */
inline std::int64_t grant_type_bits(client_metadata const& md) noexcept
{
    std::int64_t bits = 0;
    for (auto g : md.grant_types)
        bits |= std::int64_t{1} << static_cast<unsigned>(g);
    return bits;
}

/** Schema 4's `client_type` column: 0 public, 1 confidential; -1, its
    default, for a row whose text could not be decoded, which no type
    filter selects (as the scan, which never sees it, would not). */
inline std::int64_t client_type_column(client_record const& r) noexcept
{
    return r.type() == client_type::confidential ? 1 : 0;
}

/** A value bound to a statement built for one query. */
using sql_value = std::variant<std::string, std::int64_t>;

/** One client_page_query in SQL on schema 4's columns (see @ref make_sql_page). */
struct sql_page {
    std::string where;              ///< empty, or " WHERE ..." on the clients table's columns
    std::vector<sql_value> values;  ///< the parameters `where` names, from 1
    bool nothing = false;           ///< an owner or exact filter no row can hold: an empty page
    bool scan = false;              ///< a filter SQL cannot say exactly here: use page_by_list
    bool org_total = false;         ///< the organization alone: the total is its row of the counts table
    std::int64_t limit = 0;         ///< the page size
    std::int64_t offset = 0;        ///< the rows before the page (saturated)

    /** @return the mark of the next parameter, `?N` or `$N` */
    std::string next(char mark) const { return mark + std::to_string(values.size() + 1); }
};

/** How the two SQL stores spell what differs in a page query. */
struct sql_dialect {
    char mark; ///< '?' (SQLite) or '$' (PostgreSQL)
    /** The condition "client_name holds the needle ASCII case-insensitively",
        given the needle's parameter mark (the needle is bound as is). */
    std::string (*name_contains)(std::string const& needle);
    holds_text holds; ///< what a text parameter can hold
};

/** A client_page_query as a `WHERE` on the columns every filter has in
    schema 4, so a page is `ORDER BY client_id LIMIT OFFSET` on an index and
    no record is decoded but the page's. Each condition is the SQL spelling
    of page_filters_match's: the same selection, which the stores' tests
    check against page_by_list on random queries. */
inline sql_page make_sql_page(client_page_query const& q, sql_dialect const& d)
{
    sql_page out;
    out.limit = static_cast<std::int64_t>(q.page_size);
    std::size_t const before = q.page_number - 1;
    constexpr auto most = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
    out.offset = static_cast<std::int64_t>(before > most / q.page_size ? most : before * q.page_size);
    std::vector<std::string> conds;
    auto text = [&](char const* column, std::optional<std::string> const& v) {
        if (!v)
            return;
        if (!d.holds(*v))
            out.nothing = true; // no stored text equals it
        conds.push_back(std::string(column) + " = " + out.next(d.mark));
        out.values.emplace_back(*v);
    };
    auto number = [&](std::string const& cond, std::int64_t v) {
        conds.push_back(cond + out.next(d.mark));
        out.values.emplace_back(v);
    };
    if (classify(q.owner) == owner_query::nothing)
        out.nothing = true;
    text("org_id", q.owner.org_id);
    text("user_id", q.owner.user_id);
    text("client_id", q.client_id);
    text("client_name", q.name);
    if (q.name_contains) {
        if (!d.holds(*q.name_contains))
            out.scan = true; // a fragment of a character: only the bytewise scan says
        conds.push_back(d.name_contains(out.next(d.mark)));
        out.values.emplace_back(*q.name_contains);
    }
    if (q.type)
        number("client_type = ", *q.type == client_type::confidential ? 1 : 0);
    if (q.grant_type_contains) {
        conds.push_back("(grant_types & " + out.next(d.mark) + ") <> 0");
        out.values.emplace_back(std::int64_t{1} << static_cast<unsigned>(*q.grant_type_contains));
    }
    if (q.last_used_before)
        number("last_used_at < ", *q.last_used_before);
    if (q.created_before)
        number("created_at < ", *q.created_before);
    if (q.origin) {
        conds.push_back("origin = " + out.next(d.mark));
        out.values.emplace_back(std::string(to_string(*q.origin)));
    }
    out.org_total = q.owner.org_id && conds.size() == 1;
    for (std::size_t i = 0; i < conds.size(); ++i)
        out.where += (i == 0 ? " WHERE " : " AND ") + conds[i];
    return out;
}

/** The two statements of a page: its total (empty when it is the counts
    table's) and its rows (`record`, `last_used_at`, `client_id`), whose
    LIMIT and OFFSET are the two parameters after the page's values. */
struct sql_page_text {
    std::string count;     ///< `SELECT count(*)` over the same `WHERE`, or empty
    std::string rows;      ///< the page, in client_id order
    std::string rows_back; ///< the same, its offset counted from the last row (sql_window)
};

/** Which statement reads a page, and its LIMIT and OFFSET. */
struct sql_window {
    bool from_end = false; ///< sql_page_text::rows_back
    std::int64_t limit = 0;
    std::int64_t offset = 0;
};

/** A page past the middle of its `total` rows is skipped to from the last
    row backwards: an offset skips at most half the matching rows (the last
    page of 10^6: SQLite 104 to 0.30 ms, PostgreSQL 151 to 0.98 ms). The
    total is read in the same transaction, so both ends name the same rows.
    @param p the page's SQL, its offset under `total` */
inline sql_window page_window(sql_page const& p, std::uint64_t total) noexcept
{
    auto const first = static_cast<std::uint64_t>(p.offset);
    if (first <= total / 2)
        return {false, p.limit, p.offset};
    auto const rows = std::min(static_cast<std::uint64_t>(p.limit), total - first);
    return {true, static_cast<std::int64_t>(rows), static_cast<std::int64_t>(total - first - rows)};
}

/** @param p the page's SQL
    @param table the clients table's name
    @param mark '?' or '$'
    @return its statements */
inline sql_page_text page_statements(sql_page const& p, std::string const& table, char mark)
{
    auto const n = p.values.size();
    sql_page_text out;
    if (!p.org_total)
        out.count = "SELECT count(*) FROM " + table + p.where;
    // A deferred join: the offset is skipped on the listing index alone
    // (client_id and the filtered columns), and only the page's rows are
    // read from the table. Reading every skipped row made the last page of
    // 10^6 cost 2.2 s on SQLite.
    auto const rows = [&](char const* order) {
        return "SELECT record, last_used_at, client_id FROM " + table + " WHERE client_id IN (SELECT client_id FROM " +
               table + p.where + " ORDER BY client_id" + order + " LIMIT " + mark + std::to_string(n + 1) + " OFFSET " +
               mark + std::to_string(n + 2) + ") ORDER BY client_id";
    };
    out.rows = rows("");
    out.rows_back = rows(" DESC");
    return out;
}

/** A client_page's totals, its rows being the caller's. */
inline void set_page_totals(client_page& out, client_page_query const& q, std::size_t total) noexcept
{
    out.page_number = q.page_number;
    out.page_size = q.page_size;
    out.total_results = total;
    out.total_pages = total / q.page_size + (total % q.page_size != 0);
}

/** `visit` for stores that decode a copy: `f` sees a record nothing can change. */
template <class Store, class F> result<void> visit_copy(Store const& store, std::string_view id, F&& f)
{
    auto rec = store.find(id);
    if (!rec)
        return rec.error();
    std::forward<F>(f)(std::as_const(*rec));
    return {};
}

} // namespace oauthreg::detail

#endif
