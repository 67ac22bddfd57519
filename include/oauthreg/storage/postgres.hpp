//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_STORAGE_POSTGRES_HPP
#define OAUTHREG_STORAGE_POSTGRES_HPP

// Optional backend: link libpq (CMake `oauthreg::postgres`, Meson
// `oauthreg_postgres_dep`, Debian `libpq-dev`).

#include <oauthreg/storage/detail/sql_common.hpp>
#include <oauthreg/storage/codec.hpp>
#include <oauthreg/storage/concept.hpp>
#include <oauthreg/storage/cursor.hpp>

#include <libpq-fe.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <poll.h>

namespace oauthreg {

/** Which PostgreSQL database @ref postgres_storage uses, and how. */
struct postgres_options {
    std::string conninfo{};      ///< a libpq connection string or URI
    std::size_t connections = 4; ///< pool size
    std::string schema{};        ///< empty: the connection's search_path (usually `public`)
    /** The server's bound, set on each connection: the longest one statement
        runs, waiting for locks included (`statement_timeout`), and the
        longest a session may sit idle inside a transaction
        (`idle_in_transaction_session_timeout`, so a client that vanished
        mid-transaction does not keep its row locks). The statement then
        fails (`storage_failure`) and the connection stays usable. Zero:
        leave what the server, the role or the conninfo sets. */
    std::chrono::milliseconds statement_timeout{5'000};
    /** The client's bound: the longest one call waits for the server,
        connecting and every round trip included (a retry after a dropped
        connection too). Past it the call is `storage_failure` and the
        connection is dropped, to be re-established by a later call. This
        covers what the server's bound cannot: a server or network that
        stops answering altogether. A little above `statement_timeout`, so
        a slow statement normally ends by the server's own error first. The
        connections also get TCP keepalives and `tcp_user_timeout` (this
        bound) unless the conninfo sets them. Zero: no bound. */
    std::chrono::milliseconds call_timeout{6'000};
    /** Receives the server's own text when a call fails; the call's error
        names only the operation. (open() errors keep the full reason.) */
    storage_log log{};
};

namespace detail {

struct pg_result_deleter {
    void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using pg_result = std::unique_ptr<PGresult, pg_result_deleter>;

inline constexpr int postgres_schema_version = 1;

/** How a @ref pg_connection connects and how long it waits. */
struct pg_settings {
    std::string conninfo;
    std::chrono::milliseconds statement_timeout{};
    std::chrono::milliseconds call_timeout{};
};

/** One libpq connection with its prepared statements; one thread at a time.

    Every wait for the server (connecting, sending, reading a reply) is a
    poll(2) on the connection's socket bounded by the deadline of the current
    call (@ref start_call); when it passes, the connection is dropped and the
    statement fails. No cancel request is sent: libpq's PQcancel blocks on the
    very network that stopped answering (before libpq 17), and the server's
    own `statement_timeout` ends a statement whose client went away. */
class pg_connection {
public:
    /** The shared statements, then PostgreSQL's own. */
    enum stmt : std::size_t { xact_status = sql_statements::shared, stmt_count };
    using clock = std::chrono::steady_clock;

    pg_connection(pg_settings settings, std::string table) : settings_(std::move(settings)), table_(std::move(table)) {}
    pg_connection(pg_connection const&) = delete;
    pg_connection& operator=(pg_connection const&) = delete;
    ~pg_connection() { PQfinish(conn_); }

    /** Starts a call: everything until the next start_call shares one
        deadline, `call_timeout` from now. */
    void start_call() noexcept
    {
        timed_out_ = false;
        deadline_ =
            settings_.call_timeout.count() > 0 ? clock::now() + settings_.call_timeout : clock::time_point::max();
    }

    /** Whether the current call's deadline passed (the connection was dropped). */
    bool timed_out() const noexcept { return timed_out_; }

    /** (Re)connects and prepares every statement. */
    result<void> connect()
    {
        if (auto r = connect_plain(); !r)
            return r;
        auto const shared = sql_statements::text(table_, '$', " RETURNING txid_current()");
        std::array<std::string, stmt_count> sql;
        std::copy(shared.begin(), shared.end(), sql.begin());
        sql[xact_status] = "SELECT txid_status($1)";
        for (std::size_t i = 0; i < stmt_count; ++i) {
            auto r = reply(conn_ && PQsendPrepare(conn_, name(i), sql[i].c_str(), 0, nullptr));
            if (PQresultStatus(r.get()) != PGRES_COMMAND_OK)
                return fail("cannot prepare statements", r.get());
        }
        return {};
    }

    /** (Re)connects without preparing anything (schema management), then
        sets the server's timeouts. */
    result<void> connect_plain()
    {
        drop({});
        // Ours come first: the conninfo, expanded from "dbname", overrides them.
        auto const user_timeout = std::to_string(settings_.call_timeout.count());
        char const* const keys[] = {
            "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout", "dbname",
            nullptr};
        char const* const values[] = {"1", "30", "10", "3", user_timeout.c_str(), settings_.conninfo.c_str(), nullptr};
        conn_ = PQconnectStartParams(keys, values, 1);
        if (!conn_ || PQstatus(conn_) == CONNECTION_BAD)
            return fail("cannot connect to PostgreSQL");
        // libpq's asynchronous connection: start as if PQconnectPoll said "writing".
        for (auto st = PGRES_POLLING_WRITING; st != PGRES_POLLING_OK; st = PQconnectPoll(conn_)) {
            if (st == PGRES_POLLING_FAILED)
                return fail("cannot connect to PostgreSQL");
            if (!wait(st == PGRES_POLLING_READING ? POLLIN : POLLOUT)) {
                drop_for_timeout();
                return fail("cannot connect to PostgreSQL");
            }
        }
        PQsetNoticeProcessor(
            conn_, [](void*, char const*) {}, nullptr);
        if (PQsetnonblocking(conn_, 1) != 0)
            return fail("cannot connect to PostgreSQL");
        if (auto const t = settings_.statement_timeout.count(); t > 0) {
            auto const ms = std::to_string(t);
            // lock_timeout stays the server's: at or above statement_timeout it never fires first.
            if (auto r = exec("SET statement_timeout = " + ms + "; SET idle_in_transaction_session_timeout = " + ms);
                !r)
                return r;
        }
        return {};
    }

    /** Whether the connection is known to be gone (the server closed it, or
        it was dropped). */
    bool lost() const noexcept { return !conn_ || PQstatus(conn_) != CONNECTION_OK; }

    PGconn* native() const noexcept { return conn_; }

    /** Runs prepared statement `s` (a sql_statements::id or a stmt) with
        text parameters, at most 8. */
    pg_result run(std::size_t s, std::span<std::string const> params)
    {
        std::array<char const*, 8> values{};
        auto const n = std::min(params.size(), values.size());
        for (std::size_t i = 0; i < n; ++i)
            values[i] = params[i].c_str();
        return reply(conn_ &&
                     PQsendQueryPrepared(conn_, name(s), static_cast<int>(n), values.data(), nullptr, nullptr, 0));
    }

    /** Runs SQL text: one or more statements, without parameters; the
        result of the last (or of the one that failed). */
    pg_result query(char const* sql) { return reply(conn_ && PQsendQuery(conn_, sql)); }

    /** Runs a statement without parameters or rows (BEGIN, COMMIT, ...). */
    bool command(char const* sql) { return PQresultStatus(query(sql).get()) == PGRES_COMMAND_OK; }

    /** The server's (or libpq's) own text about the last failure: for a
        server error, its SQLSTATE and primary message only. The full message
        may carry a DETAIL line quoting the failing row ("Failing row
        contains (...)"), hashes included, which no log line may hold. */
    std::string why(PGresult const* r = nullptr) const
    {
        char const* primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
        if (primary && *primary) {
            char const* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
            return std::string(state ? state : "") + (state ? " " : "") + primary;
        }
        if (conn_ && *PQerrorMessage(conn_)) // libpq's own: no row data
            return PQerrorMessage(conn_);
        return dropped_why_;
    }

    /** Runs one or more plain statements (schema management). */
    result<void> exec(std::string const& sql)
    {
        auto r = query(sql.c_str());
        auto st = PQresultStatus(r.get());
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
            return fail("schema", r.get());
        return {};
    }

    /** A storage_failure naming what failed and the server's reason, for
        open(): whoever starts the server reads it. */
    result<void> fail(std::string_view what, PGresult const* r = nullptr) const
    {
        std::string d(what);
        if (auto msg = why(r); !msg.empty()) {
            d += ": ";
            d += msg;
            while (!d.empty() && (d.back() == '\n' || d.back() == ' '))
                d.pop_back();
        }
        return make_error(error::storage_failure, "", d);
    }

private:
    static char const* name(std::size_t s) noexcept
    {
        static constexpr char const* names[stmt_count] = {
            "oauthreg_insert",    "oauthreg_find",          "oauthreg_update",   "oauthreg_exists",
            "oauthreg_erase",     "oauthreg_erase_version", "oauthreg_list_all", "oauthreg_list_org",
            "oauthreg_list_user", "oauthreg_list_owner",    "oauthreg_count",    "oauthreg_xact_status"};
        return names[s];
    }

    /** Waits until the socket is ready for `events` or the call's deadline
        passes (false). */
    bool wait(short events) const
    {
        for (;;) {
            int ms = -1;
            if (deadline_ != clock::time_point::max()) {
                auto const left = std::chrono::ceil<std::chrono::milliseconds>(deadline_ - clock::now()).count();
                if (left <= 0)
                    return false;
                ms = static_cast<int>(std::min<long long>(left, 60'000));
            }
            pollfd p{PQsocket(conn_), events, 0};
            if (p.fd < 0)
                return true; // no socket: libpq reports it
            int const n = ::poll(&p, 1, ms);
            if (n > 0 || (n < 0 && errno != EINTR))
                return true; // ready, or an error libpq reports on its next read or write
        }
    }

    /** The reply to what was just sent (`sent`: whether libpq took it), in
        PQexec's manner: the last result, or the first error. Null when the
        connection failed or the deadline passed; either drops it. */
    pg_result reply(bool sent)
    {
        if (!sent)
            return lose();
        for (int f; (f = PQflush(conn_)) != 0;) {
            if (f < 0 || !wait(POLLIN | POLLOUT))
                return f < 0 ? lose() : drop_for_timeout();
            if (!PQconsumeInput(conn_)) // a reply may arrive while sending; take it in
                return lose();
        }
        pg_result out;
        for (;;) {
            while (PQisBusy(conn_)) {
                if (!wait(POLLIN))
                    return drop_for_timeout();
                if (!PQconsumeInput(conn_))
                    return lose();
            }
            PGresult* r = PQgetResult(conn_);
            if (!r)
                break;
            if (!out || PQresultStatus(out.get()) != PGRES_FATAL_ERROR)
                out.reset(r);
            else
                PQclear(r);
        }
        if (!out)
            return lose();
        return out;
    }

    /** The connection failed under a statement: dropped, keeping libpq's text. */
    pg_result lose()
    {
        if (conn_) // else already dropped, with its reason
            drop(PQerrorMessage(conn_));
        return {};
    }

    /** The call's deadline passed: dropped, so no later reply is taken for another call's. */
    pg_result drop_for_timeout()
    {
        timed_out_ = true;
        drop("no answer from PostgreSQL within " + std::to_string(settings_.call_timeout.count()) +
             " ms; connection dropped");
        return {};
    }

    void drop(std::string why)
    {
        dropped_why_ = std::move(why);
        PQfinish(conn_);
        conn_ = nullptr;
    }

    pg_settings settings_;
    std::string table_;
    PGconn* conn_ = nullptr;
    clock::time_point deadline_ = clock::time_point::max();
    bool timed_out_ = false;
    std::string dropped_why_;
};

/** What a text column of a UTF-8 database holds: valid UTF-8 without NUL.
    Anything else is refused by the server with an ERROR, so it is answered
    here: no such client, no such owner, a cursor never issued. */
inline bool pg_text(std::string_view s) noexcept { return valid_utf8(s) && !has_nul(s); }

} // namespace detail

/** A store in a PostgreSQL database, shared by every server instance that
    opens it.

    A pool of connections with prepared statements; `client_id` is the
    primary key (so two instances can never both insert one id); replacement
    is `UPDATE ... WHERE version = expected` (optimistic concurrency across
    instances); listing is a keyset seek on an (owner, client_id) index.
    The schema is created on first open under an advisory lock and tagged with
    a version for later migrations.

    Server errors come back as `error::storage_failure` naming the operation;
    the server's own text goes to `postgres_options::log`. An id, owner or
    cursor that a text column cannot hold (not UTF-8, or a NUL) is answered
    without asking the server: not found, an empty page, an invalid cursor,
    or `error::invalid_identifier` for a record to store.

    A connection the server dropped is re-established and the call retried
    once; a write that may have reached the server before the drop is
    recognized on the retry, so it is neither lost nor reported twice: an
    insert or replace by the stored row being ours, a delete by asking the
    server whether the transaction whose COMMIT was sent committed.

    No call waits forever. The server bounds each statement, lock waits
    included (`postgres_options::statement_timeout`, 5 s by default), and the store
    bounds each call, connecting included (`postgres_options::call_timeout`,
    6 s): a server or network that stops answering makes the call a
    `storage_failure` once that time has passed, and the connection is
    dropped and re-established by a later call. Like any lost reply, a write
    that timed out may or may not have been applied.
*/
class postgres_storage {
public:
    /** Connects the pool and creates the schema if this database has none.
        @param opts which database and how
        @return the store, or `storage_failure` (no connection, unknown schema version) */
    static result<postgres_storage> open(postgres_options opts)
    {
        if (!PQisthreadsafe())
            return make_error(error::storage_failure, "", "this libpq was built without thread support");
        if (opts.connections == 0)
            opts.connections = 1;
        std::string table = "oauth_clients", meta = "oauthreg_schema", schema;
        detail::pg_settings const settings{std::move(opts.conninfo), opts.statement_timeout, opts.call_timeout};
        if (!opts.schema.empty()) {
            // Quoting needs a connection; the first one is made just for it.
            detail::pg_connection probe(settings, table);
            probe.start_call();
            if (auto r = probe.connect_plain(); !r)
                return r.error();
            char* q = PQescapeIdentifier(probe.native(), opts.schema.data(), opts.schema.size());
            if (!q)
                return probe.fail("bad schema name").error();
            schema = q;
            PQfreemem(q);
            table = schema + "." + table;
            meta = schema + "." + meta;
        }
        auto pool = std::make_unique<pool_type>(std::move(opts.log));
        for (std::size_t i = 0; i < opts.connections; ++i) {
            auto c = std::make_unique<detail::pg_connection>(settings, table);
            if (i == 0) {
                // Connect once without statements to create what they refer to.
                detail::pg_connection admin(settings, table);
                admin.start_call();
                if (auto r = migrate(admin, schema, table, meta); !r)
                    return r.error();
            }
            c->start_call();
            if (auto r = c->connect(); !r)
                return r.error();
            pool->add(std::move(c));
        }
        return postgres_storage(std::move(pool));
    }

    postgres_storage(postgres_storage&&) noexcept = default; ///< takes over the pool
    /** Takes over the pool. @return *this */
    postgres_storage& operator=(postgres_storage&&) noexcept = default;

    /** @copydoc basic_memory_storage::insert */
    result<void> insert(client_record rec)
    {
        if (auto bad = detail::unholdable_id(rec, detail::pg_text))
            return *bad;
        auto encoded = encode_record(rec);
        if (!encoded)
            return encoded.error();
        std::string const& text = *encoded;
        std::array<std::string, 7> params{rec.client_id,
                                          rec.owner.org_id,
                                          rec.owner.user_id,
                                          std::to_string(rec.version),
                                          std::to_string(rec.created_at),
                                          std::to_string(rec.updated_at),
                                          text};
        return with_connection<void>([&](conn& c, bool retry) -> result<void> {
            auto r = c.run(sql::insert, params);
            if (PQresultStatus(r.get()) != PGRES_COMMAND_OK)
                return failed(c, "insert", r.get());
            if (std::string_view(PQcmdTuples(r.get())) == "1")
                return {};
            if (retry && stored_text(c, rec.client_id) == text)
                return {}; // our first attempt landed before the connection dropped
            return make_error(error::client_exists, "client_id");
        });
    }

    /** @copydoc basic_memory_storage::find */
    result<client_record> find(std::string_view id) const
    {
        if (!detail::pg_text(id))
            return make_error(error::client_not_found, "client_id");
        std::array<std::string, 1> params{std::string(id)};
        return with_connection<client_record>([&](conn& c, bool) -> result<client_record> {
            auto r = c.run(sql::find, params);
            if (PQresultStatus(r.get()) != PGRES_TUPLES_OK)
                return failed(c, "find", r.get());
            if (PQntuples(r.get()) == 0)
                return detail::not_found_after_stand_in();
            return detail::decode_found(pool_->log(), text_of(r.get(), 0));
        });
    }

    /** Calls `f` with a decoded copy: nothing can change what it sees.
        @param id a client_id
        @param f the visitor
        @return nothing, or `client_not_found` */
    template <class F> result<void> visit(std::string_view id, F&& f) const
    {
        return detail::visit_copy(*this, id, std::forward<F>(f));
    }

    /** @copydoc basic_memory_storage::replace */
    result<void> replace(client_record rec, std::uint64_t expected_version)
    {
        if (!detail::pg_text(rec.client_id))
            return make_error(error::client_not_found, "client_id");
        if (auto bad = detail::unholdable_id(rec, detail::pg_text))
            return *bad;
        auto encoded = encode_record(rec);
        if (!encoded)
            return encoded.error();
        std::string const& text = *encoded;
        std::array<std::string, 7> params{rec.client_id,
                                          rec.owner.org_id,
                                          rec.owner.user_id,
                                          std::to_string(rec.version),
                                          std::to_string(rec.updated_at),
                                          text,
                                          std::to_string(expected_version)};
        return with_connection<void>([&](conn& c, bool retry) -> result<void> {
            auto r = c.run(sql::update, params);
            if (PQresultStatus(r.get()) != PGRES_COMMAND_OK)
                return failed(c, "replace", r.get());
            if (std::string_view(PQcmdTuples(r.get())) == "1")
                return {};
            auto stored = stored_text(c, rec.client_id);
            if (!stored)
                return make_error(error::client_not_found, "client_id");
            if (retry && *stored == text)
                return {}; // our first attempt landed before the connection dropped
            return make_error(error::version_conflict, "client_id");
        });
    }

    /** One transaction: DELETE ... RETURNING its transaction id, then COMMIT
        only if a row went. If the connection drops once COMMIT is sent, the
        retry finds no row and asks the server whether that transaction
        committed (`txid_status`): if so, the delete was ours and succeeded.
        @param id a client_id
        @return nothing, `client_not_found` (also for an id PostgreSQL text
        cannot hold), or `storage_failure` */
    result<void> erase(std::string_view id)
    {
        if (!detail::pg_text(id))
            return make_error(error::client_not_found, "client_id");
        return erase_where(sql::erase, {std::string(id)});
    }

    /** As @ref erase(std::string_view), with `AND version = expected_version`:
        `version_conflict` when the row is there at another version.
        @param id a client_id
        @param expected_version the version the caller checked
        @return nothing, `client_not_found`, `version_conflict`, or `storage_failure` */
    result<void> erase(std::string_view id, std::uint64_t expected_version)
    {
        if (!detail::pg_text(id))
            return make_error(error::client_not_found, "client_id");
        return erase_where(sql::erase_version, {std::string(id), std::to_string(expected_version)});
    }

    /** A keyset page: `client_id > cursor` on an (owner, client_id) index,
        one row more than the limit to know whether another page follows.
        @param filter whose records
        @param limit at most this many
        @param cursor the previous page's `next_cursor`; empty: from the start
        @return the page */
    result<list_page> list(owner_filter const& filter, std::size_t limit, std::string_view cursor) const
    {
        return detail::keyset_page(filter, limit, cursor, detail::pg_text, [&](auto const& q, auto&& row) {
            std::vector<std::string> params{q.after, std::to_string(q.rows)};
            params.insert(params.end(), q.owner_ids.begin(), q.owner_ids.end());
            return with_connection<void>([&](conn& c, bool) -> result<void> {
                auto r = c.run(q.statement, params);
                if (PQresultStatus(r.get()) != PGRES_TUPLES_OK)
                    return failed(c, "list", r.get());
                // Rows arrive only once the query succeeded: a retried attempt adds none twice.
                int const rows = PQntuples(r.get());
                for (int i = 0; i < rows && row(text_of(r.get(), i, 1), text_of(r.get(), i)); ++i) {
                }
                return {};
            });
        });
    }

    /** @return the number of stored clients */
    result<std::size_t> size() const
    {
        return with_connection<std::size_t>([&](conn& c, bool) -> result<std::size_t> {
            auto r = c.run(sql::count, std::array<std::string, 0>{});
            if (PQresultStatus(r.get()) != PGRES_TUPLES_OK)
                return failed(c, "count", r.get());
            return static_cast<std::size_t>(std::stoull(std::string(text_of(r.get(), 0))));
        });
    }

private:
    using conn = detail::pg_connection;
    using sql = detail::sql_statements;
    using pool_type = detail::connection_pool<conn>;
    explicit postgres_storage(std::unique_ptr<pool_type> p) noexcept : pool_(std::move(p)) {}

    static std::string_view text_of(PGresult const* r, int row, int column = 0)
    {
        return {PQgetvalue(r, row, column), static_cast<std::size_t>(PQgetlength(r, row, column))};
    }

    /** A call's storage_failure; the server's text goes to the log only. */
    error_info failed(conn const& c, std::string_view operation, PGresult const* r = nullptr) const
    {
        return detail::storage_failed(pool_->log(), operation, c.why(r));
    }

    /** The delete transaction of @ref erase(std::string_view); `params`
        start with the client_id. */
    result<void> erase_where(sql::id statement, std::vector<std::string> params)
    {
        std::string committing; // the transaction whose COMMIT was sent
        return with_connection<void>([&](conn& c, bool) -> result<void> {
            if (!c.command("BEGIN"))
                return failed(c, "erase");
            auto r = c.run(statement, params);
            if (PQresultStatus(r.get()) != PGRES_TUPLES_OK || PQntuples(r.get()) == 0) {
                c.command("ROLLBACK");
                if (PQresultStatus(r.get()) != PGRES_TUPLES_OK)
                    return failed(c, "erase", r.get());
                auto gone = erased_before(c, committing);
                // Not ours: the row may be there at another version.
                if (!gone && gone.error().kind() == error::client_not_found && statement == sql::erase_version &&
                    stored_text(c, params[0]))
                    return make_error(error::version_conflict, "client_id");
                return gone;
            }
            committing = std::string(text_of(r.get(), 0));
            if (!c.command("COMMIT"))
                return failed(c, "erase");
            return {};
        });
    }

    /** No row to delete: ours if the transaction `committing` (from an
        attempt whose connection dropped) committed, else not found. */
    result<void> erased_before(conn& c, std::string const& committing) const
    {
        if (committing.empty())
            return make_error(error::client_not_found, "client_id");
        auto r = c.run(conn::xact_status, std::array<std::string, 1>{committing});
        if (PQresultStatus(r.get()) != PGRES_TUPLES_OK)
            return failed(c, "erase", r.get());
        if (text_of(r.get(), 0) == "committed")
            return {}; // our first attempt landed before the connection dropped
        return make_error(error::client_not_found, "client_id");
    }

    static std::optional<std::string> stored_text(conn& c, std::string const& id)
    {
        auto r = c.run(sql::find, std::array<std::string, 1>{id});
        if (PQresultStatus(r.get()) != PGRES_TUPLES_OK || PQntuples(r.get()) == 0)
            return std::nullopt;
        return std::string(text_of(r.get(), 0));
    }

    /** Runs `op` on a pooled connection, all of it within one call_timeout;
        if the server dropped the connection (before or during the call),
        reconnects and runs it once more. Not after the deadline passed: the
        call has had its time. */
    template <class T, class Op> result<T> with_connection(Op op) const
    {
        auto c = pool_->take();
        c->start_call();
        bool retry = false;
        if (c->lost()) {
            if (auto r = c->connect(); !r)
                return detail::storage_failed(pool_->log(), "connect", r.error().description);
        }
        auto out = op(*c, retry);
        if (out || !c->lost() || c->timed_out())
            return out;
        retry = true;
        if (auto r = c->connect(); !r)
            return detail::storage_failed(pool_->log(), "connect", r.error().description);
        return op(*c, retry);
    }

    static result<void> migrate(conn& admin, std::string const& schema, std::string const& table,
                                std::string const& meta)
    {
        if (auto r = admin.connect_plain(); !r)
            return r;
        if (auto r = admin.exec("BEGIN; SELECT pg_advisory_xact_lock(7591759201)"); !r)
            return r;
        auto body = [&]() -> result<void> {
            if (!schema.empty())
                if (auto r = admin.exec("CREATE SCHEMA IF NOT EXISTS " + schema); !r)
                    return r;
            if (auto r = admin.exec("CREATE TABLE IF NOT EXISTS " + meta + " (version integer NOT NULL)"); !r)
                return r;
            auto v = admin.query(("SELECT max(version) FROM " + meta).c_str());
            if (PQresultStatus(v.get()) != PGRES_TUPLES_OK)
                return admin.fail("schema", v.get());
            if (!PQgetisnull(v.get(), 0, 0)) {
                int version = std::atoi(PQgetvalue(v.get(), 0, 0));
                if (version == detail::postgres_schema_version)
                    return {};
                return make_error(error::storage_failure, "",
                                  "database schema version " + std::to_string(version) +
                                      " is not one this oauthreg reads (" +
                                      std::to_string(detail::postgres_schema_version) + ")");
            }
            // Later schema versions migrate from here, one step per version.
            // COLLATE "C" orders client_id bytewise, as every other store does.
            return admin.exec("CREATE TABLE " + table +
                              " ("
                              " client_id text COLLATE \"C\" PRIMARY KEY,"
                              " org_id text COLLATE \"C\" NOT NULL,"
                              " user_id text COLLATE \"C\" NOT NULL,"
                              " version bigint NOT NULL,"
                              " created_at bigint NOT NULL,"
                              " updated_at bigint NOT NULL,"
                              " record text NOT NULL);"
                              "CREATE INDEX ON " +
                              table + " (org_id, client_id);CREATE INDEX ON " + table +
                              " (user_id, client_id);CREATE INDEX ON " + table +
                              " (org_id, user_id, client_id);INSERT INTO " + meta + " VALUES (1)");
        };
        auto r = body();
        if (!r) {
            admin.exec("ROLLBACK");
            return r;
        }
        return admin.exec("COMMIT");
    }

    // Behind a pointer so the store moves; never null in a store open() made.
    std::unique_ptr<pool_type> pool_;
};

static_assert(versioned_erase_storage<postgres_storage>);

} // namespace oauthreg

#endif
