//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_STORAGE_SQLITE_HPP
#define OAUTHREG_STORAGE_SQLITE_HPP

// Optional backend: link SQLite 3 (CMake `oauthreg::sqlite`, Meson
// `oauthreg_sqlite_dep`, Debian `libsqlite3-dev`).

#include <oauthreg/storage/assertion_replay.hpp>
#include <oauthreg/storage/codec.hpp>
#include <oauthreg/storage/concept.hpp>
#include <oauthreg/storage/cursor.hpp>
#include <oauthreg/storage/detail/group_commit.hpp>
#include <oauthreg/storage/detail/sql_common.hpp>
#include <oauthreg/storage/lifecycle.hpp>

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace oauthreg {

/** How an acknowledged write is made durable (SQLite `PRAGMA synchronous` in WAL mode). */
enum class sqlite_durability : std::uint8_t {
    /** fsync at every commit: a write survives power loss as well as a crash. */
    full,
    /** fsync at checkpoints only: a write survives the process being killed,
        the last ones may be lost on power loss; several times faster. */
    normal
};

/** Where and how @ref sqlite_storage keeps its records. */
struct sqlite_options {
    std::string path{};                                     ///< the database file, created if absent
    sqlite_durability durability = sqlite_durability::full; ///< when writes reach the disk
    std::size_t connections = 4;                            ///< pool size: concurrent readers
    /** The longest a call waits for another connection's write lock (a
        writer in this or another process, `BEGIN IMMEDIATE`); then it is
        `storage_failure`. Readers never wait (WAL). Zero: fail at once. */
    std::chrono::milliseconds busy_timeout{5'000};
    /** Receives SQLite's own text when a call fails; the call's error names
        only the operation. (open() errors keep the full reason.) */
    storage_log log{};
};

namespace detail {

/** 1: the clients table. 2: `last_used_at` and `origin` columns, the
    reaper's index, the initial access tokens table (docs/open-registration.md).
    3: the remembered client assertions (RFC 7523 `jti`). 4: the columns the
    listing filters on (`client_name`, `client_type`, `grant_types`), an
    index on the name, and the clients per organization kept by triggers. */
inline constexpr int sqlite_schema_version = 4;

/** Schema version 1, as the releases before the client lifecycle made it;
    a new file is made at version 1, then migrated like an old one. */
inline constexpr char const* sqlite_schema_v1 =
    "CREATE TABLE oauth_clients ("
    " client_id TEXT NOT NULL PRIMARY KEY,"
    " org_id TEXT NOT NULL,"
    " user_id TEXT NOT NULL,"
    " version INTEGER NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL,"
    " record TEXT NOT NULL"
    ") WITHOUT ROWID;"
    "CREATE INDEX oauth_clients_by_org ON oauth_clients(org_id, client_id);"
    "CREATE INDEX oauth_clients_by_user ON oauth_clients(user_id, client_id);"
    "CREATE INDEX oauth_clients_by_owner ON oauth_clients(org_id, user_id, client_id);"
    "PRAGMA user_version = 1;";

/** Version 1 to 2. `last_used_at` lives beside the record text (a use is
    not an update); `origin` is filled from the text as @ref decode_record
    reads it: the text's own, else "registration" for a record with an RFC
    7592 token, else "api" (also for a row whose text is not JSON, which
    stays unreadable but kept). created_at has been a column since version 1.
    The default of `origin` is the origin the reaper spares by default. */
inline constexpr char const* sqlite_migrate_v1_v2 =
    "ALTER TABLE oauth_clients ADD COLUMN last_used_at INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE oauth_clients ADD COLUMN origin TEXT NOT NULL DEFAULT 'api';"
    "UPDATE oauth_clients SET origin = CASE"
    " WHEN NOT json_valid(record) THEN 'api'"
    " WHEN json_type(record, '$.origin') IS NOT NULL THEN"
    "  CASE WHEN json_extract(record, '$.origin') IN ('registration', 'api')"
    "   THEN json_extract(record, '$.origin') ELSE 'api' END"
    " WHEN json_type(record, '$.registration_token_hash') = 'text' THEN 'registration'"
    " ELSE 'api' END;"
    // The reaper's query: one origin (or each), newest of created_at and
    // last_used_at before the cut-off; only idle clients are visited.
    "CREATE INDEX oauth_clients_idle ON oauth_clients(origin, max(created_at, last_used_at));"
    "CREATE TABLE oauth_initial_access_tokens ("
    " id TEXT NOT NULL PRIMARY KEY,"
    " token_hash BLOB NOT NULL UNIQUE,"
    " org_id TEXT NOT NULL,"
    " user_id TEXT NOT NULL,"
    " max_uses INTEGER NOT NULL,"
    " uses INTEGER NOT NULL,"
    " expires_at INTEGER NOT NULL,"
    " created_at INTEGER NOT NULL"
    ") WITHOUT ROWID;"
    "CREATE INDEX oauth_initial_access_tokens_by_org ON oauth_initial_access_tokens(org_id, created_at);"
    "PRAGMA user_version = 2;";

/** Version 2 to 3: the remembered client assertions (assertion_replay_storage),
    and the index on their expiry that the bounded deletion reads. */
inline constexpr char const* sqlite_migrate_v2_v3 =
    "CREATE TABLE seen_assertions ("
    " client_id TEXT NOT NULL,"
    " jti TEXT NOT NULL,"
    " expires_at INTEGER NOT NULL,"
    " PRIMARY KEY (client_id, jti)"
    ") WITHOUT ROWID;"
    "CREATE INDEX seen_assertions_by_expiry ON seen_assertions(expires_at);"
    "PRAGMA user_version = 3;";

/** Version 3 to 4, before its rows are filled (sqlite_connection::fill_page_columns). */
inline constexpr char const* sqlite_migrate_v3_v4_columns =
    "ALTER TABLE oauth_clients ADD COLUMN client_name TEXT;"
    "ALTER TABLE oauth_clients ADD COLUMN client_type INTEGER NOT NULL DEFAULT -1;"
    "ALTER TABLE oauth_clients ADD COLUMN grant_types INTEGER NOT NULL DEFAULT 0;";

/** Version 3 to 4, once the rows are filled: the listing's index, the
    name's and the type's indexes (an exact `filter[name]` or
    `filter[client_type]` is a range of one, in client_id order) and each organization's count, which the triggers keep in the
    transaction of every write, so a listing's total and a quota are one row
    read, not a count. The listing's index holds, in client_id order, every
    column a filter reads: a page's offset and a filtered count are walked on
    it alone, and it replaces version 1's (org_id, client_id). */
inline constexpr char const* sqlite_migrate_v3_v4_counts =
    "CREATE INDEX oauth_clients_listing ON oauth_clients(org_id, client_id, client_type, grant_types, origin,"
    " last_used_at, created_at, user_id, client_name);"
    "DROP INDEX oauth_clients_by_org;"
    "CREATE INDEX oauth_clients_by_org_name ON oauth_clients(org_id, client_name, client_id);"
    "CREATE INDEX oauth_clients_by_org_type ON oauth_clients(org_id, client_type, client_id);"
    "CREATE TABLE oauth_client_counts ("
    " org_id TEXT NOT NULL PRIMARY KEY,"
    " clients INTEGER NOT NULL"
    ") WITHOUT ROWID;"
    "INSERT INTO oauth_client_counts SELECT org_id, count(*) FROM oauth_clients GROUP BY org_id;"
    "CREATE TRIGGER oauth_clients_counted AFTER INSERT ON oauth_clients BEGIN"
    " INSERT INTO oauth_client_counts(org_id, clients) VALUES(new.org_id, 1)"
    "  ON CONFLICT(org_id) DO UPDATE SET clients = clients + 1;"
    " END;"
    "CREATE TRIGGER oauth_clients_uncounted AFTER DELETE ON oauth_clients BEGIN"
    " UPDATE oauth_client_counts SET clients = clients - 1 WHERE org_id = old.org_id;"
    " END;"
    "CREATE TRIGGER oauth_clients_recounted AFTER UPDATE OF org_id ON oauth_clients"
    " WHEN new.org_id IS NOT old.org_id BEGIN"
    " UPDATE oauth_client_counts SET clients = clients - 1 WHERE org_id = old.org_id;"
    " INSERT INTO oauth_client_counts(org_id, clients) VALUES(new.org_id, 1)"
    "  ON CONFLICT(org_id) DO UPDATE SET clients = clients + 1;"
    " END;"
    "PRAGMA user_version = 4;";

/** The rows one step of the version 4 migration fills. */
inline constexpr int sqlite_fill_batch = 512;

/** A connection deletes expired assertions at every this many calls of its
    remember_assertion, at most @ref sqlite_assertion_sweep_rows at a time:
    twice as many as it remembered meanwhile, so they cannot pile up. */
inline constexpr std::uint32_t sqlite_assertion_sweep_every = 128;
/** The most expired assertions one deletion removes (one short write). */
inline constexpr std::uint32_t sqlite_assertion_sweep_rows = 256;

/** How many idle clients a reap deletes per write transaction. */
inline constexpr std::size_t sqlite_reap_batch = 256;

/** The SQLite store's own statements, prepared after the shared ones: those
    that know the columns of schema version 2 and the client lifecycle. The
    idleness test is `?1`, `?2` (origins) and `?3` (the cut-off) in each. */
struct sqlite_statements {
    enum id : std::size_t {
        insert_client = sql_statements::shared, ///< with origin and last_used_at
        find_client,                            ///< record, last_used_at
        update_client,                          ///< keeps last_used_at
        list_all_used,                          ///< list_* + last_used_at, in owner_query order
        list_org_used,
        list_user_used,
        list_owner_used,
        touch,
        org_count,
        spend_token,
        idle_ids,
        reap_one,
        count_idle,
        insert_token,
        find_token,
        list_tokens,
        erase_token,
        remember_assertion,
        sweep_assertions,
        begin_immediate,
        begin_read,
        commit,
        rollback,
        savepoint,
        release,
        rollback_to,
        end
    };

    static std::array<std::string, std::size_t{end} - sql_statements::shared> text()
    {
        std::string const idle = "origin IN (?1, ?2) AND max(created_at, last_used_at) < ?3";
        std::string const seek = "client_id > ?1 ORDER BY client_id LIMIT ?2";
        std::string const list = "SELECT record, client_id, last_used_at FROM oauth_clients WHERE ";
        std::string const token = "SELECT id, token_hash, org_id, user_id, max_uses, uses, expires_at, created_at"
                                  " FROM oauth_initial_access_tokens WHERE ";
        return {
            "INSERT INTO oauth_clients(client_id, org_id, user_id, version, created_at, updated_at, record, origin,"
            " last_used_at, client_name, client_type, grant_types)"
            " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) ON CONFLICT(client_id) DO NOTHING",
            "SELECT record, last_used_at FROM oauth_clients WHERE client_id = ?1",
            "UPDATE oauth_clients SET org_id = ?2, user_id = ?3, version = ?4, updated_at = ?5, record = ?6,"
            " origin = ?8, last_used_at = max(last_used_at, ?9), client_name = ?10, client_type = ?11,"
            " grant_types = ?12 WHERE client_id = ?1 AND version = ?7",
            list + seek,
            list + "org_id = ?3 AND " + seek,
            list + "user_id = ?3 AND " + seek,
            list + "org_id = ?3 AND user_id = ?4 AND " + seek,
            "UPDATE oauth_clients SET last_used_at = ?2 WHERE client_id = ?1 AND last_used_at < ?2",
            "SELECT coalesce((SELECT clients FROM oauth_client_counts WHERE org_id = ?1), 0)",
            "UPDATE oauth_initial_access_tokens SET uses = uses + 1"
            " WHERE token_hash = ?1 AND org_id = ?2 AND uses < max_uses AND expires_at > ?3",
            "SELECT client_id FROM oauth_clients WHERE " + idle + " LIMIT ?4",
            // The idleness is tested again here: a client used since it was
            // read as idle is not deleted.
            "DELETE FROM oauth_clients WHERE client_id = ?4 AND " + idle,
            "SELECT count(*) FROM oauth_clients WHERE " + idle,
            "INSERT INTO oauth_initial_access_tokens(id, token_hash, org_id, user_id, max_uses, uses, expires_at,"
            " created_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING",
            token + "token_hash = ?1",
            token + "org_id = ?1 ORDER BY created_at DESC, id",
            "DELETE FROM oauth_initial_access_tokens WHERE org_id = ?1 AND id = ?2",
            // One statement: a pair held at or after ?4 is left as it is (no
            // change: a replay), any other is stored or takes the new expiry.
            "INSERT INTO seen_assertions(client_id, jti, expires_at) VALUES(?1, ?2, ?3)"
            " ON CONFLICT(client_id, jti) DO UPDATE SET expires_at = excluded.expires_at"
            " WHERE seen_assertions.expires_at < ?4",
            "DELETE FROM seen_assertions WHERE (client_id, jti) IN (SELECT client_id, jti FROM seen_assertions"
            " WHERE expires_at < ?1 LIMIT " +
                std::to_string(sqlite_assertion_sweep_rows) + ")",
            "BEGIN IMMEDIATE",
            "BEGIN",
            "COMMIT",
            "ROLLBACK",
            "SAVEPOINT oauthreg_write",
            "RELEASE oauthreg_write",
            "ROLLBACK TO oauthreg_write",
        };
    }
};

/** `oauthreg_icontains(name, needle)`: detail::ascii_icontains in SQL, so
    `filter[name][contains]` selects exactly what the scan would (SQLite's
    own lower() may be ICU's, which folds more than ASCII); NULL when either is. */
inline void sqlite_icontains(sqlite3_context* ctx, int, sqlite3_value** argv) noexcept
{
    auto view = [](sqlite3_value* v) {
        auto const* p = reinterpret_cast<char const*>(sqlite3_value_text(v));
        return std::string_view(p ? p : "", static_cast<std::size_t>(sqlite3_value_bytes(v)));
    };
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL)
        return sqlite3_result_null(ctx);
    sqlite3_result_int(ctx, ascii_icontains(view(argv[0]), view(argv[1])) ? 1 : 0);
}

/** The listing's SQL on SQLite: make_sql_page with `?N` marks and oauthreg_icontains.
    @param q the query (already checked)
    @return its SQL */
inline sql_page sqlite_page(client_page_query const& q)
{
    static constexpr sql_dialect dialect{
        '?', [](std::string const& needle) { return "oauthreg_icontains(client_name, " + needle + ")"; },
        valid_utf8};
    return make_sql_page(q, dialect);
}

inline result<void> sqlite_fail(sqlite3* db, std::string_view what)
{
    std::string d(what);
    if (db) {
        d += ": ";
        d += sqlite3_errmsg(db);
    }
    return make_error(error::storage_failure, "", d);
}

/** One connection and its prepared statements; used by one thread at a time. */
class sqlite_connection {
public:
    using stmt = std::size_t; ///< a sql_statements::id or a sqlite_statements::id

    sqlite_connection() = default;
    sqlite_connection(sqlite_connection const&) = delete;
    sqlite_connection& operator=(sqlite_connection const&) = delete;
    ~sqlite_connection()
    {
        for (auto* s : stmts_)
            sqlite3_finalize(s);
        sqlite3_close_v2(db_);
    }

    result<void> open(sqlite_options const& o)
    {
        int rc = sqlite3_open_v2(o.path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
        if (rc != SQLITE_OK)
            return sqlite_fail(db_, "cannot open " + o.path);
        sqlite3_extended_result_codes(db_, 1);
        // SQLite takes an int of milliseconds; a longer wait is the longest it can take.
        auto const wait = std::clamp(o.busy_timeout, std::chrono::milliseconds(0),
                                     std::chrono::milliseconds(std::numeric_limits<int>::max()));
        sqlite3_busy_timeout(db_, static_cast<int>(wait.count()));
        // Before anything that writes: WAL mode persists in the file, and a
        // file this oauthreg refuses must be left exactly as it was.
        if (auto v = schema_version(); !v)
            return v.error();
        if (auto r = enter_wal(wait); !r)
            return r;
        if (sqlite3_create_function_v2(db_, "oauthreg_icontains", 2,
                                       SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, nullptr,
                                       &sqlite_icontains, nullptr, nullptr, nullptr) != SQLITE_OK)
            return sqlite_fail(db_, "cannot add oauthreg_icontains");
        if (auto r =
                exec(o.durability == sqlite_durability::full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
            !r)
            return r;
        return {};
    }

    /** Creates the schema on first open, or migrates an older one, in one
        transaction (so a concurrent first open by another process waits,
        then finds it made, and a failed migration leaves the file as it was). */
    result<void> migrate()
    {
        if (auto r = exec("BEGIN IMMEDIATE"); !r)
            return r;
        auto r = migrate_locked();
        if (!r) {
            exec("ROLLBACK");
            return r;
        }
        return exec("COMMIT");
    }

    result<void> prepare()
    {
        auto const shared = sql_statements::text("oauth_clients", '?');
        auto const own = sqlite_statements::text();
        for (std::size_t i = 0; i < sqlite_statements::end; ++i) {
            auto const& sql = i < shared.size() ? shared[i] : own[i - shared.size()];
            if (sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &stmts_[i], nullptr) != SQLITE_OK)
                return sqlite_fail(db_, "cannot prepare statements");
        }
        return {};
    }

    sqlite3* db() const noexcept { return db_; }

    /** A prepared statement, reset and unbound when the guard goes. */
    class statement {
    public:
        explicit statement(sqlite3_stmt* s) noexcept : s_(s) {}
        statement(statement const&) = delete;
        statement& operator=(statement const&) = delete;
        ~statement()
        {
            sqlite3_reset(s_);
            sqlite3_clear_bindings(s_);
        }
        void bind(int i, std::string_view v)
        {
            sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
        }
        void bind(int i, std::int64_t v) { sqlite3_bind_int64(s_, i, v); }
        void bind(int i, secret_hash const& h)
        {
            sqlite3_bind_blob(s_, i, h.data(), static_cast<int>(h.size()), SQLITE_STATIC);
        }
        /** Binds schema 4's columns of `rec` as ?10 (the name, or NULL), ?11 and ?12. */
        void bind_page_columns(client_record const& rec)
        {
            if (rec.metadata.client_name)
                bind(10, std::string_view(*rec.metadata.client_name));
            else
                sqlite3_bind_null(s_, 10);
            bind(11, client_type_column(rec));
            bind(12, grant_type_bits(rec.metadata));
        }
        int step() { return sqlite3_step(s_); }
        /** Makes the statement ready to run again, unbound. */
        void reset()
        {
            sqlite3_reset(s_);
            sqlite3_clear_bindings(s_);
        }
        std::string_view text(int col) const
        {
            auto const* p = reinterpret_cast<char const*>(sqlite3_column_text(s_, col));
            return p ? std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, col)))
                     : std::string_view();
        }
        std::int64_t integer(int col) const { return sqlite3_column_int64(s_, col); }
        /** @return the column's bytes as a hash, or nullopt when it is not one */
        std::optional<secret_hash> hash(int col) const
        {
            auto const* p = static_cast<std::uint8_t const*>(sqlite3_column_blob(s_, col));
            secret_hash h{};
            if (!p || static_cast<std::size_t>(sqlite3_column_bytes(s_, col)) != h.size())
                return std::nullopt;
            std::copy_n(p, h.size(), h.begin());
            return h;
        }

    private:
        sqlite3_stmt* s_;
    };

    statement get(stmt s) noexcept { return statement(stmts_[s]); }

    /** Prepares `sql` for this call only (a listing's `WHERE` depends on its
        filters), gives it to `f` as a statement, then finalizes it.
        @param failed makes the error when `sql` cannot be prepared
        @return `f`'s result, or `failed()` */
    template <class F, class Failed>
    auto with_statement(std::string const& sql, F&& f, Failed&& failed) -> decltype(f(std::declval<statement&>()))
    {
        sqlite3_stmt* raw = nullptr;
        if (sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &raw, nullptr) != SQLITE_OK) {
            sqlite3_finalize(raw);
            return failed();
        }
        struct finalizer {
            sqlite3_stmt* s;
            ~finalizer() { sqlite3_finalize(s); }
        } const owner{raw};
        statement st(raw);
        return std::forward<F>(f)(st);
    }

    /** Counts a remember_assertion call. @return whether this one sweeps expired assertions */
    bool sweep_due() noexcept { return ++assertion_calls_ % sqlite_assertion_sweep_every == 0; }

    /** BEGIN IMMEDIATE (the write lock, waited for up to the busy timeout)
        ... COMMIT; rolled back if left before the commit. */
    class write_transaction {
    public:
        explicit write_transaction(sqlite_connection& c) noexcept : c_(c) {}
        write_transaction(write_transaction const&) = delete;
        write_transaction& operator=(write_transaction const&) = delete;
        ~write_transaction()
        {
            if (open_ && !sqlite3_get_autocommit(c_.db()))
                c_.get(sqlite_statements::rollback).step();
        }
        bool begin() { return open_ = c_.get(sqlite_statements::begin_immediate).step() == SQLITE_DONE; }
        bool commit()
        {
            if (c_.get(sqlite_statements::commit).step() != SQLITE_DONE)
                return false;
            open_ = false;
            return true;
        }

    private:
        sqlite_connection& c_;
        bool open_ = false;
    };

    /** BEGIN (deferred: the first read takes the snapshot) ... COMMIT, so a
        listing's total and its rows see the same writes; ended if left. */
    class read_transaction {
    public:
        explicit read_transaction(sqlite_connection& c) noexcept : c_(c) {}
        read_transaction(read_transaction const&) = delete;
        read_transaction& operator=(read_transaction const&) = delete;
        ~read_transaction()
        {
            if (!sqlite3_get_autocommit(c_.db()))
                c_.get(sqlite_statements::commit).step();
        }
        bool begin() { return c_.get(sqlite_statements::begin_read).step() == SQLITE_DONE; }

    private:
        sqlite_connection& c_;
    };

private:
    result<void> exec(char const* sql)
    {
        if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK)
            return sqlite_fail(db_, sql);
        return {};
    }

    /** Switches the file to WAL. SQLite answers a switch that meets another
        connection's lock with SQLITE_BUSY without calling the busy handler
        (it could deadlock there), so first opens racing on a fresh file
        retry here until one has switched it or the busy timeout passes. */
    result<void> enter_wal(std::chrono::milliseconds timeout)
    {
        auto const until = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            int const rc = sqlite3_exec(db_, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
            if (rc == SQLITE_OK)
                return {};
            if ((rc & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() >= until)
                return sqlite_fail(db_, "PRAGMA journal_mode=WAL");
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
    }

    /** The version and the number of schema objects, read by one statement,
        so from one snapshot: two reads let a first open committing between
        them look like another application's tables. */
    std::optional<std::pair<int, int>> version_and_objects()
    {
        sqlite3_stmt* s = nullptr;
        std::optional<std::pair<int, int>> out;
        if (sqlite3_prepare_v2(db_,
                               "SELECT (SELECT user_version FROM pragma_user_version),"
                               " (SELECT count(*) FROM sqlite_master)",
                               -1, &s, nullptr) == SQLITE_OK &&
            sqlite3_step(s) == SQLITE_ROW)
            out.emplace(sqlite3_column_int(s, 0), sqlite3_column_int(s, 1));
        sqlite3_finalize(s);
        return out;
    }

    /** The file's schema version, read without writing: ours, an older one
        open() migrates, or 0 for an empty database; a newer version, or
        another application's tables without a version, are refused. */
    result<int> schema_version()
    {
        auto read = version_and_objects();
        if (!read)
            return sqlite_fail(db_, "cannot read the schema version").error();
        auto const [version, objects] = *read;
        if ((version >= 1 && version <= sqlite_schema_version) || (version == 0 && objects == 0))
            return version;
        if (version == 0)
            return make_error(error::storage_failure, "",
                              "the database holds tables of another application (no oauthreg schema version)");
        return make_error(error::storage_failure, "",
                          "database schema version " + std::to_string(version) + " is not one this oauthreg reads (" +
                              std::to_string(sqlite_schema_version) + ")");
    }

    result<void> migrate_locked()
    {
        auto version = schema_version();
        if (!version)
            return version.error();
        // One step per version, all in the caller's transaction.
        if (*version == 0)
            if (auto r = exec(sqlite_schema_v1); !r)
                return r;
        if (*version < 2)
            if (auto r = exec(sqlite_migrate_v1_v2); !r)
                return r;
        if (*version < 3)
            if (auto r = exec(sqlite_migrate_v2_v3); !r)
                return r;
        if (*version < 4) {
            if (auto r = exec(sqlite_migrate_v3_v4_columns); !r)
                return r;
            if (auto r = fill_page_columns(); !r)
                return r;
            if (auto r = exec(sqlite_migrate_v3_v4_counts); !r)
                return r;
        }
        return {};
    }

    /** Version 4's columns of the rows an older version wrote, from each
        row's decoded record, in keyset batches. A row that cannot be decoded
        keeps the defaults (no name, type -1, no grant), which only the
        unfiltered listing selects, as it is the only one that counts it. */
    result<void> fill_page_columns()
    {
        std::string after;
        for (;;) {
            std::vector<client_record> batch;
            int rows = 0;
            std::string const from = after; // bound as is (SQLITE_STATIC) while `after` moves
            auto read = with_statement(
                "SELECT client_id, record FROM oauth_clients WHERE client_id > ?1 ORDER BY client_id LIMIT ?2",
                [&](statement& s) -> result<void> {
                    s.bind(1, from);
                    s.bind(2, std::int64_t{sqlite_fill_batch});
                    int rc;
                    while ((rc = s.step()) == SQLITE_ROW) {
                        ++rows;
                        after.assign(s.text(0));
                        if (auto rec = decode_record(s.text(1)))
                            batch.push_back(std::move(*rec));
                    }
                    if (rc != SQLITE_DONE)
                        return sqlite_fail(db_, "cannot read the clients to migrate");
                    return {};
                },
                [&] { return sqlite_fail(db_, "cannot read the clients to migrate").error(); });
            if (!read)
                return read;
            auto written = with_statement(
                "UPDATE oauth_clients SET client_name = ?10, client_type = ?11, grant_types = ?12 WHERE client_id = ?1",
                [&](statement& s) -> result<void> {
                    for (auto const& rec : batch) {
                        s.bind(1, rec.client_id);
                        s.bind_page_columns(rec);
                        if (s.step() != SQLITE_DONE)
                            return sqlite_fail(db_, "cannot migrate a client");
                        s.reset();
                    }
                    return {};
                },
                [&] { return sqlite_fail(db_, "cannot migrate a client").error(); });
            if (!written)
                return written;
            if (rows < sqlite_fill_batch)
                return {};
        }
    }

    sqlite3* db_ = nullptr;
    sqlite3_stmt* stmts_[sqlite_statements::end] = {};
    std::uint32_t assertion_calls_ = 0; ///< remember_assertion calls on this connection
};

/** The transaction a batch of writes shares (detail::group_commit): `BEGIN
    IMMEDIATE` on a pooled connection, a savepoint per write, one COMMIT;
    rolled back if destroyed before it committed. */
class sqlite_batch {
public:
    using pool_type = connection_pool<sqlite_connection>;

    explicit sqlite_batch(pool_type& pool) : pool_(&pool), c_(pool.take()) {}
    sqlite_batch(sqlite_batch&& o) noexcept : pool_(o.pool_), c_(std::move(o.c_)), open_(std::exchange(o.open_, false))
    {}
    sqlite_batch& operator=(sqlite_batch&&) = delete;
    ~sqlite_batch()
    {
        if (open_ && !sqlite3_get_autocommit(c_->db()))
            c_->get(sqlite_statements::rollback).step();
    }

    sqlite_connection& connection() const noexcept { return *c_; }

    result<void> begin()
    {
        open_ = true;
        return step(sqlite_statements::begin_immediate);
    }
    result<void> savepoint() { return step(sqlite_statements::savepoint); }
    result<void> release() { return step(sqlite_statements::release); }
    /** Undoes the last write, then drops its savepoint. */
    result<void> rollback_to()
    {
        if (auto r = step(sqlite_statements::rollback_to); !r)
            return r;
        return step(sqlite_statements::release);
    }
    result<void> commit() { return step(sqlite_statements::commit); }

private:
    result<void> step(std::size_t s)
    {
        if (c_->get(s).step() == SQLITE_DONE)
            return {};
        return storage_failed(pool_->log(), "write", sqlite3_errmsg(c_->db()));
    }

    pool_type* pool_;
    pool_type::lease c_;
    bool open_ = false;
};

} // namespace detail

/** A persistent store in one SQLite file, shared safely by the threads of a
    process and by several processes on one machine.

    WAL journaling (readers never block the writer), prepared statements,
    group commit of client writes (inserts, replacements, deletions: those
    made concurrently share one `BEGIN IMMEDIATE` transaction and one fsync,
    each in its own savepoint, and each returns once that transaction
    committed: durable), a reaper's short batches, a pool of
    connections, and a schema created on first open and tagged with `PRAGMA
    user_version`; a file of an older version is migrated in one transaction
    on open, keeping every client. A file with a newer version, or with
    another application's tables, is refused before anything is written to
    it (WAL mode included).
    A call that fails names its operation; SQLite's text goes to
    `sqlite_options::log`.

    <!-- example: body -->
    @code
    auto store = oauthreg::sqlite_storage::open({.path = "/var/lib/myserver/clients.db"});
    if (!store)
        throw std::runtime_error(store.error().description);
    oauthreg::basic_registry<oauthreg::sqlite_storage, oauthreg::os_rng, oauthreg::system_clock>
        reg({}, std::move(*store));
    @endcode
*/
class sqlite_storage {
public:
    /** Opens (creating if needed) the database at `opts.path`.
        @param opts where and how
        @return the store, or `storage_failure` (unreadable file, unknown schema version) */
    static result<sqlite_storage> open(sqlite_options opts)
    {
        if (!sqlite3_threadsafe())
            return make_error(error::storage_failure, "", "this SQLite library was built without thread support");
        if (opts.connections == 0)
            opts.connections = 1;
        auto pool = std::make_unique<pool_type>(std::move(opts.log));
        for (std::size_t i = 0; i < opts.connections; ++i) {
            auto c = std::make_unique<detail::sqlite_connection>();
            if (auto r = c->open(opts); !r)
                return r.error();
            if (i == 0)
                if (auto r = c->migrate(); !r)
                    return r.error();
            if (auto r = c->prepare(); !r)
                return r.error();
            pool->add(std::move(c));
        }
        return sqlite_storage(std::move(pool));
    }

    sqlite_storage(sqlite_storage&&) noexcept = default; ///< takes over the pool
    /** Takes over the pool. @return *this */
    sqlite_storage& operator=(sqlite_storage&&) noexcept = default;

    /** Inserts a record if no record has its client_id.
        `error::invalid_identifier` for an id that is not UTF-8: the stored
        record is JSON text, which could not be read back.
        @param rec the record
        @return nothing, `client_exists`, `invalid_identifier`, or `storage_failure` */
    result<void> insert(client_record rec)
    {
        auto text = encode_record(rec);
        if (!text)
            return text.error();
        return batch_->run([&](write_batch& tx) { return insert_row(tx.connection(), rec, *text); }, "insert");
    }

    /** Inserts a record under @p cond in a write transaction (`BEGIN
        IMMEDIATE`, shared with concurrent writes, each in its savepoint):
        the token's use is spent by a conditional `UPDATE`, the
        organization's clients are read from the counts table, then the row
        goes in; any failure rolls back this write's savepoint. The write
        lock is the file's, so stores in several processes on one file never
        overshoot either; writes of one batch run one after the other, so
        each sees those before it.
        @param rec the record
        @param cond the quota and the initial access token to spend
        @return nothing, `client_exists`, `quota_exceeded`,
        `invalid_initial_access_token`, `invalid_identifier` or `storage_failure` */
    result<void> insert(client_record rec, insert_conditions const& cond)
    {
        if (!cond.initial_access_token && cond.max_clients_per_org == 0)
            return insert(std::move(rec));
        auto text = encode_record(rec);
        if (!text)
            return text.error();
        return batch_->run([&](write_batch& tx) { return insert_checked(tx.connection(), rec, *text, cond); }, "insert");
    }

    /** One statement, `UPDATE ... SET last_used_at = ? WHERE ... AND
        last_used_at < ?`: the record's text and version are not written.
        @copydetails basic_memory_storage::touch */
    result<void> touch(std::string_view id, unix_seconds used_at)
    {
        auto c = pool_->take();
        {
            auto s = c->get(own::touch);
            s.bind(1, id);
            s.bind(2, used_at);
            if (s.step() != SQLITE_DONE)
                return failed(*c, "touch");
            if (sqlite3_changes(c->db()) == 1)
                return {};
        }
        auto s = c->get(sql::exists); // no row, or a use as late already recorded
        s.bind(1, id);
        int const rc = s.step();
        if (rc == SQLITE_DONE)
            return make_error(error::client_not_found, "client_id");
        if (rc != SQLITE_ROW)
            return failed(*c, "touch");
        return {};
    }

    /** Deletes at most `q.limit` idle clients, in batches: each batch's ids
        are read without a lock, then deleted in a short write transaction by
        a `DELETE` that tests the idleness again, so a client used since it
        was read survives, and registrations wait for one batch at most.
        @param q which clients, and how many at most
        @return how many were deleted */
    result<std::size_t> reap(reap_query const& q)
    {
        std::size_t deleted = 0;
        std::vector<std::string> ids;
        auto c = pool_->take();
        while (deleted < q.limit) {
            ids.clear();
            {
                auto s = c->get(own::idle_ids);
                bind_idle(s, q);
                s.bind(4, static_cast<std::int64_t>(std::min(detail::sqlite_reap_batch, q.limit - deleted)));
                int rc;
                while ((rc = s.step()) == SQLITE_ROW)
                    ids.emplace_back(s.text(0));
                if (rc != SQLITE_DONE)
                    return failed(*c, "reap");
            }
            if (ids.empty())
                break;
            conn::write_transaction tx(*c);
            if (!tx.begin())
                return failed(*c, "reap");
            std::size_t batch = 0;
            for (auto const& id : ids) {
                auto s = c->get(own::reap_one);
                bind_idle(s, q);
                s.bind(4, id);
                if (s.step() != SQLITE_DONE)
                    return failed(*c, "reap");
                batch += static_cast<std::size_t>(sqlite3_changes(c->db()));
            }
            if (!tx.commit())
                return failed(*c, "reap");
            deleted += batch;
        }
        return deleted;
    }

    /** @param q which clients (`q.limit` is ignored)
        @return how many @ref reap would delete, all batches together */
    result<std::size_t> count_idle(reap_query const& q) const
    {
        auto c = pool_->take();
        auto s = c->get(own::count_idle);
        bind_idle(s, q);
        if (s.step() != SQLITE_ROW)
            return failed(*c, "count_idle");
        return static_cast<std::size_t>(s.integer(0));
    }

    /** @copydoc basic_memory_storage::insert_token */
    result<void> insert_token(initial_access_token_record t)
    {
        auto c = pool_->take();
        auto s = c->get(own::insert_token);
        s.bind(1, t.id);
        s.bind(2, t.token_hash);
        s.bind(3, t.org_id);
        s.bind(4, t.user_id);
        s.bind(5, static_cast<std::int64_t>(t.max_uses));
        s.bind(6, static_cast<std::int64_t>(t.uses));
        s.bind(7, t.expires_at);
        s.bind(8, t.created_at);
        if (s.step() != SQLITE_DONE)
            return failed(*c, "insert_token");
        if (sqlite3_changes(c->db()) == 0)
            return make_error(error::client_exists, "id");
        return {};
    }

    /** @copydoc basic_memory_storage::find_token */
    result<initial_access_token_record> find_token(secret_hash const& hash) const
    {
        auto c = pool_->take();
        auto s = c->get(own::find_token);
        s.bind(1, hash);
        int const rc = s.step();
        if (rc == SQLITE_DONE)
            return make_error(error::invalid_initial_access_token, "");
        if (rc != SQLITE_ROW)
            return failed(*c, "find_token");
        return token_row(s, "find_token");
    }

    /** @copydoc basic_memory_storage::list_tokens */
    result<std::vector<initial_access_token_record>> list_tokens(std::string_view org_id) const
    {
        std::vector<initial_access_token_record> out;
        auto c = pool_->take();
        auto s = c->get(own::list_tokens);
        s.bind(1, org_id);
        int rc;
        while ((rc = s.step()) == SQLITE_ROW) {
            auto t = token_row(s, "list_tokens");
            if (!t)
                return t.error();
            out.push_back(std::move(*t));
        }
        if (rc != SQLITE_DONE)
            return failed(*c, "list_tokens");
        return out;
    }

    /** @copydoc basic_memory_storage::erase_token */
    result<void> erase_token(std::string_view org_id, std::string_view id)
    {
        auto c = pool_->take();
        auto s = c->get(own::erase_token);
        s.bind(1, org_id);
        s.bind(2, id);
        if (s.step() != SQLITE_DONE)
            return failed(*c, "erase_token");
        if (sqlite3_changes(c->db()) == 0)
            return make_error(error::client_not_found, "id");
        return {};
    }

    /** One statement, `INSERT ... ON CONFLICT(client_id, jti) DO UPDATE
        SET expires_at = excluded.expires_at WHERE seen_assertions.expires_at
        < now`: true when it changed a row. The file's write lock orders
        concurrent calls of every connection and process, so exactly one of
        them stores a pair. At every 128th call of a connection, a `DELETE`
        of at most 256 expired rows, found on the expiry's index, follows;
        if it fails, the failure goes to the log and the answer stands.
        @copydetails basic_memory_storage::remember_assertion */
    result<bool> remember_assertion(std::string_view client_id, std::string_view jti, unix_seconds expires_at,
                                    unix_seconds now)
    {
        if (auto ok = detail::check_assertion_ids(client_id, jti); !ok)
            return ok.error();
        auto c = pool_->take();
        bool stored = false;
        {
            auto s = c->get(own::remember_assertion);
            s.bind(1, client_id);
            s.bind(2, jti);
            s.bind(3, expires_at);
            s.bind(4, now);
            if (s.step() != SQLITE_DONE)
                return failed(*c, "remember_assertion");
            stored = sqlite3_changes(c->db()) == 1;
        }
        if (c->sweep_due()) {
            auto s = c->get(own::sweep_assertions);
            s.bind(1, now);
            if (s.step() != SQLITE_DONE)
                detail::log_failure(pool_->log(), "remember_assertion (deleting expired ones)",
                                    sqlite3_errmsg(c->db()));
        }
        return stored;
    }

    /** @copydoc basic_memory_storage::find */
    result<client_record> find(std::string_view id) const
    {
        auto c = pool_->take();
        auto s = c->get(own::find_client);
        s.bind(1, id);
        int rc = s.step();
        if (rc == SQLITE_DONE)
            return detail::not_found_after_stand_in();
        if (rc != SQLITE_ROW)
            return failed(*c, "find");
        auto rec = detail::decode_found(pool_->log(), s.text(0));
        if (rec)
            rec->last_used_at = s.integer(1);
        return rec;
    }

    /** Calls `f` with a decoded copy: nothing can change what it sees.
        @param id a client_id
        @param f the visitor
        @return nothing, or `client_not_found` */
    template <class F> result<void> visit(std::string_view id, F&& f) const
    {
        return detail::visit_copy(*this, id, std::forward<F>(f));
    }

    /** The `last_used_at` column is kept (a use recorded meanwhile stays).
        @copydoc basic_memory_storage::replace */
    result<void> replace(client_record rec, std::uint64_t expected_version)
    {
        if (!detail::valid_utf8(rec.client_id))
            return make_error(error::client_not_found, "client_id");
        auto text = encode_record(rec);
        if (!text)
            return text.error();
        return batch_->run([&](write_batch& tx) { return replace_row(tx.connection(), rec, *text, expected_version); },
                           "replace");
    }

    /** @copydoc basic_memory_storage::erase(std::string_view) */
    result<void> erase(std::string_view id)
    {
        return batch_->run(
            [&](write_batch& tx) -> result<void> {
                auto& c = tx.connection();
                auto s = c.get(sql::erase);
                s.bind(1, id);
                if (s.step() != SQLITE_DONE)
                    return failed(c, "erase");
                if (sqlite3_changes(c.db()) == 0)
                    return make_error(error::client_not_found, "client_id");
                return {};
            },
            "erase");
    }

    /** One statement, `DELETE ... WHERE client_id = ? AND version = ?`.
        @copydetails basic_memory_storage::erase(std::string_view, std::uint64_t) */
    result<void> erase(std::string_view id, std::uint64_t expected_version)
    {
        return batch_->run(
            [&](write_batch& tx) -> result<void> {
                auto& c = tx.connection();
                {
                    auto s = c.get(sql::erase_version);
                    s.bind(1, id);
                    s.bind(2, static_cast<std::int64_t>(expected_version));
                    if (s.step() != SQLITE_DONE)
                        return failed(c, "erase");
                    if (sqlite3_changes(c.db()) == 1)
                        return {};
                }
                return missing_or_conflict(c, id, "erase");
            },
            "erase");
    }

    /** A keyset page: `client_id > cursor` on an index of the owner column,
        one row more than the limit to know whether another page follows.
        @param filter whose records
        @param limit at most this many
        @param cursor the previous page's `next_cursor`; empty: from the start
        @return the page */
    result<list_page> list(owner_filter const& filter, std::size_t limit, std::string_view cursor) const
    {
        std::vector<std::pair<std::string, unix_seconds>> used; // each row's last_used_at, in row order
        auto page = detail::keyset_page(filter, limit, cursor, detail::valid_utf8, [&](auto const& q, auto&& row) {
            auto c = pool_->take();
            auto s = c->get(own::list_all_used + (q.statement - sql::list_all));
            s.bind(1, q.after);
            s.bind(2, q.rows);
            for (std::size_t i = 0; i < q.owner_ids.size(); ++i)
                s.bind(static_cast<int>(i) + 3, q.owner_ids[i]);
            int rc;
            while ((rc = s.step()) == SQLITE_ROW && row(s.text(1), s.text(0)))
                used.emplace_back(s.text(1), s.integer(2));
            if (rc != SQLITE_ROW && rc != SQLITE_DONE)
                return result<void>(failed(*c, "list"));
            return result<void>();
        });
        if (!page)
            return page;
        // The page's records are some of the rows, in the same order.
        auto u = used.begin();
        for (auto& rec : page->clients) {
            while (u != used.end() && u->first != rec.client_id)
                ++u;
            if (u != used.end())
                rec.last_used_at = u->second;
        }
        return page;
    }

    /** A page of `GET /oauth_clients` in SQL (a paging_storage): every
        filter is a condition on schema 4's columns, the page is `ORDER BY
        client_id LIMIT OFFSET` on an index, and only its rows are decoded.
        The total is the counts table's row when the organization is the only
        filter, else a `count(*)` of the same conditions; both reads are in one
        transaction, so they agree. A page past the total is not read, and one
        past its middle is counted from the end (detail::page_window). A row
        on the page that cannot be decoded is left out (and logged), but
        counted. A name fragment that is not UTF-8 (part of a character) is
        left to the scan, detail::page_by_list, which matches bytes.
        @param q whose clients, the filters, the page number and size (already checked)
        @return the page and the totals */
    result<client_page> page(client_page_query const& q) const
    {
        auto const p = detail::sqlite_page(q);
        if (p.scan)
            return detail::page_by_list(*this, q);
        client_page out;
        detail::set_page_totals(out, q, 0);
        if (p.nothing)
            return out;
        auto const text = detail::page_statements(p, "oauth_clients", '?');
        auto c = pool_->take();
        conn::read_transaction tx(*c);
        if (!tx.begin())
            return failed(*c, "page");
        auto total = page_total(*c, q, p, text.count);
        if (!total)
            return total.error();
        detail::set_page_totals(out, q, *total);
        if (static_cast<std::uint64_t>(p.offset) >= *total)
            return out;
        auto const w = detail::page_window(p, *total);
        auto rows = c->with_statement(w.from_end ? text.rows_back : text.rows, [&](conn::statement& s) -> result<void> {
            bind_values(s, p.values);
            auto const n = static_cast<int>(p.values.size());
            s.bind(n + 1, w.limit);
            s.bind(n + 2, w.offset);
            int rc;
            while ((rc = s.step()) == SQLITE_ROW) {
                auto rec = decode_record(s.text(0));
                if (!rec) {
                    detail::log_failure(pool_->log(), "page", rec.error().description);
                    continue;
                }
                rec->last_used_at = s.integer(1);
                out.clients.push_back(std::move(*rec));
            }
            if (rc != SQLITE_DONE)
                return failed(*c, "page");
            return {};
        }, [&] { return failed(*c, "page"); });
        if (!rows)
            return rows.error();
        return out;
    }

    /** @return how many client writes (insert, replace, erase) ran, and in
        how many transactions (group commit) */
    detail::group_commit_stats write_batches() const { return batch_->stats(); }

    /** @return the number of stored clients */
    result<std::size_t> size() const
    {
        auto c = pool_->take();
        auto s = c->get(sql::count);
        if (s.step() != SQLITE_ROW)
            return failed(*c, "count");
        return static_cast<std::size_t>(s.integer(0));
    }

private:
    using conn = detail::sqlite_connection;
    using sql = detail::sql_statements;
    using own = detail::sqlite_statements;
    using pool_type = detail::connection_pool<conn>;
    using write_batch = detail::sqlite_batch;
    using batcher = detail::group_commit<write_batch>;
    explicit sqlite_storage(std::unique_ptr<pool_type> p)
        : pool_(std::move(p)),
          batch_(std::make_unique<batcher>([pool = pool_.get()] { return result<write_batch>(write_batch(*pool)); }))
    {}

    /** After a version-checked write changed no row: `client_not_found`, or
        `version_conflict` when the row is there at another version. */
    error_info missing_or_conflict(conn& c, std::string_view id, std::string_view operation) const
    {
        auto s = c.get(sql::exists);
        s.bind(1, id);
        int rc = s.step();
        if (rc == SQLITE_DONE)
            return make_error(error::client_not_found, "client_id");
        if (rc != SQLITE_ROW)
            return failed(c, operation);
        return make_error(error::version_conflict, "client_id");
    }

    /** A plain insert on `c`, in its transaction if one is open. */
    result<void> insert_row(conn& c, client_record const& rec, std::string const& text) const
    {
        auto s = c.get(own::insert_client);
        s.bind(1, rec.client_id);
        s.bind(2, rec.owner.org_id);
        s.bind(3, rec.owner.user_id);
        s.bind(4, static_cast<std::int64_t>(rec.version));
        s.bind(5, rec.created_at);
        s.bind(6, rec.updated_at);
        s.bind(7, text);
        s.bind(8, to_string(rec.origin));
        s.bind(9, rec.last_used_at);
        s.bind_page_columns(rec);
        if (s.step() != SQLITE_DONE)
            return failed(c, "insert");
        if (sqlite3_changes(c.db()) == 0)
            return make_error(error::client_exists, "client_id");
        return {};
    }

    /** The conditional insert's steps on `c`, in its transaction. */
    result<void> insert_checked(conn& c, client_record const& rec, std::string const& text,
                                insert_conditions const& cond) const
    {
        if (cond.initial_access_token) {
            auto s = c.get(own::spend_token);
            s.bind(1, *cond.initial_access_token);
            s.bind(2, rec.owner.org_id);
            s.bind(3, cond.now);
            if (s.step() != SQLITE_DONE)
                return failed(c, "insert");
            if (sqlite3_changes(c.db()) == 0)
                return make_error(error::invalid_initial_access_token, "");
        }
        if (cond.max_clients_per_org > 0) {
            auto s = c.get(own::org_count);
            s.bind(1, rec.owner.org_id);
            if (s.step() != SQLITE_ROW)
                return failed(c, "insert");
            if (static_cast<std::uint64_t>(s.integer(0)) >= cond.max_clients_per_org)
                return make_error(error::quota_exceeded, "org_id");
        }
        return insert_row(c, rec, text);
    }

    /** The version-checked update on `c`, in its transaction. */
    result<void> replace_row(conn& c, client_record const& rec, std::string const& text,
                             std::uint64_t expected_version) const
    {
        {
            auto s = c.get(own::update_client);
            s.bind(1, rec.client_id);
            s.bind(2, rec.owner.org_id);
            s.bind(3, rec.owner.user_id);
            s.bind(4, static_cast<std::int64_t>(rec.version));
            s.bind(5, rec.updated_at);
            s.bind(6, text);
            s.bind(7, static_cast<std::int64_t>(expected_version));
            s.bind(8, to_string(rec.origin));
            s.bind(9, rec.last_used_at);
            s.bind_page_columns(rec);
            if (s.step() != SQLITE_DONE)
                return failed(c, "replace");
            if (sqlite3_changes(c.db()) == 1)
                return {};
        }
        return missing_or_conflict(c, rec.client_id, "replace");
    }

    /** A listing's total: the counts table's row, or `count_sql`. */
    result<std::uint64_t> page_total(conn& c, client_page_query const& q, detail::sql_page const& p,
                                     std::string const& count_sql) const
    {
        if (p.org_total) {
            auto s = c.get(own::org_count);
            s.bind(1, *q.owner.org_id);
            if (s.step() != SQLITE_ROW)
                return failed(c, "page");
            return static_cast<std::uint64_t>(std::max<std::int64_t>(s.integer(0), 0));
        }
        return c.with_statement(count_sql, [&](conn::statement& s) -> result<std::uint64_t> {
            bind_values(s, p.values);
            if (s.step() != SQLITE_ROW)
                return failed(c, "page");
            return static_cast<std::uint64_t>(s.integer(0));
        }, [&] { return failed(c, "page"); });
    }

    /** Binds a listing's values as ?1, ?2, ... */
    static void bind_values(conn::statement& s, std::vector<detail::sql_value> const& values)
    {
        for (std::size_t i = 0; i < values.size(); ++i)
            std::visit([&](auto const& v) { s.bind(static_cast<int>(i) + 1, v); }, values[i]);
    }

    /** Binds the idleness test of @p q: its origin (or every origin) and cut-off. */
    static void bind_idle(conn::statement& s, reap_query const& q)
    {
        s.bind(1, to_string(q.origin.value_or(client_origin::registration)));
        s.bind(2, to_string(q.origin.value_or(client_origin::api)));
        s.bind(3, q.idle_since);
    }

    /** The token on the current row of @p s (see sqlite_statements' token columns). */
    result<initial_access_token_record> token_row(conn::statement const& s, std::string_view operation) const
    {
        auto hash = s.hash(1);
        if (!hash)
            return detail::storage_failed(pool_->log(), operation, "a token_hash is not 32 bytes");
        initial_access_token_record t;
        t.id = s.text(0);
        t.token_hash = *hash;
        t.org_id = s.text(2);
        t.user_id = s.text(3);
        t.max_uses = static_cast<std::uint32_t>(s.integer(4));
        t.uses = static_cast<std::uint32_t>(s.integer(5));
        t.expires_at = s.integer(6);
        t.created_at = s.integer(7);
        return t;
    }

    /** A call's storage_failure; SQLite's text goes to the log only. */
    error_info failed(conn const& c, std::string_view operation) const
    {
        return detail::storage_failed(pool_->log(), operation, sqlite3_errmsg(c.db()));
    }

    // Behind pointers so the store moves; never null in a store open() made.
    std::unique_ptr<pool_type> pool_;
    std::unique_ptr<batcher> batch_; ///< every client write goes through it
};

static_assert(versioned_erase_storage<sqlite_storage>);
static_assert(lifecycle_storage<sqlite_storage>);
static_assert(assertion_replay_storage<sqlite_storage>);
static_assert(paging_storage<sqlite_storage>);

} // namespace oauthreg

#endif
