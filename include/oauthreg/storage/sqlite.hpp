//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_STORAGE_SQLITE_HPP
#define OAUTHREG_STORAGE_SQLITE_HPP

// Optional backend: link SQLite 3 (CMake `oauthreg::sqlite`, Meson
// `oauthreg_sqlite_dep`, Debian `libsqlite3-dev`).

#include <oauthreg/storage/detail/sql_common.hpp>
#include <oauthreg/storage/codec.hpp>
#include <oauthreg/storage/concept.hpp>
#include <oauthreg/storage/cursor.hpp>

#include <sqlite3.h>

#include <algorithm>
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

inline constexpr int sqlite_schema_version = 1;

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
    using stmt = sql_statements::id;

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
        if (auto r =
                exec(o.durability == sqlite_durability::full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
            !r)
            return r;
        return {};
    }

    /** Creates the schema on first open (one transaction, so a concurrent
        first open by another process waits, then finds it made). */
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
        auto const sql = sql_statements::text("oauth_clients", '?');
        for (std::size_t i = 0; i < sql.size(); ++i)
            if (sqlite3_prepare_v3(db_, sql[i].c_str(), -1, SQLITE_PREPARE_PERSISTENT, &stmts_[i], nullptr) != SQLITE_OK)
                return sqlite_fail(db_, "cannot prepare statements");
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
        int step() { return sqlite3_step(s_); }
        std::string_view text(int col) const
        {
            auto const* p = reinterpret_cast<char const*>(sqlite3_column_text(s_, col));
            return p ? std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, col)))
                     : std::string_view();
        }
        std::int64_t integer(int col) const { return sqlite3_column_int64(s_, col); }

    private:
        sqlite3_stmt* s_;
    };

    statement get(stmt s) noexcept { return statement(stmts_[s]); }

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

    /** The file's schema version, read without writing: ours, or 0 for an
        empty database; an unknown version, or another application's tables
        without a version, are refused. */
    result<int> schema_version()
    {
        auto read = version_and_objects();
        if (!read)
            return sqlite_fail(db_, "cannot read the schema version").error();
        auto const [version, objects] = *read;
        if (version == sqlite_schema_version || (version == 0 && objects == 0))
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
        if (*version == sqlite_schema_version)
            return {};
        // Later schema versions migrate from here, one step per version.
        return exec("CREATE TABLE oauth_clients ("
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
                    "PRAGMA user_version = 1;");
    }

    sqlite3* db_ = nullptr;
    sqlite3_stmt* stmts_[sql_statements::shared] = {};
};

} // namespace detail

/** A persistent store in one SQLite file, shared safely by the threads of a
    process and by several processes on one machine.

    WAL journaling (readers never block the writer), prepared statements, one
    statement per write (so each is its own transaction: atomic, and durable
    once it returns), a pool of connections, and a schema created on first
    open and tagged with `PRAGMA user_version` for later migrations. A file
    with a version it does not know, or with another application's tables,
    is refused before anything is written to it (WAL mode included).
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
        auto c = pool_->take();
        auto s = c->get(sql::insert);
        s.bind(1, rec.client_id);
        s.bind(2, rec.owner.org_id);
        s.bind(3, rec.owner.user_id);
        s.bind(4, static_cast<std::int64_t>(rec.version));
        s.bind(5, rec.created_at);
        s.bind(6, rec.updated_at);
        s.bind(7, *text);
        if (s.step() != SQLITE_DONE)
            return failed(*c, "insert");
        if (sqlite3_changes(c->db()) == 0)
            return make_error(error::client_exists, "client_id");
        return {};
    }

    /** @copydoc basic_memory_storage::find */
    result<client_record> find(std::string_view id) const
    {
        auto c = pool_->take();
        auto s = c->get(sql::find);
        s.bind(1, id);
        int rc = s.step();
        if (rc == SQLITE_DONE)
            return detail::not_found_after_stand_in();
        if (rc != SQLITE_ROW)
            return failed(*c, "find");
        return detail::decode_found(pool_->log(), s.text(0));
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
        if (!detail::valid_utf8(rec.client_id))
            return make_error(error::client_not_found, "client_id");
        auto text = encode_record(rec);
        if (!text)
            return text.error();
        auto c = pool_->take();
        {
            auto s = c->get(sql::update);
            s.bind(1, rec.client_id);
            s.bind(2, rec.owner.org_id);
            s.bind(3, rec.owner.user_id);
            s.bind(4, static_cast<std::int64_t>(rec.version));
            s.bind(5, rec.updated_at);
            s.bind(6, *text);
            s.bind(7, static_cast<std::int64_t>(expected_version));
            if (s.step() != SQLITE_DONE)
                return failed(*c, "replace");
            if (sqlite3_changes(c->db()) == 1)
                return {};
        }
        return missing_or_conflict(*c, rec.client_id, "replace");
    }

    /** @copydoc basic_memory_storage::erase(std::string_view) */
    result<void> erase(std::string_view id)
    {
        auto c = pool_->take();
        auto s = c->get(sql::erase);
        s.bind(1, id);
        if (s.step() != SQLITE_DONE)
            return failed(*c, "erase");
        if (sqlite3_changes(c->db()) == 0)
            return make_error(error::client_not_found, "client_id");
        return {};
    }

    /** One statement, `DELETE ... WHERE client_id = ? AND version = ?`.
        @copydetails basic_memory_storage::erase(std::string_view, std::uint64_t) */
    result<void> erase(std::string_view id, std::uint64_t expected_version)
    {
        auto c = pool_->take();
        {
            auto s = c->get(sql::erase_version);
            s.bind(1, id);
            s.bind(2, static_cast<std::int64_t>(expected_version));
            if (s.step() != SQLITE_DONE)
                return failed(*c, "erase");
            if (sqlite3_changes(c->db()) == 1)
                return {};
        }
        return missing_or_conflict(*c, id, "erase");
    }

    /** A keyset page: `client_id > cursor` on an index of the owner column,
        one row more than the limit to know whether another page follows.
        @param filter whose records
        @param limit at most this many
        @param cursor the previous page's `next_cursor`; empty: from the start
        @return the page */
    result<list_page> list(owner_filter const& filter, std::size_t limit, std::string_view cursor) const
    {
        return detail::keyset_page(filter, limit, cursor, detail::valid_utf8, [&](auto const& q, auto&& row) {
            auto c = pool_->take();
            auto s = c->get(q.statement);
            s.bind(1, q.after);
            s.bind(2, q.rows);
            for (std::size_t i = 0; i < q.owner_ids.size(); ++i)
                s.bind(static_cast<int>(i) + 3, q.owner_ids[i]);
            int rc;
            while ((rc = s.step()) == SQLITE_ROW && row(s.text(1), s.text(0))) {
            }
            if (rc != SQLITE_ROW && rc != SQLITE_DONE)
                return result<void>(failed(*c, "list"));
            return result<void>();
        });
    }

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
    using pool_type = detail::connection_pool<conn>;
    explicit sqlite_storage(std::unique_ptr<pool_type> p) noexcept : pool_(std::move(p)) {}

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

    /** A call's storage_failure; SQLite's text goes to the log only. */
    error_info failed(conn const& c, std::string_view operation) const
    {
        return detail::storage_failed(pool_->log(), operation, sqlite3_errmsg(c.db()));
    }

    // Behind a pointer so the store moves; never null in a store open() made.
    std::unique_ptr<pool_type> pool_;
};

static_assert(versioned_erase_storage<sqlite_storage>);

} // namespace oauthreg

#endif
