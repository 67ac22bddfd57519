// Tests of storage/sqlite.hpp: the storage contract, persistence across
// opens, schema versioning, corrupt rows and unopenable files.
#include <oauthreg/storage/sqlite.hpp>

#include "../support/catch.hpp"
#include "../support/group_commit.hpp"
#include "../support/listing.hpp"

#include <oauthreg/registry.hpp>
#include <oauthreg/rng/cryptopp.hpp>
#include <oauthreg/testing/assertion_replay_conformance.hpp>
#include <oauthreg/testing/lifecycle_conformance.hpp>
#include <oauthreg/testing/storage_conformance.hpp>
#include <oauthreg/testing/thread_failures.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

using namespace oauthreg;
namespace fs = std::filesystem;

namespace {

/** A fresh database path, removed with its WAL files when the test ends. */
struct temp_db {
    fs::path path;
    temp_db()
    {
        static std::atomic<int> n{0};
        path = fs::temp_directory_path() /
               ("oauthreg-test-" + std::to_string(::getpid()) + "-" + std::to_string(n++) + ".db");
        remove();
    }
    temp_db(temp_db const&) = delete;
    temp_db& operator=(temp_db const&) = delete;
    ~temp_db() { remove(); }
    void remove() const
    {
        std::error_code ec;
        for (char const* suffix : {"", "-wal", "-shm"})
            fs::remove(path.string() + suffix, ec);
    }
};

/** A store that owns its file. */
struct owned_sqlite_store : temp_db, sqlite_storage {
    owned_sqlite_store() : sqlite_storage(sqlite_storage::open({.path = path.string()}).value()) {}
};

sqlite_storage open_at(temp_db const& db, sqlite_durability d = sqlite_durability::full)
{
    auto s = sqlite_storage::open({.path = db.path.string(), .durability = d});
    REQUIRE(s.has_value());
    return std::move(*s);
}

/** A one-connection store on `db` whose log lines go to `lines`. */
sqlite_storage logging_store(temp_db const& db, std::vector<std::string>& lines)
{
    return sqlite_storage::open({.path = db.path.string(),
                                 .connections = 1,
                                 .log = [&lines](std::string_view line) { lines.emplace_back(line); }})
        .value();
}

void raw_exec(temp_db const& db, char const* sql)
{
    sqlite3* h = nullptr;
    REQUIRE(sqlite3_open(db.path.string().c_str(), &h) == SQLITE_OK);
    CHECK(sqlite3_exec(h, sql, nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(h);
}

/** The bytes of a file; empty if it does not exist. */
std::string file_bytes(fs::path const& p)
{
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace

TEST_CASE("sqlite storage answers filtered, page-numbered listings", "[storage][sqlite][conformance][pages]")
{
    testing::check_client_pages([] { return std::make_unique<owned_sqlite_store>(); });
}

TEST_CASE("sqlite storage meets the storage contract", "[storage][sqlite][conformance][concurrency]")
{
    testing::check_storage_contract([] { return std::make_unique<owned_sqlite_store>(); });
}

TEST_CASE("sqlite storage: records survive closing and reopening the file", "[storage][sqlite]")
{
    temp_db db;
    std::string id, secret;
    {
        basic_registry<sqlite_storage, os_rng, system_clock> reg({}, open_at(db));
        auto r = reg.register_client(R"({"redirect_uris":["https://app.example.com/cb"],"client_name#fr":"Bonjour"})",
                                     {"org-1", "user-1"});
        REQUIRE(r.has_value());
        id = r->record.client_id;
        secret = std::string(std::string_view(*r->client_secret));
    }
    basic_registry<sqlite_storage, os_rng, system_clock> reg({}, open_at(db, sqlite_durability::normal));
    auto got = reg.find(id);
    REQUIRE(got.has_value());
    CHECK(got->owner.org_id == "org-1");
    REQUIRE(got->metadata.localized.size() == 1);
    CHECK(got->metadata.localized[0].value == "Bonjour");
    CHECK(reg.authenticate(id, secret).has_value());
    CHECK_FALSE(reg.authenticate(id, secret + "x").has_value());
    CHECK(reg.storage().size().value() == 1);
}

TEST_CASE("sqlite storage: two stores on one file see each other's writes", "[storage][sqlite]")
{
    temp_db db;
    auto a = open_at(db);
    auto b = open_at(db);
    REQUIRE(a.insert(testing::full_record("shared")).has_value());
    CHECK(b.find("shared").value() == testing::full_record("shared"));
    CHECK(b.insert(testing::full_record("shared")).error().kind() == error::client_exists);
    auto v2 = testing::full_record("shared");
    v2.version = 2;
    REQUIRE(b.replace(v2, 1).has_value());
    CHECK(a.replace(v2, 1).error().kind() == error::version_conflict); // optimistic concurrency across stores
    CHECK(a.find("shared")->version == 2);
}

TEST_CASE("sqlite storage: stores opened at once on a fresh file all open, and the schema is made once",
          "[storage][sqlite][concurrency]")
{
    // Each open reads the schema version and the table count from one
    // snapshot; read apart, a first open committing in between looked like
    // another application's tables to a second opener.
    constexpr int rounds = 60, openers = 4;
    testing::thread_failures failures;
    for (int round = 0; round < rounds; ++round) {
        temp_db db;
        std::latch start(openers);
        std::vector<std::thread> threads;
        for (int i = 0; i < openers; ++i)
            threads.emplace_back([&] {
                start.arrive_and_wait();
                auto s = sqlite_storage::open({.path = db.path.string()});
                failures.expect(s.has_value(), s ? "" : "open: " + s.error().description);
            });
        for (auto& t : threads)
            t.join();
        auto s = open_at(db);
        REQUIRE(s.insert(testing::full_record("after")).has_value());
    }
    failures.check();
}

TEST_CASE("sqlite storage: a first open meeting another connection's write lock waits for it, within the busy "
          "timeout",
          "[storage][sqlite][concurrency]")
{
    // Switching a fresh file to WAL needs it unlocked, and SQLite answers
    // SQLITE_BUSY there without calling the busy handler: the open retries.
    using namespace std::chrono_literals;
    temp_db db;
    sqlite3* other = nullptr;
    REQUIRE(sqlite3_open(db.path.string().c_str(), &other) == SQLITE_OK);
    REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
    SECTION("released within the timeout: the open succeeds")
    {
        std::thread release([&] {
            std::this_thread::sleep_for(100ms);
            sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr);
        });
        auto s = sqlite_storage::open({.path = db.path.string(), .busy_timeout = 10s});
        release.join();
        REQUIRE(s.has_value());
        CHECK(s->insert(testing::full_record("after the wait")).has_value());
    }
    SECTION("held past it: the open fails with an error value, and stops trying")
    {
        auto s = sqlite_storage::open({.path = db.path.string(), .busy_timeout = 200ms});
        REQUIRE_FALSE(s.has_value());
        CHECK(s.error().kind() == error::storage_failure);
        CHECK(s.error().description.find("journal_mode=WAL") != std::string::npos);
        sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    sqlite3_close(other);
}

TEST_CASE("sqlite storage: while another connection holds the write lock, writes fail after busy_timeout and "
          "reads go on",
          "[storage][sqlite][timeout]")
{
    using namespace std::chrono_literals;
    using clock = std::chrono::steady_clock;
    CHECK(sqlite_options{}.busy_timeout == 5s); // the documented default
    temp_db db;
    constexpr auto bound = 300ms;
    std::vector<std::string> lines;
    auto s = sqlite_storage::open({.path = db.path.string(),
                                   .busy_timeout = bound,
                                   .log = [&lines](std::string_view line) { lines.emplace_back(line); }})
                 .value();
    REQUIRE(s.insert(testing::full_record("present")).has_value());
    // What another process's `sqlite3 clients.db 'BEGIN IMMEDIATE'` does.
    sqlite3* other = nullptr;
    REQUIRE(sqlite3_open(db.path.string().c_str(), &other) == SQLITE_OK);
    REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
    auto v2 = testing::full_record("present");
    v2.version = 2;
    auto const writes = std::vector<std::pair<char const*, std::function<result<void>()>>>{
        {"insert", [&] { return s.insert(testing::full_record("blocked")); }},
        {"replace", [&] { return s.replace(v2, 1); }},
        {"erase", [&] { return s.erase("present"); }},
        {"erase", [&] { return s.erase("present", 1); }}};
    for (auto const& [operation, call] : writes) {
        auto const t0 = clock::now();
        auto r = call();
        auto const took = clock::now() - t0;
        INFO(operation << " took " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind() == error::storage_failure);
        CHECK(r.error().description == std::string("storage failure: ") + operation);
        CHECK(took >= bound - 50ms);
        CHECK(took < bound + 700ms);
    }
    CHECK(lines.size() == writes.size());
    // WAL: readers never wait for the writer.
    auto const t0 = clock::now();
    CHECK(s.find("present")->version == 1);
    CHECK(s.size().value() == 1);
    CHECK(s.list({}, 10, "").value().clients.size() == 1);
    CHECK(clock::now() - t0 < bound);
    sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(other);
    CHECK(s.replace(v2, 1).has_value());
    CHECK(s.insert(testing::full_record("after")).has_value());
}

TEST_CASE("sqlite storage: a schema version it does not know is refused, not overwritten", "[storage][sqlite]")
{
    temp_db db;
    {
        auto s = open_at(db);
        REQUIRE(s.insert(testing::full_record("kept")).has_value());
    }
    raw_exec(db, "PRAGMA user_version = 7");
    auto refused = sqlite_storage::open({.path = db.path.string()});
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().kind() == error::storage_failure);
    CHECK(refused.error().description.find("schema version 7") != std::string::npos);
    raw_exec(db, ("PRAGMA user_version = " + std::to_string(detail::sqlite_schema_version)).c_str());
    CHECK(open_at(db).find("kept").has_value()); // nothing was lost
    raw_exec(db, ("PRAGMA user_version = " + std::to_string(detail::sqlite_schema_version + 1)).c_str());
    CHECK_FALSE(sqlite_storage::open({.path = db.path.string()}).has_value()); // the next version is newer than ours
}

TEST_CASE("sqlite storage: a corrupt row is an error value, not a crash", "[storage][sqlite]")
{
    temp_db db;
    auto s = open_at(db);
    REQUIRE(s.insert(testing::full_record("good")).has_value());
    REQUIRE(s.insert(testing::full_record("bad")).has_value());
    raw_exec(db, "UPDATE oauth_clients SET record = '{\"format\":1,\"client_id\":7}' WHERE client_id = 'bad'");
    auto r = s.find("bad");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind() == error::storage_failure);
    CHECK(r.error().description.find("client_id") != std::string::npos);
    raw_exec(db, "UPDATE oauth_clients SET record = 'not json' WHERE client_id = 'good'");
    CHECK(s.find("good").error().kind() == error::storage_failure);
    auto page = s.list({}, 10, "");
    REQUIRE(page.has_value()); // each row is reported on its own
    CHECK(page->clients.empty());
    CHECK(page->unreadable.size() == 2);
}

TEST_CASE("sqlite storage: an unreadable row is reported by list, which goes on past it", "[storage][sqlite][issue14]")
{
    temp_db db;
    auto s = open_at(db);
    for (auto const* id : {"a", "b", "c", "d"})
        REQUIRE(s.insert(testing::full_record(id)).has_value());
    // What main stored for a jwks holding 1e400 (Boost.JSON wrote Infinity),
    // and a row that is not JSON at all.
    raw_exec(db, R"(UPDATE oauth_clients SET record = replace(record, '{\"keys\"', )"
                 R"('{\"n\":Infinity,\"keys\"') WHERE client_id = 'b')");
    raw_exec(db, "UPDATE oauth_clients SET record = 'not json' WHERE client_id = 'c'");
    std::vector<std::string> const rows{"a", "!b", "!c", "d"};
    CHECK(test_support::listed_rows(s, 10, "b") == rows);
    CHECK(test_support::listed_rows(s, 1, "b") == rows); // paging walks past unreadable rows too
}

TEST_CASE("sqlite storage: a file that cannot be opened is an error value", "[storage][sqlite]")
{
    auto r = sqlite_storage::open({.path = "/nonexistent-dir/oauthreg/clients.db"});
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind() == error::storage_failure);
    CHECK(r.error().description.find("cannot open") != std::string::npos);
}

TEST_CASE("sqlite storage: a file it refuses is left byte for byte as it was, never switched to WAL",
          "[storage][sqlite]")
{
    struct refused {
        char const* sql;
        char const* why;
    };
    for (auto [sql, why] :
         {refused{"PRAGMA user_version = 7; CREATE TABLE oauth_clients(x); INSERT INTO oauth_clients VALUES(1);",
                  "schema version 7"},
          refused{"CREATE TABLE invoices(id INTEGER PRIMARY KEY, total REAL); INSERT INTO invoices VALUES(1, 9.5);",
                  "another application"}}) {
        INFO(why);
        temp_db db;
        raw_exec(db, sql);
        auto const before = file_bytes(db.path);
        REQUIRE(before.size() >= 100);
        REQUIRE_FALSE(fs::exists(db.path.string() + "-wal"));
        auto r = sqlite_storage::open({.path = db.path.string()});
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind() == error::storage_failure);
        CHECK(r.error().description.find(why) != std::string::npos);
        CHECK(file_bytes(db.path) == before); // journal mode (header bytes 18-19) included
        for (char const* suffix : {"-wal", "-shm", "-journal"})
            CHECK_FALSE(fs::exists(db.path.string() + suffix));
    }
    temp_db garbage;
    std::ofstream(garbage.path, std::ios::binary) << std::string(4096, 'x');
    auto r = sqlite_storage::open({.path = garbage.path.string()});
    REQUIRE_FALSE(r.has_value());
    CHECK(file_bytes(garbage.path) == std::string(4096, 'x'));
}

TEST_CASE("sqlite storage: a failing call names the operation, and SQLite's text goes to the log hook", "[storage][sqlite]")
{
    temp_db db;
    std::vector<std::string> lines;
    auto s = logging_store(db, lines);
    REQUIRE(s.insert(testing::full_record("present")).has_value());
    raw_exec(db, "DROP TABLE oauth_clients");
    auto found = s.find("present");
    REQUIRE_FALSE(found.has_value());
    CHECK(found.error().kind() == error::storage_failure);
    CHECK(found.error().description == "storage failure: find");
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].rfind("find: ", 0) == 0);
    CHECK(lines[0].find("oauth_clients") != std::string::npos);
}

TEST_CASE("sqlite storage: an organization reading a row that cannot be decoded is answered not found, the "
          "operator told through the log hook (RFC 7592 2.1)",
          "[storage][sqlite][registry][store18]")
{
    temp_db db;
    std::vector<std::string> lines;
    basic_registry<sqlite_storage, os_rng, system_clock> reg({}, logging_store(db, lines));
    owner const mine{"org-1", "user-1"}, theirs{"org-2", "user-2"};
    auto const id =
        reg.register_client(R"({"redirect_uris":["https://app.example.com/cb"]})", mine).value().record.client_id;
    raw_exec(db, "UPDATE oauth_clients SET record = 'not json'");
    CHECK(reg.find(id, theirs).error().kind() == error::client_not_found); // not a 500 that names the id
    CHECK(reg.find(id, mine).error().kind() == error::client_not_found);   // its owner cannot be read
    CHECK(reg.find(id).error().kind() == error::storage_failure);
    REQUIRE_FALSE(lines.empty());
    CHECK(lines[0] == "find: storage failure: stored record is not a JSON object");
    INFO("a database that cannot be read at all is still the store's error");
    raw_exec(db, "DROP TABLE oauth_clients");
    CHECK(reg.find(id, theirs).error().kind() == error::storage_failure);
}

TEST_CASE("RFC 7592 2: an unknown client costs the store the decode a known one does, so timing does not tell "
          "them apart",
          "[storage][sqlite][registry][rfc7592]")
{
    temp_db db;
    registry_options opts;
    opts.registration_base_uri = "https://as.example.com/register";
    basic_registry<sqlite_storage, os_rng, system_clock> reg(opts, open_at(db));
    auto const id = reg.register_client(R"({"redirect_uris":["https://app.example.com/cb"],"client_name":"Web"})",
                                        {"org-1", "user-1"})
                        .value()
                        .record.client_id;
    std::string const unknown = "00000000-0000-4000-8000-000000000001";
    auto decoded = [](auto call) {
        auto const before = detail::decoded_bytes();
        call();
        return detail::decoded_bytes() - before;
    };
    std::size_t const known_check = decoded([&] { (void)reg.check_registration_token(id, "wrong"); });
    std::size_t const unknown_check = decoded([&] { (void)reg.check_registration_token(unknown, "wrong"); });
    std::size_t const known_read = decoded([&] { (void)reg.read_registration(id, "wrong"); });
    std::size_t const unknown_read = decoded([&] { (void)reg.read_registration(unknown, "wrong"); });
    std::size_t const unknown_auth = decoded([&] { (void)reg.authenticate(unknown, "wrong"); });
    INFO(known_check << " " << unknown_check << " " << known_read << " " << unknown_read);
    REQUIRE(known_check > 0);
    // One record's worth of text each way: the stand-in is of a typical client's size.
    for (auto n : {unknown_check, unknown_read, unknown_auth}) {
        CHECK(n * 2 > known_check);
        CHECK(n < known_check * 2);
    }
    CHECK(known_read == known_check);
}

TEST_CASE("RFC 8259 8.1: sqlite storage never stores a record whose ids would not read back",
          "[storage][sqlite][codec]")
{
    temp_db db;
    auto s = open_at(db);
    std::string const bad = "id-\xed\xa0\x80"; // a surrogate
    for (auto rec : {testing::full_record(bad), testing::full_record("c", bad), testing::full_record("c", "o", bad)}) {
        auto put = s.insert(rec);
        REQUIRE_FALSE(put.has_value());
        CHECK(put.error().kind() == error::invalid_identifier);
    }
    CHECK(s.list({}, 10, "").value().clients.empty());
    REQUIRE(s.insert(testing::full_record("c")).has_value());
    auto moved = testing::full_record("c", "org-\xc0\xaf");
    moved.version = 2;
    CHECK(s.replace(moved, 1).error().kind() == error::invalid_identifier);
    CHECK(s.find("c").value() == testing::full_record("c")); // untouched, and it reads back
}

// -- the client lifecycle (docs/open-registration.md; schema version 2) ------

namespace {

/** The rows `sql` returns on `db`, each row's columns joined by '|'. */
std::vector<std::string> raw_rows(fs::path const& db, std::string const& sql)
{
    sqlite3* h = nullptr;
    REQUIRE(sqlite3_open(db.string().c_str(), &h) == SQLITE_OK);
    sqlite3_stmt* s = nullptr;
    REQUIRE(sqlite3_prepare_v2(h, sql.c_str(), -1, &s, nullptr) == SQLITE_OK);
    std::vector<std::string> rows;
    while (sqlite3_step(s) == SQLITE_ROW) {
        std::string row;
        for (int i = 0; i < sqlite3_column_count(s); ++i) {
            auto const* t = reinterpret_cast<char const*>(sqlite3_column_text(s, i));
            if (i)
                row += '|';
            row += t ? t : "NULL";
        }
        rows.push_back(std::move(row));
    }
    sqlite3_finalize(s);
    sqlite3_close(h);
    return rows;
}

std::string own_sql(detail::sqlite_statements::id id)
{
    return detail::sqlite_statements::text()[std::size_t{id} - detail::sql_statements::shared];
}

/** A store on `db` that waits up to a minute for the file's write lock. */
sqlite_storage open_patient(temp_db const& db)
{
    using namespace std::chrono_literals;
    return sqlite_storage::open({.path = db.path.string(), .busy_timeout = 60s}).value();
}

/** Runs `attempt(i)` on 16 threads at once against `db`: a third connection
    holds the file's write lock while they start, so that all those holding a
    connection reach the file together when it is released (on two cores,
    commits this fast barely overlap otherwise). @return how many returned true */
template <class F> int gated_race(temp_db const& db, F attempt)
{
    sqlite3* gate = nullptr;
    REQUIRE(sqlite3_open(db.path.string().c_str(), &gate) == SQLITE_OK);
    REQUIRE(sqlite3_exec(gate, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
    int wins = 0;
    std::thread racers([&] { wins = testing::detail::count_concurrent_successes(16, attempt); });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    sqlite3_exec(gate, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(gate);
    racers.join();
    return wins;
}

/** How many remembered assertions (schema version 3) the file holds, expired ones included. */
std::size_t held_assertions(fs::path const& db)
{
    return std::stoul(raw_rows(db, "SELECT count(*) FROM seen_assertions").at(0));
}

} // namespace

TEST_CASE("sqlite storage keeps the client lifecycle", "[storage][sqlite][conformance][lifecycle][concurrency]")
{
    testing::check_lifecycle_contract([] { return std::make_unique<owned_sqlite_store>(); }, true);
}

TEST_CASE("sqlite storage: two stores on one file (two instances) never overshoot a quota nor a token's uses",
          "[storage][sqlite][lifecycle][concurrency]")
{
    // Each store has its own connections; only the file's write lock (BEGIN
    // IMMEDIATE) orders their conditional inserts (see gated_race).
    temp_db db;
    auto a = open_patient(db);
    auto b = open_patient(db);
    sqlite_storage* stores[] = {&a, &b};
    std::atomic<int> refused{0};
    auto race = [&](std::string const& prefix, std::string const& org, insert_conditions const& c, error expected) {
        return gated_race(db, [&](int i) {
            auto r = stores[i % 2]->insert(testing::full_record(prefix + std::to_string(i), org), c);
            if (!r && r.error().kind() == expected)
                ++refused;
            return r.has_value();
        });
    };

    CHECK(race("quota-", "org-race", insert_conditions{5, std::nullopt, 1700000000}, error::quota_exceeded) == 5);
    CHECK(refused.exchange(0) == 11); // every other one for the quota, none for a busy file
    CHECK(testing::detail::collect(b, owner_filter{"org-race", std::nullopt}, 100).size() == 5);

    REQUIRE(a.insert_token(testing::token_record("t-race", 0x44, "org-t", 3)).has_value());
    insert_conditions const spend{0, testing::token_record("", 0x44).token_hash, 1700000010};
    CHECK(race("token-", "org-t", spend, error::invalid_initial_access_token) == 3);
    CHECK(refused.load() == 13);
    CHECK(b.find_token(*spend.initial_access_token)->uses == 3);
    CHECK(a.size().value() == 8);
}

TEST_CASE("sqlite storage: a client used after the reaper read it as idle is not deleted",
          "[storage][sqlite][lifecycle][concurrency]")
{
    // Another connection holds the write lock with a use of "idle-a" not yet
    // committed: the reaper reads both clients as idle, waits for the lock,
    // and its DELETE, testing the idleness again, spares the one used meanwhile.
    using namespace std::chrono_literals;
    temp_db db;
    auto s = open_at(db);
    unix_seconds const cut = 1700100000;
    for (char const* id : {"idle-a", "idle-b"})
        REQUIRE(s.insert(testing::detail::aged_record(id, "org-1", cut - 10, client_origin::registration)).has_value());
    sqlite3* other = nullptr;
    REQUIRE(sqlite3_open(db.path.string().c_str(), &other) == SQLITE_OK);
    REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
    auto const use = "UPDATE oauth_clients SET last_used_at = " + std::to_string(cut) + " WHERE client_id = 'idle-a'";
    REQUIRE(sqlite3_exec(other, use.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
    std::latch started(1);
    result<std::size_t> reaped = 0;
    std::thread reaper([&] {
        started.count_down();
        reaped = s.reap(reap_query{client_origin::registration, cut, 10});
    });
    started.wait();
    std::this_thread::sleep_for(300ms); // the reaper reads its batch, then waits for the lock
    REQUIRE(sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK);
    reaper.join();
    sqlite3_close(other);
    REQUIRE(reaped.has_value());
    CHECK(*reaped == 1);
    CHECK(s.find("idle-a").value().last_used_at == cut);
    CHECK(s.find("idle-b").error().kind() == error::client_not_found);
}

TEST_CASE("sqlite storage: a use writes last_used_at beside the record, never the record or its version, and every read "
          "returns it",
          "[storage][sqlite][lifecycle]")
{
    temp_db db;
    auto s = open_at(db);
    REQUIRE(s.insert(testing::full_record("used")).has_value());
    REQUIRE(s.insert(testing::full_record("unused")).has_value());
    auto const row = "SELECT record, version, updated_at FROM oauth_clients WHERE client_id = 'used'";
    auto const before = raw_rows(db.path, row);
    REQUIRE(s.touch("used", 1700000500).has_value());
    CHECK(raw_rows(db.path, row) == before);
    CHECK(raw_rows(db.path, "SELECT last_used_at FROM oauth_clients ORDER BY client_id") ==
          std::vector<std::string>{"0", "1700000500"});
    CHECK(s.find("used")->last_used_at == 1700000500);
    unix_seconds visited = 0;
    REQUIRE(s.visit("used", [&](client_record const& r) { visited = r.last_used_at; }).has_value());
    CHECK(visited == 1700000500);
    auto all = s.list({}, 10, "").value();
    REQUIRE(all.clients.size() == 2);
    CHECK(all.clients[0].last_used_at == 0); // "unused"
    CHECK(all.clients[1].last_used_at == 1700000500);
    auto first = s.list({}, 1, "").value(); // "used" is read past the page, not in it
    REQUIRE(first.clients.size() == 1);
    CHECK(first.clients[0].last_used_at == 0);
    auto second = s.list({}, 1, first.next_cursor.value()).value();
    REQUIRE(second.clients.size() == 1);
    CHECK(second.clients[0].client_id == "used");
    CHECK(second.clients[0].last_used_at == 1700000500);
}

TEST_CASE("sqlite storage: the reaper's query reads only idle clients, on its index, and the quota reads the "
          "organization's count",
          "[storage][sqlite][lifecycle]")
{
    temp_db db;
    (void)open_at(db);
    auto plan = [&](detail::sqlite_statements::id id) {
        std::string all;
        for (auto const& row : raw_rows(db.path, "EXPLAIN QUERY PLAN " + own_sql(id)))
            all += row + "\n";
        return all;
    };
    for (auto id : {detail::sqlite_statements::idle_ids, detail::sqlite_statements::count_idle}) {
        auto const p = plan(id);
        INFO(p);
        CHECK(p.find("INDEX oauth_clients_idle (origin=? AND <expr><?)") != std::string::npos);
    }
    auto const quota = plan(detail::sqlite_statements::org_count);
    INFO(quota);
    CHECK(quota.find("SEARCH oauth_client_counts USING PRIMARY KEY (org_id=?)") != std::string::npos);
}

TEST_CASE("sqlite storage: a failed migration leaves the version 1 file as it was", "[storage][sqlite][lifecycle]")
{
    temp_db db;
    raw_exec(db, detail::sqlite_schema_v1);
    raw_exec(db, "INSERT INTO oauth_clients VALUES('corrupt', 'org-1', 'user-1', 1, 5, 5, 'not json');"
                 "CREATE TABLE oauth_initial_access_tokens(x);"); // in the migration's way
    auto refused = sqlite_storage::open({.path = db.path.string()});
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().kind() == error::storage_failure);
    CHECK(raw_rows(db.path, "PRAGMA user_version") == std::vector<std::string>{"1"});
    CHECK(raw_rows(db.path, "SELECT count(*) FROM pragma_table_info('oauth_clients')") ==
          std::vector<std::string>{"7"});
    raw_exec(db, "DROP TABLE oauth_initial_access_tokens");
    auto s = open_at(db);
    CHECK(raw_rows(db.path, "PRAGMA user_version") ==
          std::vector<std::string>{std::to_string(detail::sqlite_schema_version)});
    // A row whose text is not JSON does not stop the migration; it is kept, and listed as unreadable.
    CHECK(raw_rows(db.path, "SELECT origin, last_used_at FROM oauth_clients") == std::vector<std::string>{"api|0"});
    CHECK(test_support::listed_rows(s, 10) == std::vector<std::string>{"!corrupt"});
}

TEST_CASE("sqlite storage: a file written by the release before the client lifecycle (schema version 1) opens "
          "migrated, every client kept",
          "[storage][sqlite][lifecycle][migration]")
{
    // tests/storage/fixtures/README.md says how the fixture was made.
    temp_db db;
    fs::copy_file(fs::path(OAUTHREG_FIXTURES_DIR) / "sqlite_v1.db", db.path);
    REQUIRE(raw_rows(db.path, "PRAGMA user_version") == std::vector<std::string>{"1"});
    auto const v1_rows = raw_rows(db.path, "SELECT client_id, org_id, version, created_at, record FROM oauth_clients "
                                           "ORDER BY client_id");
    REQUIRE(v1_rows.size() == 7);

    auto s = open_at(db);
    CHECK(raw_rows(db.path, "PRAGMA user_version") ==
          std::vector<std::string>{std::to_string(detail::sqlite_schema_version)});
    // Nothing of a client was rewritten: its text, version and times are as they were.
    CHECK(raw_rows(db.path, "SELECT client_id, org_id, version, created_at, record FROM oauth_clients "
                            "ORDER BY client_id") == v1_rows);
    auto const listed = testing::detail::collect(s, {}, 2);
    REQUIRE(listed.size() == v1_rows.size());
    // The fixture's sessions named each client after the route that made it;
    // one registered without an RFC 7592 token reads as made by the record
    // API, as decode_record infers it.
    std::vector<std::string> seen;
    for (auto const& id : listed) {
        auto rec = s.find(id);
        REQUIRE(rec.has_value());
        auto const name = rec->metadata.client_name.value_or("");
        INFO(id << " " << name);
        CHECK(rec->origin == (rec->registration_token_hash ? client_origin::registration : client_origin::api));
        CHECK(rec->last_used_at == 0);
        seen.push_back(name + ": " + std::string(to_string(rec->origin)));
    }
    std::sort(seen.begin(), seen.end());
    CHECK(seen == std::vector<std::string>{"created 1 (patched): api", "created 2: api", "registered 1: registration",
                                           "registered 2: registration", "registered 3: registration",
                                           "registered 4 (no owner): registration",
                                           "registered 5 (no RFC 7592 token): api"});
    CHECK(raw_rows(db.path, "SELECT origin, count(*) FROM oauth_clients GROUP BY origin ORDER BY origin") ==
          std::vector<std::string>{"api|3", "registration|4"});

    SECTION("it is at the current version, and remembers client assertions")
    {
        CHECK(raw_rows(db.path, "PRAGMA user_version") ==
              std::vector<std::string>{std::to_string(detail::sqlite_schema_version)});
        CHECK(s.remember_assertion(listed.front(), "jti-1", 4000000060, 4000000000).value());
        CHECK_FALSE(s.remember_assertion(listed.front(), "jti-1", 4000000060, 4000000030).value());
        CHECK(held_assertions(db.path) == 1);
    }

    SECTION("touch, quotas, tokens and reaping work on it")
    {
        unix_seconds const later = 4000000000; // after the fixture's clients were made
        std::string const used = listed.front();
        auto const origin_of_used = s.find(used)->origin;
        auto const version_of_used = s.find(used)->version;
        REQUIRE(s.touch(used, later).has_value());
        CHECK(s.find(used)->last_used_at == later);
        CHECK(s.find(used)->version == version_of_used);

        std::size_t const in_org_1 = testing::detail::collect(s, owner_filter{"org-1", std::nullopt}, 100).size();
        REQUIRE(in_org_1 > 0);
        CHECK(s.insert(testing::full_record("over", "org-1"), insert_conditions{in_org_1, std::nullopt, later})
                  .error()
                  .kind() == error::quota_exceeded);
        REQUIRE(s.insert_token(testing::token_record("t-1", 0x55, "org-1", 1, later)).has_value());
        auto const spend = insert_conditions{in_org_1 + 1, testing::token_record("", 0x55).token_hash, later};
        CHECK(s.insert(testing::full_record("under", "org-1"), spend).has_value());
        CHECK(s.find_token(*spend.initial_access_token)->uses == 1);

        // "under" (made at 1700000000 by full_record, origin registration) is idle too.
        std::size_t const idle_registrations = 4 + 1 - (origin_of_used == client_origin::registration ? 1 : 0);
        reap_query const q{client_origin::registration, later, 100};
        CHECK(s.count_idle(q).value() == idle_registrations);
        CHECK(s.reap(q).value() == idle_registrations);
        std::size_t const idle_api = 3 - (origin_of_used == client_origin::api ? 1 : 0);
        CHECK(s.count_idle(reap_query{std::nullopt, later, 100}).value() == idle_api);
        CHECK(s.find(used).has_value());
        CHECK(s.size().value() == idle_api + 1);
    }
}

// -- remembered client assertions (RFC 7523 jti; schema version 3) ----------

TEST_CASE("sqlite storage remembers RFC 7523 client assertions: a replay fails, expired ones are dropped",
          "[storage][sqlite][conformance][assertion_replay][concurrency]")
{
    testing::check_assertion_replay_contract([] { return std::make_unique<owned_sqlite_store>(); }, true,
                                             [](owned_sqlite_store& s) { return held_assertions(s.path); });
}

TEST_CASE("sqlite storage: one assertion presented through two stores on one file (two instances) at once is new "
          "to exactly one",
          "[storage][sqlite][assertion_replay][concurrency]")
{
    // Only the file's write lock orders the two stores' statements (see gated_race).
    temp_db db;
    auto a = open_patient(db);
    auto b = open_patient(db);
    sqlite_storage* stores[] = {&a, &b};
    testing::thread_failures failures;
    for (int round = 0; round < 3; ++round) {
        std::string const jti = "race-" + std::to_string(round);
        int const firsts = gated_race(db, [&](int i) {
            auto r = stores[i % 2]->remember_assertion("client-a", jti, 1700000060, 1700000000);
            failures.expect(r.has_value(), "remember_assertion " + jti);
            return r && *r;
        });
        CHECK(firsts == 1);
    }
    failures.check();
    CHECK(held_assertions(db.path) == 3);
}

TEST_CASE("sqlite storage: expired assertions are deleted on the expiry's index, at most 256 a time",
          "[storage][sqlite][assertion_replay]")
{
    temp_db db;
    (void)open_at(db);
    std::string plan;
    for (auto const& row : raw_rows(db.path, "EXPLAIN QUERY PLAN " + own_sql(detail::sqlite_statements::sweep_assertions)))
        plan += row + "\n";
    INFO(plan);
    CHECK(plan.find("COVERING INDEX seen_assertions_by_expiry (expires_at<?)") != std::string::npos);

    // 1000 expired pairs; one connection, so its 128th call deletes 256 of them, and no more.
    auto s = sqlite_storage::open({.path = db.path.string(), .durability = sqlite_durability::normal,
                                   .connections = 1})
                 .value();
    for (int i = 0; i < 1000; ++i)
        REQUIRE(s.remember_assertion("client-a", "old-" + std::to_string(i), 1700000001, 1700000000).value());
    // Calls 1001 to 1023 on this connection; the sweep came at 896 and found nothing expired.
    CHECK(held_assertions(db.path) == 1000);
    for (int i = 0; i < 23; ++i)
        REQUIRE(s.remember_assertion("client-a", "new-" + std::to_string(i), 1700001000, 1700000002).value());
    CHECK(held_assertions(db.path) == 1023);
    REQUIRE(s.remember_assertion("client-a", "new-23", 1700001000, 1700000002).value()); // call 1024
    CHECK(held_assertions(db.path) == 1024 - 256);
    CHECK(raw_rows(db.path, "SELECT count(*) FROM seen_assertions WHERE jti LIKE 'new-%'") ==
          std::vector<std::string>{"24"});
}

TEST_CASE("sqlite storage: a file of schema version 2 opens migrated to the current version, clients and tokens kept, and "
          "remembers assertions",
          "[storage][sqlite][assertion_replay][migration]")
{
    temp_db db;
    raw_exec(db, detail::sqlite_schema_v1);
    raw_exec(db, detail::sqlite_migrate_v1_v2);
    REQUIRE(raw_rows(db.path, "PRAGMA user_version") == std::vector<std::string>{"2"});
    {
        // What a version 2 store wrote: a client and a token, through the columns version 2 has.
        auto text = encode_record(testing::full_record("kept")).value();
        for (auto at = text.find('\''); at != std::string::npos; at = text.find('\'', at + 2))
            text.insert(at, 1, '\''); // an SQL string literal
        raw_exec(db, ("INSERT INTO oauth_clients(client_id, org_id, user_id, version, created_at, updated_at, record,"
                      " origin, last_used_at) VALUES('kept', 'org-1', 'user-1', 1, 1700000000, 1700000000, '" +
                      text + "', 'registration', 1700000500)")
                         .c_str());
        raw_exec(db, "INSERT INTO oauth_initial_access_tokens VALUES('t-1', zeroblob(32), 'org-1', 'minter', 1, 0,"
                     " 1700003600, 1700000000)");
    }
    auto s = open_at(db);
    CHECK(raw_rows(db.path, "PRAGMA user_version") ==
          std::vector<std::string>{std::to_string(detail::sqlite_schema_version)});
    CHECK(raw_rows(db.path, "SELECT name FROM sqlite_master WHERE tbl_name = 'seen_assertions' ORDER BY name") ==
          std::vector<std::string>{"seen_assertions", "seen_assertions_by_expiry"});
    auto kept = s.find("kept");
    REQUIRE(kept.has_value());
    CHECK(kept->last_used_at == 1700000500);
    CHECK(s.list_tokens("org-1").value().size() == 1);
    CHECK(s.remember_assertion("kept", "jti-1", 1700000060, 1700000000).value());
    CHECK_FALSE(s.remember_assertion("kept", "jti-1", 1700000060, 1700000060).value());
    CHECK(s.remember_assertion("kept", "jti-1", 1700000160, 1700000061).value());
}

namespace {

/** The plan SQLite makes for `sql` on the file `db`, one line per step. */
std::string query_plan(temp_db const& db, std::string const& sql)
{
    std::string all;
    for (auto const& row : raw_rows(db.path, "EXPLAIN QUERY PLAN " + sql))
        all += row + "\n";
    return all;
}

/** Each organization's count as the counts table keeps it, and as a count of its rows says. */
std::pair<std::vector<std::string>, std::vector<std::string>> kept_and_true_counts(temp_db const& db)
{
    return {raw_rows(db.path, "SELECT org_id, clients FROM oauth_client_counts WHERE clients <> 0 ORDER BY org_id"),
            raw_rows(db.path, "SELECT org_id, count(*) FROM oauth_clients GROUP BY org_id ORDER BY org_id")};
}

} // namespace

TEST_CASE("sqlite storage: a listing's page and total are read on indexes, never by scanning the organization "
          "(EXPLAIN QUERY PLAN)",
          "[storage][sqlite][pages]")
{
    temp_db db;
    (void)open_at(db);
    client_page_query q;
    q.owner.org_id = "org-1";
    INFO("unfiltered: the offset walked on the listing's index alone, the page's rows by primary key, the total "
         "its counts row");
    auto unfiltered = detail::sqlite_page(q);
    REQUIRE(unfiltered.org_total);
    auto text = detail::page_statements(unfiltered, "oauth_clients", '?');
    CHECK(text.count.empty());
    std::string plan;
    for (auto const& statement : {text.rows, text.rows_back}) { // a page past the middle: walked back from the end
        plan = query_plan(db, statement);
        INFO(plan);
        CHECK(plan.find("SEARCH oauth_clients USING COVERING INDEX oauth_clients_listing (org_id=?)") !=
              std::string::npos);
        CHECK(plan.find("SEARCH oauth_clients USING PRIMARY KEY (client_id=?)") != std::string::npos);
        CHECK(plan.find("TEMP B-TREE") == std::string::npos);
    }
    CHECK(query_plan(db, own_sql(detail::sqlite_statements::org_count))
              .find("SEARCH oauth_client_counts USING PRIMARY KEY (org_id=?)") != std::string::npos);

    INFO("filter[name]: the rows and the count on the name's index, already in client_id order");
    q.name = "Example";
    auto named = detail::page_statements(detail::sqlite_page(q), "oauth_clients", '?');
    plan = query_plan(db, named.rows);
    INFO(plan);
    CHECK(plan.find("SEARCH oauth_clients USING COVERING INDEX oauth_clients_by_org_name (org_id=? AND "
                    "client_name=?)") != std::string::npos);
    CHECK(plan.find("TEMP B-TREE") == std::string::npos);
    plan = query_plan(db, named.count);
    INFO(plan);
    CHECK(plan.find("COVERING INDEX oauth_clients_by_org_name (org_id=? AND client_name=?)") != std::string::npos);

    INFO("filter[client_type]: the offset and the count a range of the type's index, never sorted");
    q.name.reset();
    q.type = client_type::confidential;
    auto typed = detail::page_statements(detail::sqlite_page(q), "oauth_clients", '?');
    for (auto const& statement : {typed.rows, typed.rows_back, typed.count}) {
        plan = query_plan(db, statement);
        INFO(plan);
        CHECK(plan.find("SEARCH oauth_clients USING COVERING INDEX oauth_clients_by_org_type (org_id=? AND "
                        "client_type=?)") != std::string::npos);
        CHECK(plan.find("TEMP B-TREE") == std::string::npos);
    }
    q.type.reset();

    INFO("filter[grant_types]: the offset and the count walked on the listing's index alone, never sorted");
    q.grant_type_contains = grant_type::refresh_token;
    auto granted = detail::page_statements(detail::sqlite_page(q), "oauth_clients", '?');
    for (auto const& statement : {granted.rows, granted.count}) {
        plan = query_plan(db, statement);
        INFO(plan);
        CHECK(plan.find("SEARCH oauth_clients USING COVERING INDEX oauth_clients_listing (org_id=?)") !=
              std::string::npos);
        CHECK(plan.find("TEMP B-TREE") == std::string::npos);
    }
    q.grant_type_contains.reset();

    INFO("filter[client_id]: the primary key");
    q.name.reset();
    q.client_id = "c-1";
    plan = query_plan(db, detail::page_statements(detail::sqlite_page(q), "oauth_clients", '?').rows);
    INFO(plan);
    CHECK(plan.find("USING PRIMARY KEY (client_id=?)") != std::string::npos);
}

TEST_CASE("sqlite storage: the clients per organization are kept in the transaction of every insert, erase, "
          "change of owner and reap",
          "[storage][sqlite][pages]")
{
    temp_db db;
    auto s = open_at(db);
    for (int i = 0; i < 6; ++i)
        REQUIRE(s.insert(testing::full_record("c-" + std::to_string(i), i < 4 ? "org-a" : "org-b")).has_value());
    REQUIRE_FALSE(s.insert(testing::full_record("c-0", "org-b")).has_value()); // taken: nothing counted
    CHECK(kept_and_true_counts(db).first == std::vector<std::string>{"org-a|4", "org-b|2"});
    REQUIRE(s.erase("c-1").has_value());
    auto moved = s.find("c-2").value();
    auto const at = moved.version++;
    moved.owner.org_id = "org-b";
    REQUIRE(s.replace(moved, at).has_value());
    auto kept = kept_and_true_counts(db);
    CHECK(kept.first == std::vector<std::string>{"org-a|2", "org-b|3"});
    CHECK(kept.first == kept.second);
    REQUIRE(s.reap({.idle_since = 4000000000, .limit = 10}).value() == 5);
    CHECK(kept_and_true_counts(db).first.empty());
    client_page_query q;
    q.owner.org_id = "org-b";
    auto p = page_clients(s, q);
    REQUIRE(p.has_value());
    CHECK(p->total_results == 0);
}

TEST_CASE("sqlite storage: a file of schema version 3 opens migrated to version 4: every client's name, type and "
          "grant types filled in, each organization counted, and the listing filters find old clients",
          "[storage][sqlite][pages][migration]")
{
    temp_db db;
    raw_exec(db, detail::sqlite_schema_v1);
    raw_exec(db, detail::sqlite_migrate_v1_v2);
    raw_exec(db, detail::sqlite_migrate_v2_v3);
    REQUIRE(raw_rows(db.path, "PRAGMA user_version") == std::vector<std::string>{"3"});
    // What a version 3 store wrote: 600 clients (more than a batch of the migration) and a corrupt row.
    std::string rows = "BEGIN;";
    for (int i = 0; i < 600; ++i) {
        auto r = testing::full_record("old-" + std::to_string(1000 + i), i % 2 ? "org-odd" : "org-even");
        r.metadata.client_name = "Old " + std::to_string(i);
        r.metadata.token_endpoint_auth_method = i % 3 == 0 ? auth_method::none : auth_method::client_secret_basic;
        if (i % 5 == 0)
            r.metadata.grant_types = {grant_type::client_credentials};
        auto text = encode_record(r).value();
        for (auto at = text.find('\''); at != std::string::npos; at = text.find('\'', at + 2))
            text.insert(at, 1, '\'');
        rows += "INSERT INTO oauth_clients(client_id, org_id, user_id, version, created_at, updated_at, record, origin,"
                " last_used_at) VALUES('" + r.client_id + "', '" + r.owner.org_id + "', 'user-1', 1, 1700000000,"
                " 1700000000, '" + text + "', 'registration', 0);";
    }
    rows += "INSERT INTO oauth_clients VALUES('old-corrupt', 'org-even', 'user-1', 1, 5, 5, 'not json', 0, 'api');"
            "COMMIT;";
    raw_exec(db, rows.c_str());

    auto s = open_at(db);
    CHECK(raw_rows(db.path, "PRAGMA user_version") == std::vector<std::string>{"4"});
    CHECK(raw_rows(db.path, "SELECT client_name, client_type, grant_types FROM oauth_clients WHERE client_id IN"
                            " ('old-1003', 'old-1005', 'old-corrupt') ORDER BY client_id") ==
          std::vector<std::string>{"Old 3|0|17", "Old 5|1|8", "NULL|-1|0"});
    auto kept = kept_and_true_counts(db);
    CHECK(kept.first == std::vector<std::string>{"org-even|301", "org-odd|300"});
    CHECK(kept.first == kept.second);

    client_page_query q;
    q.owner.org_id = "org-even";
    q.name = "Old 598";
    auto p = page_clients(s, q);
    REQUIRE(p.has_value());
    CHECK(testing::detail::page_ids(*p) == std::vector<std::string>{"old-1598"});
    q.name.reset();
    q.grant_type_contains = grant_type::client_credentials; // i % 5 == 0 and even: i % 10 == 0
    q.type = client_type::public_client;                    // and i % 3 == 0: i % 30 == 0
    p = page_clients(s, q);
    REQUIRE(p.has_value());
    CHECK(p->total_results == 20);
    q = {};
    q.owner.org_id = "org-even"; // the corrupt row is counted, but not on any page
    p = page_clients(s, q);
    REQUIRE(p.has_value());
    CHECK(p->total_results == 301);
}

TEST_CASE("sqlite storage: concurrent writes are group-committed, each answered with its own result once committed",
          "[storage][sqlite][group_commit][concurrency]")
{
    temp_db db;
    auto s = open_at(db);
    auto reader = open_at(db); // other connections: sees only what committed
    test_support::check_group_commit(s, reader);
}

TEST_CASE("sqlite storage: inside a batch, a quota admits exactly its number and a token exactly its uses",
          "[storage][sqlite][group_commit][lifecycle][concurrency]")
{
    temp_db db;
    auto s = open_at(db);
    test_support::check_batched_conditions(s);
}
