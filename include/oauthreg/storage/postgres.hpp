//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_STORAGE_POSTGRES_HPP
#define OAUTHREG_STORAGE_POSTGRES_HPP

// Optional backend: link libpq (CMake `oauthreg::postgres`, Meson
// `oauthreg_postgres_dep`, Debian `libpq-dev`).

#include <oauthreg/storage/assertion_replay.hpp>
#include <oauthreg/storage/codec.hpp>
#include <oauthreg/storage/concept.hpp>
#include <oauthreg/storage/cursor.hpp>
#include <oauthreg/storage/detail/group_commit.hpp>
#include <oauthreg/storage/detail/sql_common.hpp>
#include <oauthreg/storage/lifecycle.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <libpq-fe.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
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

/** 1: the clients table. 2: the client lifecycle (docs/open-registration.md).
    3: the remembered client assertions (RFC 7523 `jti`). 4: the columns the
    listing filters on (`client_name`, `client_type`, `grant_types`) and an
    index on the name. */
inline constexpr int postgres_schema_version = 4;

/** The listing's SQL on PostgreSQL: make_sql_page with `$N` marks; the
    name fragment is matched with only ASCII letters folded (lower() under
    `COLLATE "C"`, for the needle too, which would otherwise be folded by
    the database's locale).
    @param q the query (already checked)
    @return its SQL */
inline sql_page postgres_page(client_page_query const& q);

/** A connection deletes expired assertions at every this many calls of its
    remember_assertion, at most @ref pg_assertion_sweep_rows at a time:
    twice as many as it remembered meanwhile, so they cannot pile up. */
inline constexpr std::uint32_t pg_assertion_sweep_every = 128;
/** The most expired assertions one deletion removes (one short statement). */
inline constexpr std::uint32_t pg_assertion_sweep_rows = 256;

/** The tables of one store, schema-qualified when the options name a schema. */
struct pg_tables {
    std::string clients = "oauth_clients";
    std::string tokens = "oauth_initial_access_tokens"; ///< RFC 7591 3 initial access tokens (schema 2)
    std::string assertions = "seen_assertions";         ///< remembered RFC 7523 assertions (schema 3)
    std::string meta = "oauthreg_schema";               ///< the schema version
    std::string counts = "oauth_client_counts";         ///< clients per organization, in shards (schema 4)
    std::string count_function = "oauthreg_count_clients"; ///< the trigger function keeping them (schema 4)
};

/** Which clients are idle (parameters: $1 the cut-off, $2 the origin or ''
    for any), in the terms of the expression index schema 2 makes, so the
    reaper reads that index rather than the table. */
inline constexpr char const* pg_idle_clients = "GREATEST(created_at, last_used_at) < $1 AND ($2 = '' OR origin = $2)";

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
    enum stmt : std::size_t {
        xact_status = sql_statements::shared,
        touch,
        spend_token, ///< one use of an initial access token, if it has one left
        quota_lock,  ///< the organization's transaction-scoped advisory lock
        count_org,
        reap,
        count_idle,
        insert_token,
        find_token,
        list_tokens,
        erase_token,
        remember_assertion, ///< stores a pair unless it is held (a replay)
        sweep_assertions,   ///< deletes a bounded batch of expired pairs
        stmt_count
    };
    using clock = std::chrono::steady_clock;

    pg_connection(pg_settings settings, pg_tables tables) : settings_(std::move(settings)), tables_(std::move(tables))
    {}
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
        sql_ = statements();
        for (std::size_t i = 0; i < stmt_count; ++i) {
            if (planned_each_time(i))
                continue;
            auto r = reply(conn_ && PQsendPrepare(conn_, name(i), sql_[i].c_str(), 0, nullptr));
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

    /** Counts a remember_assertion call. @return whether this one sweeps expired assertions */
    bool sweep_due() noexcept { return ++assertion_calls_ % pg_assertion_sweep_every == 0; }

    /** Whether the connection is known to be gone (the server closed it, or
        it was dropped). */
    bool lost() const noexcept { return !conn_ || PQstatus(conn_) != CONNECTION_OK; }

    PGconn* native() const noexcept { return conn_; }

    /** Runs statement `s` (a sql_statements::id or a stmt) with text
        parameters, at most 16, parameter i NULL when bit i of `nulls` is
        set: prepared, but for those planned each time. */
    pg_result run(std::size_t s, std::span<std::string const> params, std::uint32_t nulls = 0)
    {
        std::array<char const*, 16> values{};
        auto const n = std::min(params.size(), values.size());
        for (std::size_t i = 0; i < n; ++i)
            values[i] = (nulls >> i) & 1u ? nullptr : params[i].c_str();
        if (planned_each_time(s))
            return reply(conn_ && PQsendQueryParams(conn_, sql_[s].c_str(), static_cast<int>(n), nullptr, values.data(),
                                                    nullptr, nullptr, 0));
        return reply(conn_ &&
                     PQsendQueryPrepared(conn_, name(s), static_cast<int>(n), values.data(), nullptr, nullptr, 0));
    }

    /** Runs SQL text: one or more statements, without parameters; the
        result of the last (or of the one that failed). */
    pg_result query(char const* sql) { return reply(conn_ && PQsendQuery(conn_, sql)); }

    /** Runs one unprepared statement with one text parameter (schema management). */
    pg_result query(char const* sql, std::string const& param)
    {
        char const* value = param.c_str();
        return reply(conn_ && PQsendQueryParams(conn_, sql, 1, nullptr, &value, nullptr, nullptr, 0));
    }

    /** Runs one unprepared statement with text parameters (a listing, whose
        `WHERE` depends on its filters). */
    pg_result query(std::string const& sql, std::span<std::string const> params)
    {
        std::vector<char const*> values;
        for (auto const& p : params)
            values.push_back(p.c_str());
        return reply(conn_ && PQsendQueryParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                                                values.data(), nullptr, nullptr, 0));
    }

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
    /** The reaper's statements are not prepared but planned with their
        values each time: a prepared statement's generic plan guesses that
        `< $1` keeps a third of the rows and reads the whole table, where the
        expression index's statistics find the few idle clients. */
    static bool planned_each_time(std::size_t s) noexcept
    {
        return s == reap || s == count_idle || s == sweep_assertions;
    }

    static char const* name(std::size_t s) noexcept
    {
        static constexpr char const* names[stmt_count] = {
            "oauthreg_insert",      "oauthreg_find",          "oauthreg_update",       "oauthreg_exists",
            "oauthreg_erase",       "oauthreg_erase_version", "oauthreg_list_all",     "oauthreg_list_org",
            "oauthreg_list_user",   "oauthreg_list_owner",    "oauthreg_count",        "oauthreg_xact_status",
            "oauthreg_touch",       "oauthreg_spend_token",   "oauthreg_quota_lock",   "oauthreg_count_org",
            "oauthreg_reap",        "oauthreg_count_idle",    "oauthreg_insert_token", "oauthreg_find_token",
            "oauthreg_list_tokens", "oauthreg_erase_token",   "oauthreg_remember_assertion", "oauthreg_sweep_assertions"};
        return names[s];
    }

    /** Every statement's text: the shared ones, PostgreSQL's variants of
        some, then its own. Every read of a client returns `last_used_at` as
        its second column, beside the record's text (which does not hold it). */
    std::array<std::string, stmt_count> statements() const
    {
        auto const shared = sql_statements::text(tables_.clients, '$', " RETURNING txid_current()");
        std::array<std::string, stmt_count> sql;
        std::copy(shared.begin(), shared.end(), sql.begin());
        for (auto read : {sql_statements::find, sql_statements::list_all, sql_statements::list_org,
                          sql_statements::list_user, sql_statements::list_owner})
            sql[read].insert(std::string_view("SELECT record").size(), ", last_used_at");
        auto const& t = tables_.clients;
        auto const& k = tables_.tokens;
        // The columns schema 2 added, which the shared statements do not know.
        // And those of schema 4, which the listing filters on ($10 to $12).
        sql[sql_statements::insert] = "INSERT INTO " + t +
                                      "(client_id, org_id, user_id, version, created_at, updated_at, record, origin, "
                                      "last_used_at, client_name, client_type, grant_types) VALUES($1, $2, $3, $4, "
                                      "$5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT(client_id) DO NOTHING";
        // A replacement leaves last_used_at alone: a use is not an update.
        sql[sql_statements::update] = "UPDATE " + t +
                                      " SET org_id = $2, user_id = $3, version = $4, updated_at = $5, record = $6, "
                                      "created_at = $8, origin = $9, client_name = $10, client_type = $11, "
                                      "grant_types = $12 WHERE client_id = $1 AND version = $7";
        sql[xact_status] = "SELECT txid_status($1)";
        sql[touch] = "UPDATE " + t + " SET last_used_at = $2 WHERE client_id = $1 AND last_used_at < $2";
        sql[spend_token] = "UPDATE " + k +
                           " SET uses = uses + 1 WHERE token_hash = $1 AND org_id = $2 AND uses < max_uses AND "
                           "expires_at > $3";
        sql[quota_lock] = "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))";
        sql[count_org] = "SELECT coalesce(sum(clients), 0) FROM " + tables_.counts + " WHERE org_id = $1";
        // The row is deleted only if the subquery's lock found it idle and it
        // still is (a use that committed first keeps it); rows locked by
        // another reaper or a use are skipped, never waited for. ARRAY() makes
        // the subquery an InitPlan, run once: `IN (SELECT ... LIMIT n)` may be
        // run again for each row of a nested loop, and delete more than n.
        sql[reap] = "DELETE FROM " + t + " WHERE client_id = ANY(ARRAY(SELECT client_id FROM " + t + " WHERE " +
                    pg_idle_clients + " LIMIT $3 FOR UPDATE SKIP LOCKED)) AND " + pg_idle_clients;
        sql[count_idle] = "SELECT count(*) FROM " + t + " WHERE " + pg_idle_clients;
        std::string const token_columns = "id, token_hash, org_id, user_id, max_uses, uses, expires_at, created_at";
        sql[insert_token] = "INSERT INTO " + k + "(" + token_columns +
                            ") VALUES($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING";
        sql[find_token] = "SELECT " + token_columns + " FROM " + k + " WHERE token_hash = $1";
        sql[list_tokens] = "SELECT " + token_columns + " FROM " + k + " WHERE org_id = $1 ORDER BY created_at DESC, id";
        sql[erase_token] = "DELETE FROM " + k + " WHERE org_id = $1 AND id = $2 RETURNING txid_current()";
        auto const& a = tables_.assertions;
        // A pair held at or after $4 is left as it is (no row: a replay); the
        // conflict makes concurrent inserters of one pair wait for the first
        // and then test its row, so exactly one of them gets a row.
        sql[remember_assertion] = "INSERT INTO " + a +
                                  " AS held (client_id, jti, expires_at) VALUES ($1, $2, $3) ON CONFLICT (client_id, "
                                  "jti) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE held.expires_at < $4";
        // As the reaper: ARRAY() runs the subquery once; rows another
        // session holds are skipped, and each is deleted only if still expired.
        sql[sweep_assertions] = "DELETE FROM " + a + " WHERE ctid = ANY(ARRAY(SELECT ctid FROM " + a +
                                " WHERE expires_at < $1 LIMIT " + std::to_string(pg_assertion_sweep_rows) +
                                " FOR UPDATE SKIP LOCKED)) AND expires_at < $1";
        return sql;
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
    pg_tables tables_;
    std::array<std::string, stmt_count> sql_; ///< every statement's text, once connected
    PGconn* conn_ = nullptr;
    clock::time_point deadline_ = clock::time_point::max();
    bool timed_out_ = false;
    std::string dropped_why_;
    std::uint32_t assertion_calls_ = 0; ///< remember_assertion calls on this connection
};

/** What a text column of a UTF-8 database holds: valid UTF-8 without NUL.
    Anything else is refused by the server with an ERROR, so it is answered
    here: no such client, no such owner, a cursor never issued. */
inline bool pg_text(std::string_view s) noexcept { return valid_utf8(s) && !has_nul(s); }

inline sql_page postgres_page(client_page_query const& q)
{
    // lower() under COLLATE "C" folds ASCII letters only, byte by byte
    // (PostgreSQL's asc_tolower), as ascii_icontains does; translate() with
    // the 26 letters, which it replaced, made a contains page at 10^6 cost 2.4 s.
    static constexpr sql_dialect dialect{'$',
                                         [](std::string const& needle) {
                                             return "strpos(lower(client_name COLLATE \"C\"), lower(" + needle +
                                                    "::text COLLATE \"C\")) > 0";
                                         },
                                         pg_text};
    return make_sql_page(q, dialect);
}

/** Schema 4's columns of `rec` as the insert's and update's $10 to $12 (the
    name's slot empty when it has none: see page_column_nulls). */
inline std::array<std::string, 3> page_column_params(client_record const& rec)
{
    return {std::string(rec.metadata.client_name ? *rec.metadata.client_name : std::string_view()),
            std::to_string(client_type_column(rec)), std::to_string(grant_type_bits(rec.metadata))};
}

/** The `nulls` mask of pg_connection::run for those parameters: $10 is NULL without a name. */
inline std::uint32_t page_column_nulls(client_record const& rec) noexcept
{
    return rec.metadata.client_name ? 0u : 1u << 9;
}

/** The transaction a batch of writes shares (detail::group_commit): BEGIN
    on a pooled connection, a savepoint per write, one COMMIT, all within one
    call_timeout; rolled back if destroyed before it committed. */
class pg_batch {
public:
    using pool_type = connection_pool<pg_connection>;

    explicit pg_batch(pool_type& pool) : pool_(&pool), c_(pool.take()) { c_->start_call(); }
    pg_batch(pg_batch&& o) noexcept
        : pool_(o.pool_), c_(std::move(o.c_)), txid_(std::move(o.txid_)), open_(std::exchange(o.open_, false))
    {}
    pg_batch& operator=(pg_batch&&) = delete;
    ~pg_batch()
    {
        if (open_ && !c_->lost())
            c_->command("ROLLBACK");
    }

    pg_connection& connection() const noexcept { return *c_; }

    /** BEGIN, keeping the transaction's id; a connection the server dropped
        while idle is re-established first (nothing was sent on it yet). */
    result<void> begin()
    {
        if (!c_->lost() && start())
            return {};
        if (c_->timed_out())
            return failed();
        if (auto r = c_->connect(); !r)
            return storage_failed(pool_->log(), "connect", r.error().description);
        if (start())
            return {};
        return failed();
    }
    result<void> savepoint() { return command("SAVEPOINT oauthreg_write"); }
    result<void> release() { return command("RELEASE oauthreg_write"); }
    result<void> rollback_to() { return command("ROLLBACK TO oauthreg_write; RELEASE oauthreg_write"); }

    /** COMMIT. If its reply is lost with the connection, a new connection asks
        the server whether the transaction committed (`txid_status`), so a
        batch that landed is neither reported failed nor written twice. */
    result<void> commit()
    {
        open_ = false;
        auto r = c_->query("COMMIT");
        if (PQresultStatus(r.get()) == PGRES_COMMAND_OK && std::string_view(PQcmdStatus(r.get())) == "COMMIT")
            return {};
        if (!c_->lost() || c_->timed_out() || !c_->connect())
            return failed(r.get());
        auto st = c_->run(pg_connection::xact_status, std::span(&txid_, 1));
        if (PQresultStatus(st.get()) == PGRES_TUPLES_OK && std::string_view(PQgetvalue(st.get(), 0, 0)) == "committed")
            return {};
        return failed(st.get());
    }

private:
    bool start()
    {
        open_ = true;
        auto r = c_->query("BEGIN; SELECT txid_current()");
        if (PQresultStatus(r.get()) != PGRES_TUPLES_OK)
            return false;
        txid_ = PQgetvalue(r.get(), 0, 0);
        return true;
    }

    result<void> command(char const* sql)
    {
        auto r = c_->query(sql);
        if (PQresultStatus(r.get()) == PGRES_COMMAND_OK)
            return {};
        return failed(r.get());
    }

    error_info failed(PGresult const* r = nullptr) const { return storage_failed(pool_->log(), "write", c_->why(r)); }

    pool_type* pool_;
    pool_type::lease c_;
    std::string txid_; ///< the transaction's id, asked about when its COMMIT's reply is lost
    bool open_ = false;
};

} // namespace detail

/** A store in a PostgreSQL database, shared by every server instance that
    opens it.

    A pool of connections with prepared statements; `client_id` is the
    primary key (so two instances can never both insert one id); replacement
    is `UPDATE ... WHERE version = expected` (optimistic concurrency across
    instances); listing is a keyset seek on an (owner, client_id) index.
    The schema is created on first open under an advisory lock and tagged with
    a version; a database an older release wrote is migrated on open, under
    that lock and in one transaction (schema 1 to 2: `last_used_at`, `origin`,
    the reaper's index and the initial access tokens' table), and a newer
    one is refused.

    The client lifecycle (`lifecycle_storage`) lives in the database too,
    so several instances on one database agree: an insert under conditions
    spends the token's use and counts the organization's clients (under a
    transaction-scoped advisory lock per organization) in its own
    transaction; `last_used_at` is a column a use updates alone; the reaper
    deletes with `FOR UPDATE SKIP LOCKED`, in short batches, each row only if
    it is still idle.

    Server errors come back as `error::storage_failure` naming the operation;
    the server's own text goes to `postgres_options::log`. An id, owner or
    cursor that a text column cannot hold (not UTF-8, or a NUL) is answered
    without asking the server: not found, an empty page, an invalid cursor,
    or `error::invalid_identifier` for a record to store.

    Writes of clients (inserts, replacements, deletions) and revocations of
    tokens are group-committed: those made concurrently share one
    transaction and one COMMIT, each in its own savepoint (one failing write
    is undone alone), and each is answered once that COMMIT succeeded.

    A connection the server dropped is re-established and a read retried
    once, as is a batch's BEGIN; a batch whose COMMIT's reply is lost with
    its connection asks the server, on a new one, whether its transaction
    committed (`txid_status`), so it is neither lost nor reported twice. A
    connection lost in the middle of a batch fails that batch's writes.

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
        detail::pg_tables tables;
        std::string schema;
        detail::pg_settings const settings{std::move(opts.conninfo), opts.statement_timeout, opts.call_timeout};
        if (!opts.schema.empty()) {
            // Quoting needs a connection; the first one is made just for it.
            detail::pg_connection probe(settings, tables);
            probe.start_call();
            if (auto r = probe.connect_plain(); !r)
                return r.error();
            char* q = PQescapeIdentifier(probe.native(), opts.schema.data(), opts.schema.size());
            if (!q)
                return probe.fail("bad schema name").error();
            schema = q;
            PQfreemem(q);
            for (auto* name : {&tables.clients, &tables.tokens, &tables.assertions, &tables.meta, &tables.counts,
                               &tables.count_function})
                *name = schema + "." + *name;
        }
        auto pool = std::make_unique<pool_type>(std::move(opts.log));
        for (std::size_t i = 0; i < opts.connections; ++i) {
            auto c = std::make_unique<detail::pg_connection>(settings, tables);
            if (i == 0) {
                // Connect once without statements to create what they refer to.
                detail::pg_connection admin(settings, tables);
                admin.start_call();
                if (auto r = migrate(admin, schema, tables); !r)
                    return r.error();
            }
            c->start_call();
            if (auto r = c->connect(); !r)
                return r.error();
            pool->add(std::move(c));
        }
        return postgres_storage(std::move(pool), tables.clients);
    }

    postgres_storage(postgres_storage&&) noexcept = default; ///< takes over the pool
    /** Takes over the pool. @return *this */
    postgres_storage& operator=(postgres_storage&&) noexcept = default;

    /** @copydoc basic_memory_storage::insert */
    result<void> insert(client_record rec)
    {
        auto const params = insert_params(rec);
        if (!params)
            return params.error();
        return batch_->run([&](write_batch& tx) -> result<void> { return insert_row(tx.connection(), rec, *params); },
                           "insert");
    }

    /** In a write transaction (shared with concurrent writes, each in its
        savepoint): spends the initial access token's use (`UPDATE ...
        WHERE uses < max_uses`: its row lock makes concurrent spenders, on
        any instance, wait and check again), takes the organization's
        transaction-scoped advisory lock and counts its clients, then
        inserts. Any failure rolls back this write, the token's use included;
        writes of one batch run one after the other, so each sees those before it.
        @param rec the record
        @param conditions the quota and the token to spend (see @ref insert_conditions)
        @return nothing, `client_exists`, `quota_exceeded`,
        `invalid_initial_access_token`, `invalid_identifier` or `storage_failure` */
    result<void> insert(client_record rec, insert_conditions const& conditions)
    {
        auto const params = insert_params(rec);
        if (!params)
            return params.error();
        auto const& token = conditions.initial_access_token;
        std::array<std::string, 3> const spend{token ? bytea_of(*token) : std::string(), rec.owner.org_id,
                                               std::to_string(conditions.now)};
        // Keyed on the table too: stores in other schemas do not wait on each other.
        std::array<std::string, 1> const lock{"oauthreg quota " + clients_ + " " + rec.owner.org_id};
        std::array<std::string, 1> const org{rec.owner.org_id};
        return batch_->run(
            [&](write_batch& tx) -> result<void> {
                auto& c = tx.connection();
                if (token) {
                    auto r = c.run(conn::spend_token, spend);
                    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK)
                        return failed(c, "insert", r.get());
                    if (std::string_view(PQcmdTuples(r.get())) != "1")
                        return make_error(error::invalid_initial_access_token, "");
                }
                if (conditions.max_clients_per_org > 0) {
                    // The count is its own statement, so its snapshot is taken
                    // once the lock is held: it sees every insert that held it before.
                    auto l = c.run(conn::quota_lock, lock);
                    if (PQresultStatus(l.get()) != PGRES_TUPLES_OK)
                        return failed(c, "insert", l.get());
                    auto n = c.run(conn::count_org, org);
                    if (PQresultStatus(n.get()) != PGRES_TUPLES_OK)
                        return failed(c, "insert", n.get());
                    if (integer_of(n.get(), 0) >= static_cast<std::int64_t>(conditions.max_clients_per_org))
                        return make_error(error::quota_exceeded, "org_id");
                }
                return insert_row(c, rec, *params);
            },
            "insert");
    }

    /** Records a use: `UPDATE ... SET last_used_at` only when later; the
        record's text and version are not written.
        @param id a client_id
        @param used_at the time of the use
        @return nothing, `client_not_found`, or `storage_failure` */
    result<void> touch(std::string_view id, unix_seconds used_at)
    {
        if (!detail::pg_text(id))
            return make_error(error::client_not_found, "client_id");
        std::array<std::string, 2> const params{std::string(id), std::to_string(used_at)};
        return with_connection<void>([&](conn& c, bool) -> result<void> {
            auto r = c.run(conn::touch, params);
            if (PQresultStatus(r.get()) != PGRES_COMMAND_OK)
                return failed(c, "touch", r.get());
            if (std::string_view(PQcmdTuples(r.get())) == "1")
                return {};
            auto e = c.run(sql::exists, std::span(params).first(1)); // a later use, or no such client
            if (PQresultStatus(e.get()) != PGRES_TUPLES_OK)
                return failed(c, "touch", e.get());
            if (PQntuples(e.get()) == 0)
                return make_error(error::client_not_found, "client_id");
            return {};
        });
    }

    /** Deletes at most `q.limit` idle clients, in batches of at most 1000,
        each one short statement: `DELETE ... WHERE client_id IN (SELECT ...
        LIMIT n FOR UPDATE SKIP LOCKED) AND <still idle>`, on the index of
        `GREATEST(created_at, last_used_at)`. Registrations never wait for it.
        @param q which clients, and how many at most
        @return how many were deleted, or `storage_failure` */
    result<std::size_t> reap(reap_query const& q)
    {
        constexpr std::size_t batch = 1000;
        std::size_t deleted = 0;
        while (deleted < q.limit) {
            auto const n = std::min(batch, q.limit - deleted);
            std::array<std::string, 3> const params{std::to_string(q.idle_since),
                                                    q.origin ? std::string(to_string(*q.origin)) : std::string(),
                                                    std::to_string(n)};
            // A retry after a lost reply deletes more idle clients, never a used one.
            auto gone = with_connection<std::size_t>([&](conn& c, bool) -> result<std::size_t> {
                auto r = c.run(conn::reap, params);
                if (PQresultStatus(r.get()) != PGRES_COMMAND_OK)
                    return failed(c, "reap", r.get());
                return static_cast<std::size_t>(std::stoull(PQcmdTuples(r.get())));
            });
            if (!gone)
                return gone.error();
            deleted += *gone;
            if (*gone < n)
                break;
        }
        return deleted;
    }

    /** @param q which clients (`q.limit` is ignored)
        @return how many @ref reap would delete, all batches together */
    result<std::size_t> count_idle(reap_query const& q) const
    {
        std::array<std::string, 2> const params{std::to_string(q.idle_since),
                                                q.origin ? std::string(to_string(*q.origin)) : std::string()};
        return with_connection<std::size_t>([&](conn& c, bool) -> result<std::size_t> {
            auto r = c.run(conn::count_idle, params);
            if (PQresultStatus(r.get()) != PGRES_TUPLES_OK)
                return failed(c, "count_idle", r.get());
            return static_cast<std::size_t>(integer_of(r.get(), 0));
        });
    }

    /** Stores an initial access token (RFC 7591 3).
        @param t the token's record (its hash, never the token)
        @return nothing, `client_exists` when its id or hash is taken,
        `invalid_identifier` for an id the database cannot hold, or `storage_failure` */
    result<void> insert_token(initial_access_token_record t)
    {
        for (auto [field, value] :
             {std::pair<char const*, std::string_view>{"id", t.id}, {"org_id", t.org_id}, {"user_id", t.user_id}})
            if (!detail::pg_text(value))
                return make_error(error::invalid_identifier, field);
        std::array<std::string, 8> const params{t.id,
                                                bytea_of(t.token_hash),
                                                t.org_id,
                                                t.user_id,
                                                std::to_string(t.max_uses),
                                                std::to_string(t.uses),
                                                std::to_string(t.expires_at),
                                                std::to_string(t.created_at)};
        return with_connection<void>([&](conn& c, bool retry) -> result<void> {
            auto r = c.run(conn::insert_token, params);
            if (PQresultStatus(r.get()) != PGRES_COMMAND_OK)
                return failed(c, "insert_token", r.get());
            if (std::string_view(PQcmdTuples(r.get())) == "1")
                return {};
            if (retry) { // our first attempt may have landed before the connection dropped
                auto same = find_token_on(c, t.token_hash);
                if (same && same->id == t.id && same->org_id == t.org_id)
                    return {};
            }
            return make_error(error::client_exists, "id");
        });
    }

    /** @param hash a presented token's hash
        @return its record, `invalid_initial_access_token`, or `storage_failure` */
    result<initial_access_token_record> find_token(secret_hash const& hash) const
    {
        return with_connection<initial_access_token_record>(
            [&](conn& c, bool) -> result<initial_access_token_record> { return find_token_on(c, hash); });
    }

    /** @param org_id an organization
        @return its tokens, newest first (then by id), spent and expired ones included */
    result<std::vector<initial_access_token_record>> list_tokens(std::string_view org_id) const
    {
        using tokens = std::vector<initial_access_token_record>;
        if (!detail::pg_text(org_id))
            return tokens{};
        std::array<std::string, 1> const params{std::string(org_id)};
        return with_connection<tokens>([&](conn& c, bool) -> result<tokens> {
            auto r = c.run(conn::list_tokens, params);
            if (PQresultStatus(r.get()) != PGRES_TUPLES_OK)
                return failed(c, "list_tokens", r.get());
            tokens out;
            for (int i = 0, n = PQntuples(r.get()); i < n; ++i)
                out.push_back(token_of(r.get(), i));
            return out;
        });
    }

    /** Revokes a token, in the manner of @ref erase(std::string_view).
        @param org_id the caller's organization
        @param id the token's id
        @return nothing, `client_not_found` (unknown, or another
        organization's), or `storage_failure` */
    result<void> erase_token(std::string_view org_id, std::string_view id)
    {
        if (!detail::pg_text(org_id) || !detail::pg_text(id))
            return make_error(error::client_not_found, "id");
        auto r = erase_where(conn::erase_token, {std::string(org_id), std::string(id)});
        if (!r && r.error().kind() == error::client_not_found)
            return make_error(error::client_not_found, "id");
        return r;
    }

    /** One statement, `INSERT ... ON CONFLICT (client_id, jti) DO UPDATE
        SET expires_at = EXCLUDED.expires_at WHERE seen_assertions.expires_at
        < now`: true when it affected a row. Concurrent calls with one pair,
        from any instance on the database, wait on the first one's row, so
        exactly one of them is true. At every 128th call of a connection, a
        `DELETE` of at most 256 expired rows, found on the expiry's index,
        follows; if it fails, the failure goes to the log and the answer
        stands. Retried after a dropped connection, a call whose first
        attempt had landed answers false: a lost reply costs a legitimate
        assertion, never lets a replay through.
        @copydetails basic_memory_storage::remember_assertion */
    result<bool> remember_assertion(std::string_view client_id, std::string_view jti, unix_seconds expires_at,
                                    unix_seconds now)
    {
        if (auto ok = detail::check_assertion_ids(client_id, jti); !ok)
            return ok.error();
        std::array<std::string, 4> const params{std::string(client_id), std::string(jti), std::to_string(expires_at),
                                                std::to_string(now)};
        return with_connection<bool>([&](conn& c, bool) -> result<bool> {
            auto r = c.run(conn::remember_assertion, params);
            if (PQresultStatus(r.get()) != PGRES_COMMAND_OK)
                return failed(c, "remember_assertion", r.get());
            bool const stored = std::string_view(PQcmdTuples(r.get())) == "1";
            if (c.sweep_due()) {
                auto d = c.run(conn::sweep_assertions, std::span(params).last(1));
                if (PQresultStatus(d.get()) != PGRES_COMMAND_OK)
                    detail::log_failure(pool_->log(), "remember_assertion (deleting expired ones)", c.why(d.get()));
            }
            return stored;
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
            auto rec = detail::decode_found(pool_->log(), text_of(r.get(), 0));
            if (rec)
                rec->last_used_at = integer_of(r.get(), 0, 1);
            return rec;
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
        auto page = detail::page_column_params(rec);
        std::array<std::string, 12> params{rec.client_id,
                                           rec.owner.org_id,
                                           rec.owner.user_id,
                                           std::to_string(rec.version),
                                           std::to_string(rec.updated_at),
                                           text,
                                           std::to_string(expected_version),
                                           std::to_string(rec.created_at),
                                           std::string(to_string(rec.origin)),
                                           std::move(page[0]),
                                           std::move(page[1]),
                                           std::move(page[2])};
        return batch_->run(
            [&](write_batch& tx) -> result<void> {
                auto& c = tx.connection();
                auto r = c.run(sql::update, params, detail::page_column_nulls(rec));
                if (PQresultStatus(r.get()) != PGRES_COMMAND_OK)
                    return failed(c, "replace", r.get());
                if (std::string_view(PQcmdTuples(r.get())) == "1")
                    return {};
                if (!stored_text(c, rec.client_id))
                    return make_error(error::client_not_found, "client_id");
                return make_error(error::version_conflict, "client_id");
            },
            "replace");
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
        detail::last_used_column used;
        auto page = detail::keyset_page(filter, limit, cursor, detail::pg_text, [&](auto const& q, auto&& row) {
            std::vector<std::string> params{q.after, std::to_string(q.rows)};
            params.insert(params.end(), q.owner_ids.begin(), q.owner_ids.end());
            return with_connection<void>([&](conn& c, bool) -> result<void> {
                auto r = c.run(q.statement, params);
                if (PQresultStatus(r.get()) != PGRES_TUPLES_OK)
                    return failed(c, "list", r.get());
                // Rows arrive only once the query succeeded: a retried attempt adds none twice.
                int const rows = PQntuples(r.get());
                for (int i = 0; i < rows && row(text_of(r.get(), i, 2), text_of(r.get(), i)); ++i)
                    used.emplace_back(text_of(r.get(), i, 2), integer_of(r.get(), i, 1));
                return {};
            });
        });
        if (page)
            detail::set_last_used(*page, used);
        return page;
    }

    /** A page of `GET /oauth_clients` in SQL (a paging_storage): every
        filter is a condition on schema 4's columns, the page is `ORDER BY
        client_id LIMIT OFFSET` on an index, and only its rows are decoded.
        The total is the organization's counts (schema 4's triggers keep
        them) when it is the only filter, else a `count(*)` of the same
        conditions on the listing's index, in the same `REPEATABLE READ`
        transaction as the rows, so they agree. A page past the total is not
        read, and one past its middle is counted from the end
        (detail::page_window). A row
        on the page that cannot be decoded is left out (and logged), but
        counted. A name fragment PostgreSQL text cannot hold (part of a
        character) is left to the scan, detail::page_by_list.
        @param q whose clients, the filters, the page number and size (already checked)
        @return the page and the totals */
    result<client_page> page(client_page_query const& q) const
    {
        auto const p = detail::postgres_page(q);
        if (p.scan)
            return detail::page_by_list(*this, q);
        client_page out;
        detail::set_page_totals(out, q, 0);
        if (p.nothing)
            return out;
        auto const text = detail::page_statements(p, clients_, '$');
        std::vector<std::string> params;
        for (auto const& v : p.values)
            params.push_back(std::visit(
                [](auto const& x) {
                    if constexpr (std::is_same_v<std::decay_t<decltype(x)>, std::string>)
                        return x;
                    else
                        return std::to_string(x);
                },
                v));
        return with_connection<client_page>([&](conn& c, bool) -> result<client_page> {
            auto page = out;
            if (!c.command("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
                return failed(c, "page");
            auto done = [&c](result<client_page> r) {
                c.command(r ? "COMMIT" : "ROLLBACK");
                return r;
            };
            auto n = p.org_total ? c.run(conn::count_org, std::array<std::string, 1>{params[0]})
                                 : c.query(text.count, params);
            if (PQresultStatus(n.get()) != PGRES_TUPLES_OK)
                return done(failed(c, "page", n.get()));
            auto const total = static_cast<std::uint64_t>(integer_of(n.get(), 0));
            detail::set_page_totals(page, q, total);
            if (static_cast<std::uint64_t>(p.offset) >= total)
                return done(page);
            auto const w = detail::page_window(p, total);
            auto with_page = params;
            with_page.push_back(std::to_string(w.limit));
            with_page.push_back(std::to_string(w.offset));
            auto r = c.query(w.from_end ? text.rows_back : text.rows, with_page);
            if (PQresultStatus(r.get()) != PGRES_TUPLES_OK)
                return done(failed(c, "page", r.get()));
            for (int i = 0; i < PQntuples(r.get()); ++i) {
                auto rec = decode_record(text_of(r.get(), i));
                if (!rec) {
                    detail::log_failure(pool_->log(), "page", rec.error().description);
                    continue;
                }
                rec->last_used_at = integer_of(r.get(), i, 1);
                page.clients.push_back(std::move(*rec));
            }
            return done(std::move(page));
        });
    }

    /** @return how many writes (of clients and tokens' revocations) ran, and
        in how many transactions (group commit) */
    detail::group_commit_stats write_batches() const { return batch_->stats(); }

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
    using write_batch = detail::pg_batch;
    using batcher = detail::group_commit<write_batch>;
    postgres_storage(std::unique_ptr<pool_type> p, std::string clients)
        : pool_(std::move(p)),
          batch_(std::make_unique<batcher>([pool = pool_.get()] { return result<write_batch>(write_batch(*pool)); })),
          clients_(std::move(clients))
    {}

    static std::string_view text_of(PGresult const* r, int row, int column = 0)
    {
        return {PQgetvalue(r, row, column), static_cast<std::size_t>(PQgetlength(r, row, column))};
    }

    /** A bigint column's value (0 for NULL). */
    static std::int64_t integer_of(PGresult const* r, int row, int column = 0)
    {
        auto const t = text_of(r, row, column);
        std::int64_t v = 0;
        std::from_chars(t.data(), t.data() + t.size(), v);
        return v;
    }

    /** A hash as a bytea parameter (hex input format). */
    static std::string bytea_of(secret_hash const& h)
    {
        static constexpr char digits[] = "0123456789abcdef";
        std::string out = "\\x";
        for (auto b : h) {
            out += digits[b >> 4];
            out += digits[b & 15];
        }
        return out;
    }

    /** A bytea column of 32 bytes, in the hex output format. */
    static secret_hash hash_of(PGresult const* r, int row, int column)
    {
        secret_hash h{};
        auto const t = text_of(r, row, column);
        auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
        if (t.size() == 2 + 2 * h.size() && t.starts_with("\\x"))
            for (std::size_t i = 0; i < h.size(); ++i)
                h[i] = static_cast<std::uint8_t>(nibble(t[2 + 2 * i]) << 4 | nibble(t[3 + 2 * i]));
        return h;
    }

    /** Row `row` of a token query (its columns in the order the statements name them). */
    static initial_access_token_record token_of(PGresult const* r, int row)
    {
        initial_access_token_record t;
        t.id = text_of(r, row, 0);
        t.token_hash = hash_of(r, row, 1);
        t.org_id = text_of(r, row, 2);
        t.user_id = text_of(r, row, 3);
        t.max_uses = static_cast<std::uint32_t>(integer_of(r, row, 4));
        t.uses = static_cast<std::uint32_t>(integer_of(r, row, 5));
        t.expires_at = integer_of(r, row, 6);
        t.created_at = integer_of(r, row, 7);
        return t;
    }

    result<initial_access_token_record> find_token_on(conn& c, secret_hash const& hash) const
    {
        auto r = c.run(conn::find_token, std::array<std::string, 1>{bytea_of(hash)});
        if (PQresultStatus(r.get()) != PGRES_TUPLES_OK)
            return failed(c, "find_token", r.get());
        if (PQntuples(r.get()) == 0)
            return make_error(error::invalid_initial_access_token, "");
        return token_of(r.get(), 0);
    }

    /** The parameters of the insert statement, the record's text seventh; or
        why the record cannot be stored. */
    static result<std::array<std::string, 12>> insert_params(client_record const& rec)
    {
        if (auto bad = detail::unholdable_id(rec, detail::pg_text))
            return *bad;
        auto text = encode_record(rec);
        if (!text)
            return text.error();
        auto page = detail::page_column_params(rec);
        return std::array<std::string, 12>{rec.client_id,
                                           rec.owner.org_id,
                                           rec.owner.user_id,
                                           std::to_string(rec.version),
                                           std::to_string(rec.created_at),
                                           std::to_string(rec.updated_at),
                                           std::move(*text),
                                           std::string(to_string(rec.origin)),
                                           std::to_string(rec.last_used_at),
                                           std::move(page[0]),
                                           std::move(page[1]),
                                           std::move(page[2])};
    }

    /** A call's storage_failure; the server's text goes to the log only. */
    error_info failed(conn const& c, std::string_view operation, PGresult const* r = nullptr) const
    {
        return detail::storage_failed(pool_->log(), operation, c.why(r));
    }

    /** The delete of @ref erase(std::string_view) and @ref erase_token, in
        a batch; for a client, `params` start with the client_id. */
    result<void> erase_where(std::size_t statement, std::vector<std::string> params)
    {
        return batch_->run(
            [&](write_batch& tx) -> result<void> {
                auto& c = tx.connection();
                auto r = c.run(statement, params);
                if (PQresultStatus(r.get()) != PGRES_TUPLES_OK)
                    return failed(c, "erase", r.get());
                if (PQntuples(r.get()) > 0)
                    return {};
                // Not deleted: the row may be there at another version.
                if (statement == sql::erase_version && stored_text(c, params[0]))
                    return make_error(error::version_conflict, "client_id");
                return make_error(error::client_not_found, "client_id");
            },
            "erase");
    }

    /** The plain insert on `c`, in its transaction (`params` from insert_params). */
    result<void> insert_row(conn& c, client_record const& rec, std::array<std::string, 12> const& params) const
    {
        auto r = c.run(sql::insert, params, detail::page_column_nulls(rec));
        if (PQresultStatus(r.get()) != PGRES_COMMAND_OK)
            return failed(c, "insert", r.get());
        if (std::string_view(PQcmdTuples(r.get())) != "1")
            return make_error(error::client_exists, "client_id");
        return {};
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

    /** Creates the schema, or brings an older one to @ref
        detail::postgres_schema_version, one step per version, all in one
        transaction under the advisory lock every opening store takes: stores
        opening one database at once, or an older one, agree, and a failed
        step leaves the database as it was. */
    static result<void> migrate(conn& admin, std::string const& schema, detail::pg_tables const& t)
    {
        if (auto r = admin.connect_plain(); !r)
            return r;
        if (auto r = admin.exec("BEGIN; SELECT pg_advisory_xact_lock(7591759201)"); !r)
            return r;
        auto body = [&]() -> result<void> {
            if (!schema.empty())
                if (auto r = admin.exec("CREATE SCHEMA IF NOT EXISTS " + schema); !r)
                    return r;
            if (auto r = admin.exec("CREATE TABLE IF NOT EXISTS " + t.meta + " (version integer NOT NULL)"); !r)
                return r;
            auto v = admin.query(("SELECT max(version) FROM " + t.meta).c_str());
            if (PQresultStatus(v.get()) != PGRES_TUPLES_OK)
                return admin.fail("schema", v.get());
            int version = PQgetisnull(v.get(), 0, 0) ? 0 : std::atoi(PQgetvalue(v.get(), 0, 0));
            if (version == detail::postgres_schema_version)
                return {};
            if (version < 0 || version > detail::postgres_schema_version)
                return make_error(error::storage_failure, "",
                                  "database schema version " + std::to_string(version) +
                                      " is not one this oauthreg reads (" +
                                      std::to_string(detail::postgres_schema_version) + ")");
            if (version == 0)
                if (auto r = create_v1(admin, t); !r)
                    return r;
            if (version < 2)
                if (auto r = migrate_to_v2(admin, t); !r)
                    return r;
            if (version < 3)
                if (auto r = migrate_to_v3(admin, t); !r)
                    return r;
            return migrate_to_v4(admin, t);
        };
        auto r = body();
        if (!r) {
            admin.exec("ROLLBACK");
            return r;
        }
        return admin.exec("COMMIT");
    }

    /** Schema 1, as the first release made it; a new database then takes
        the same steps as one that release wrote. */
    static result<void> create_v1(conn& admin, detail::pg_tables const& t)
    {
        // COLLATE "C" orders client_id bytewise, as every other store does.
        return admin.exec("CREATE TABLE " + t.clients +
                          " ("
                          " client_id text COLLATE \"C\" PRIMARY KEY,"
                          " org_id text COLLATE \"C\" NOT NULL,"
                          " user_id text COLLATE \"C\" NOT NULL,"
                          " version bigint NOT NULL,"
                          " created_at bigint NOT NULL,"
                          " updated_at bigint NOT NULL,"
                          " record text NOT NULL);"
                          "CREATE INDEX ON " +
                          t.clients + " (org_id, client_id);CREATE INDEX ON " + t.clients +
                          " (user_id, client_id);CREATE INDEX ON " + t.clients +
                          " (org_id, user_id, client_id);INSERT INTO " + t.meta + " VALUES (1)");
    }

    /** Schema 2 (docs/open-registration.md): `last_used_at` (0: never) and
        `origin` beside each record, filled from the record's text as
        @ref decode_record reads it (a record without "origin" came through
        registration if it holds a registration token hash, else through the
        record API), `created_at` set from the text again, the reaper's index,
        and the initial access tokens' table. Rows are read through a cursor,
        a thousand at a time, each batch within its own `call_timeout`. A row
        whose text cannot be decoded keeps a NULL origin: it is kept, listed
        as unreadable, and reaped only by a reaper of any origin. */
    static result<void> migrate_to_v2(conn& admin, detail::pg_tables const& t)
    {
        if (auto r = admin.exec("ALTER TABLE " + t.clients +
                                " ADD COLUMN last_used_at bigint NOT NULL DEFAULT 0,"
                                " ADD COLUMN origin text COLLATE \"C\";"
                                "DECLARE oauthreg_v1_rows NO SCROLL CURSOR FOR SELECT client_id, record FROM " +
                                t.clients);
            !r)
            return r;
        std::string const fill =
            "UPDATE " + t.clients +
            " AS c SET origin = v.origin, created_at = v.created_at"
            " FROM jsonb_to_recordset($1::jsonb) AS v(client_id text, origin text, created_at bigint)"
            " WHERE c.client_id = v.client_id COLLATE \"C\"";
        for (;;) {
            admin.start_call();
            auto rows = admin.query("FETCH 1000 FROM oauthreg_v1_rows");
            if (PQresultStatus(rows.get()) != PGRES_TUPLES_OK)
                return admin.fail("schema", rows.get());
            int const n = PQntuples(rows.get());
            if (n == 0)
                break;
            boost::json::array batch;
            for (int i = 0; i < n; ++i) {
                auto rec = decode_record(text_of(rows.get(), i, 1));
                if (rec)
                    batch.push_back(boost::json::object{{"client_id", text_of(rows.get(), i)},
                                                        {"origin", to_string(rec->origin)},
                                                        {"created_at", rec->created_at}});
            }
            if (batch.empty())
                continue;
            auto r = admin.query(fill.c_str(), boost::json::serialize(batch));
            if (PQresultStatus(r.get()) != PGRES_COMMAND_OK)
                return admin.fail("schema", r.get());
        }
        admin.start_call();
        return admin.exec("CLOSE oauthreg_v1_rows;"
                          "CREATE INDEX ON " +
                          t.clients + " ((GREATEST(created_at, last_used_at)), origin);CREATE TABLE " + t.tokens +
                          " ("
                          " id text COLLATE \"C\" PRIMARY KEY,"
                          " token_hash bytea NOT NULL UNIQUE,"
                          " org_id text COLLATE \"C\" NOT NULL,"
                          " user_id text COLLATE \"C\" NOT NULL,"
                          " max_uses bigint NOT NULL,"
                          " uses bigint NOT NULL,"
                          " expires_at bigint NOT NULL,"
                          " created_at bigint NOT NULL);"
                          "CREATE INDEX ON " +
                          t.tokens + " (org_id, created_at DESC, id);UPDATE " + t.meta + " SET version = 2");
    }

    /** Schema 3: the remembered client assertions (assertion_replay_storage)
        and the index on their expiry that the bounded deletion reads. */
    static result<void> migrate_to_v3(conn& admin, detail::pg_tables const& t)
    {
        admin.start_call();
        return admin.exec("CREATE TABLE " + t.assertions +
                          " ("
                          " client_id text COLLATE \"C\" NOT NULL,"
                          " jti text COLLATE \"C\" NOT NULL,"
                          " expires_at bigint NOT NULL,"
                          " PRIMARY KEY (client_id, jti));"
                          "CREATE INDEX ON " +
                          t.assertions + " (expires_at);UPDATE " + t.meta + " SET version = 3");
    }

    /** Schema 4: the columns the listing filters on, filled from each row's
        decoded record through a cursor (as schema 2's), and the name's index
        (an exact `filter[name]` is then a range of it, in client_id order).
        A row that cannot be decoded keeps the defaults (no name, type -1, no
        grant), which only an unfiltered listing selects. The listing's index
        holds, in client_id order, every column a filter reads, so a page's
        offset and a filtered count are walked on it alone (index-only once
        vacuumed); then the clients per organization (create_counts). */
    static result<void> migrate_to_v4(conn& admin, detail::pg_tables const& t)
    {
        admin.start_call();
        if (auto r = admin.exec("ALTER TABLE " + t.clients +
                                " ADD COLUMN client_name text COLLATE \"C\","
                                " ADD COLUMN client_type integer NOT NULL DEFAULT -1,"
                                " ADD COLUMN grant_types bigint NOT NULL DEFAULT 0;"
                                "DECLARE oauthreg_v3_rows NO SCROLL CURSOR FOR SELECT client_id, record FROM " +
                                t.clients);
            !r)
            return r;
        std::string const fill = "UPDATE " + t.clients +
                                 " AS c SET client_name = v.client_name, client_type = v.client_type,"
                                 " grant_types = v.grant_types FROM jsonb_to_recordset($1::jsonb) AS v(client_id"
                                 " text, client_name text, client_type integer, grant_types bigint)"
                                 " WHERE c.client_id = v.client_id COLLATE \"C\"";
        for (;;) {
            admin.start_call();
            auto rows = admin.query("FETCH 1000 FROM oauthreg_v3_rows");
            if (PQresultStatus(rows.get()) != PGRES_TUPLES_OK)
                return admin.fail("schema", rows.get());
            int const n = PQntuples(rows.get());
            if (n == 0)
                break;
            boost::json::array batch;
            for (int i = 0; i < n; ++i) {
                auto rec = decode_record(text_of(rows.get(), i, 1));
                if (!rec)
                    continue;
                boost::json::value name = nullptr;
                if (rec->metadata.client_name)
                    name = boost::json::string(*rec->metadata.client_name);
                batch.push_back(boost::json::object{{"client_id", text_of(rows.get(), i)},
                                                    {"client_name", std::move(name)},
                                                    {"client_type", detail::client_type_column(*rec)},
                                                    {"grant_types", detail::grant_type_bits(rec->metadata)}});
            }
            if (batch.empty())
                continue;
            auto r = admin.query(fill.c_str(), boost::json::serialize(batch));
            if (PQresultStatus(r.get()) != PGRES_COMMAND_OK)
                return admin.fail("schema", r.get());
        }
        admin.start_call();
        if (auto r = admin.exec("CLOSE oauthreg_v3_rows;CREATE INDEX ON " + t.clients +
                                " (org_id, client_name, client_id);CREATE INDEX ON " + t.clients +
                                " (org_id, client_type, client_id);CREATE INDEX ON " + t.clients +
                                " (org_id, client_id) INCLUDE (client_type, grant_types, origin, last_used_at,"
                                " created_at, user_id, client_name)");
            !r)
            return r;
        if (auto r = create_counts(admin, t); !r)
            return r;
        return admin.exec("UPDATE " + t.meta + " SET version = 4");
    }

    /** Schema 4's clients per organization, kept by a trigger in the
        transaction of every insert, delete and change of owner, so a
        listing's total and a quota read at most 16 rows, not 10^6 index
        entries. An organization's count is split in 16 shards: one counter row would make
        every registration of an organization wait for the one before it to
        commit, so a write adds to the shard of its server process (the low
        4 bits of its pid), and the sum of the shards is the count. */
    static result<void> create_counts(conn& admin, detail::pg_tables const& t)
    {
        std::string const shard = "pg_backend_pid() & 15";
        auto const add = [&](char const* row, char const* delta) {
            return "INSERT INTO " + t.counts + " AS k VALUES (" + row + ".org_id, " + shard + ", " + delta +
                   ") ON CONFLICT (org_id, shard) DO UPDATE SET clients = k.clients + " + delta + ";";
        };
        return admin.exec(
            "CREATE TABLE " + t.counts +
            " (org_id text COLLATE \"C\" NOT NULL, shard integer NOT NULL, clients bigint NOT NULL,"
            " PRIMARY KEY (org_id, shard));INSERT INTO " + t.counts + " SELECT org_id, 0, count(*) FROM " + t.clients +
            " GROUP BY org_id;CREATE FUNCTION " + t.count_function +
            "() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN IF TG_OP <> 'INSERT' THEN " + add("OLD", "-1") +
            " END IF; IF TG_OP <> 'DELETE' THEN " + add("NEW", "1") + " END IF; RETURN NULL; END $f$;" +
            "CREATE TRIGGER oauthreg_counted AFTER INSERT OR DELETE ON " + t.clients +
            " FOR EACH ROW EXECUTE FUNCTION " + t.count_function + "();CREATE TRIGGER oauthreg_recounted AFTER UPDATE OF"
            " org_id ON " + t.clients + " FOR EACH ROW WHEN (OLD.org_id IS DISTINCT FROM NEW.org_id) EXECUTE FUNCTION " +
            t.count_function + "()");
    }

    // Behind pointers so the store moves; never null in a store open() made.
    std::unique_ptr<pool_type> pool_;
    std::unique_ptr<batcher> batch_; ///< every write of a client (and a token's revocation) goes through it
    std::string clients_; ///< the clients table's name, part of the quota locks' keys
};

static_assert(versioned_erase_storage<postgres_storage>);
static_assert(lifecycle_storage<postgres_storage>);
static_assert(assertion_replay_storage<postgres_storage>);
static_assert(paging_storage<postgres_storage>);

} // namespace oauthreg

#endif
