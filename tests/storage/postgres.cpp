// Tests of storage/postgres.hpp against a real server: the storage contract,
// two stores as two server instances, schema versioning, and connections the
// server drops. OAUTHREG_TEST_PG names the server (scripts/with-postgres.sh
// starts a throwaway one); without it the tests skip, except under CI.
#include <oauthreg/storage/postgres.hpp>

#include "../support/catch.hpp"
#include "../support/group_commit.hpp"
#include "../support/listing.hpp"
#include "../support/pg_reply_dropper.hpp"

#include <oauthreg/registry.hpp>
#include <oauthreg/rng/cryptopp.hpp>
#include <oauthreg/testing/assertion_replay_conformance.hpp>
#include <oauthreg/testing/lifecycle_conformance.hpp>
#include <oauthreg/testing/storage_conformance.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <latch>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

using namespace oauthreg;

namespace {

/** The test server's conninfo, or empty (and the test reports itself skipped). */
std::string test_server()
{
    char const* pg = std::getenv("OAUTHREG_TEST_PG");
    if (pg && *pg)
        return pg;
    if (std::getenv("CI"))
        FAIL("CI must run the PostgreSQL tests: run them under scripts/with-postgres.sh or set OAUTHREG_TEST_PG");
    WARN("SKIPPED: no PostgreSQL server (set OAUTHREG_TEST_PG or run under scripts/with-postgres.sh)");
    return {};
}

/** Runs SQL on its own connection; returns the first value of the first row. */
std::string admin(std::string const& conninfo, std::string const& sql)
{
    PGconn* c = PQconnectdb(conninfo.c_str());
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    PQsetNoticeProcessor(
        c, [](void*, char const*) {}, nullptr);
    PGresult* r = PQexec(c, sql.c_str());
    auto st = PQresultStatus(r);
    INFO(sql << ": " << PQresultErrorMessage(r));
    CHECK((st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK));
    std::string out = st == PGRES_TUPLES_OK && PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
    PQclear(r);
    PQfinish(c);
    return out;
}

/** What schema 4 added to `schema`'s tables, dropped: the three columns
    (and the indexes holding them), the counts, their function and triggers. */
std::string schema_4_undone(std::string const& schema)
{
    return "ALTER TABLE " + schema + ".oauth_clients DROP COLUMN client_name, DROP COLUMN client_type, DROP COLUMN"
           " grant_types; DROP TABLE " + schema + ".oauth_client_counts; DROP FUNCTION " + schema +
           ".oauthreg_count_clients() CASCADE;";
}

/** The server's TCP host and port, for a proxy in front of it; none for a
    Unix socket, and then the test reports itself skipped, except under CI,
    where it fails (scripts/with-postgres.sh listens on 127.0.0.1). */
std::optional<std::pair<std::string, std::string>> tcp_address(std::string const& conninfo)
{
    PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), nullptr);
    REQUIRE(opts);
    std::string host, port = "5432";
    for (auto* o = opts; o->keyword; ++o) {
        std::string_view k = o->keyword;
        if (o->val && (k == "host" || k == "hostaddr"))
            host = o->val;
        if (o->val && k == "port")
            port = o->val;
    }
    PQconninfoFree(opts);
    if (!host.empty() && host.front() != '/')
        return std::pair{host, port};
    if (std::getenv("CI"))
        FAIL("CI must run the proxy tests: give OAUTHREG_TEST_PG a TCP host (scripts/with-postgres.sh does)");
    WARN("SKIPPED: the proxy needs a TCP server address");
    return std::nullopt;
}

std::string unique_name(char const* prefix)
{
    static std::atomic<int> n{0};
    return std::string(prefix) + std::to_string(::getpid()) + "_" + std::to_string(n++);
}

/** A store in its own schema, dropped when the store goes. */
struct owned_pg_store : postgres_storage {
    std::string conninfo, schema;
    owned_pg_store(std::string ci, std::string s)
        : postgres_storage(postgres_storage::open({.conninfo = ci, .schema = s}).value()), conninfo(std::move(ci)),
          schema(std::move(s))
    {}
    ~owned_pg_store() { admin(conninfo, "DROP SCHEMA IF EXISTS " + schema + " CASCADE"); }
};

/** A second store on `schema` whose log hook appends each line to `lines`. */
postgres_storage logging_store(std::string const& server, std::string const& schema, std::vector<std::string>& lines)
{
    return postgres_storage::open({.conninfo = server,
                                   .connections = 1,
                                   .schema = schema,
                                   .log = [&lines](std::string_view line) { lines.emplace_back(line); }})
        .value();
}

} // namespace

TEST_CASE("postgres storage meets the storage contract", "[storage][postgres][conformance][concurrency]")
{
    auto server = test_server();
    if (server.empty())
        return;
    testing::check_storage_contract(
        [&] { return std::make_unique<owned_pg_store>(server, unique_name("oauthreg_conformance_")); });
}

TEST_CASE("postgres storage answers filtered, page-numbered listings", "[storage][postgres][conformance][pages]")
{
    auto server = test_server();
    if (server.empty())
        return;
    testing::check_client_pages(
        [&] { return std::make_unique<owned_pg_store>(server, unique_name("oauthreg_pages_")); });
}

TEST_CASE("postgres storage: in a database whose locale folds letters beyond ASCII, filter[name][contains] still "
          "folds only ASCII letters",
          "[storage][postgres][pages]")
{
    auto server = test_server();
    if (server.empty())
        return;
    auto db = unique_name("oauthreg_locale_");
    // C.UTF-8 folds U+00DC to U+00FC; the random queries hold both as fragments.
    admin(server, "CREATE DATABASE " + db + " TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'");
    auto conninfo = server + " dbname=" + db;
    REQUIRE(admin(conninfo, "SELECT lower(U&'\\00DC') = U&'\\00FC'") == "t");
    testing::check_client_pages([&] { return std::make_unique<owned_pg_store>(conninfo, unique_name("oauthreg_loc_")); });
    admin(server, "DROP DATABASE " + db);
}

TEST_CASE("postgres storage: two instances on one database share clients and versions", "[storage][postgres]")
{
    auto server = test_server();
    if (server.empty())
        return;
    owned_pg_store a(server, unique_name("oauthreg_shared_"));
    auto b = postgres_storage::open({.conninfo = server, .connections = 2, .schema = a.schema}).value();
    basic_registry<postgres_storage, os_rng, system_clock> reg({}, std::move(b));
    auto r = reg.register_client(R"({"redirect_uris":["https://app.example.com/cb"],"client_name#ja":"アプリ"})",
                                 {"org-1", "user-1"});
    REQUIRE(r.has_value());
    auto seen = a.find(r->record.client_id);
    REQUIRE(seen.has_value());
    CHECK(*seen == r->record); // byte for byte, Unicode included
    auto v2 = *seen;
    v2.version = 2;
    REQUIRE(a.replace(v2, 1).has_value());
    // The other instance's update started from version 1: it must not overwrite.
    CHECK(reg.update(r->record.client_id, R"({"redirect_uris":["https://app.example.com/cb"]})", 1).error().kind() ==
          error::version_conflict);
    CHECK(reg.authenticate(r->record.client_id, std::string_view(*r->client_secret)).has_value());
    CHECK(reg.storage().size().value() == 1);
    CHECK(reg.erase(r->record.client_id).has_value());
    CHECK(a.find(r->record.client_id).error().kind() == error::client_not_found);
}

TEST_CASE("postgres storage: a schema version it does not know is refused", "[storage][postgres]")
{
    auto server = test_server();
    if (server.empty())
        return;
    owned_pg_store a(server, unique_name("oauthreg_version_"));
    REQUIRE(a.insert(testing::full_record("kept")).has_value());
    admin(server, "UPDATE " + a.schema + ".oauthreg_schema SET version = 9");
    auto refused = postgres_storage::open({.conninfo = server, .schema = a.schema});
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().kind() == error::storage_failure);
    CHECK(refused.error().description.find("schema version 9") != std::string::npos);
    CHECK(a.find("kept").has_value()); // nothing was dropped or rewritten
}

TEST_CASE("postgres storage: dropped connections are re-established, an unreachable server is an error value",
          "[storage][postgres]")
{
    auto server = test_server();
    if (server.empty())
        return;
    auto db = unique_name("oauthreg_lost_");
    admin(server, "CREATE DATABASE " + db);
    auto conninfo = server + " dbname=" + db + " application_name=" + db;
    {
        auto s = postgres_storage::open({.conninfo = conninfo, .connections = 2}).value();
        REQUIRE(s.insert(testing::full_record("before")).has_value());
        auto kill_all =
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '" + db + "'";

        // The server drops every connection of the pool: the next calls reconnect.
        CHECK(admin(server, kill_all) == "2");
        CHECK(s.find("before").has_value());
        CHECK(s.insert(testing::full_record("after")).has_value());
        CHECK(std::stoi(admin(server, kill_all)) >= 1); // those reconnected so far
        auto v2 = testing::full_record("after");
        v2.version = 2;
        CHECK(s.replace(v2, 1).has_value());
        CHECK(s.list({}, 10, "").value().clients.size() == 2);

        // Now the server refuses new connections too: errors, not crashes.
        admin(server, "ALTER DATABASE " + db + " ALLOW_CONNECTIONS false");
        admin(server, kill_all);
        auto down = s.find("before");
        REQUIRE_FALSE(down.has_value());
        CHECK(down.error().kind() == error::storage_failure);
        CHECK(down.error().rfc_code() == "server_error");
        CHECK(s.insert(testing::full_record("refused")).error().kind() == error::storage_failure);

        // And the store recovers once the server takes connections again.
        admin(server, "ALTER DATABASE " + db + " ALLOW_CONNECTIONS true");
        CHECK(s.find("after")->version == 2);
        CHECK(s.find("refused").error().kind() == error::client_not_found);
    }
    admin(server, "DROP DATABASE " + db);

    auto unreachable = postgres_storage::open({.conninfo = "host=127.0.0.1 port=1 connect_timeout=2"});
    REQUIRE_FALSE(unreachable.has_value());
    CHECK(unreachable.error().kind() == error::storage_failure);
    CHECK(unreachable.error().description.find("cannot connect") != std::string::npos);
}

TEST_CASE("postgres storage: a write whose reply is lost after the server committed is recognized on the retry",
          "[storage][postgres]")
{
    auto server = test_server();
    if (server.empty())
        return;
    auto address = tcp_address(server);
    if (!address)
        return;
    owned_pg_store a(server, unique_name("oauthreg_dropped_"));
    ::test_support::pg_reply_dropper proxy(address->first, address->second);
    auto s = postgres_storage::open(
                 {.conninfo = server + " host=127.0.0.1 port=" + proxy.port() + " sslmode=disable gssencmode=disable",
                  .connections = 1,
                  .schema = a.schema})
                 .value();

    // RFC 7592 2.3: a delete that succeeded must not be answered with not_found.
    REQUIRE(s.insert(testing::full_record("doomed-7f3a")).has_value());
    proxy.arm("doomed-7f3a");
    auto erased = s.erase("doomed-7f3a");
    CHECK(proxy.drops() == 1); // the server committed, the reply never came
    INFO((erased ? std::string("ok") : erased.error().description));
    CHECK(erased.has_value());
    CHECK(a.find("doomed-7f3a").error().kind() == error::client_not_found);

    // A client that never existed is still not found when the reply is lost.
    proxy.arm("ghost-c0de");
    auto ghost = s.erase("ghost-c0de");
    CHECK(proxy.drops() == 2);
    REQUIRE_FALSE(ghost.has_value());
    CHECK(ghost.error().kind() == error::client_not_found);

    // insert and replace recognize theirs the same way.
    proxy.arm("landed-5e1d");
    CHECK(s.insert(testing::full_record("landed-5e1d")).has_value());
    CHECK(proxy.drops() == 3);
    auto v2 = testing::full_record("landed-5e1d");
    v2.version = 2;
    proxy.arm("landed-5e1d");
    CHECK(s.replace(v2, 1).has_value());
    CHECK(proxy.drops() == 4);
    CHECK(a.find("landed-5e1d").value() == v2);
}

TEST_CASE("postgres storage: an id, owner or cursor that is not UTF-8 gets the answer every store gives, not "
          "server_error",
          "[storage][postgres]")
{
    auto server = test_server();
    if (server.empty())
        return;
    owned_pg_store a(server, unique_name("oauthreg_bytes_"));
    basic_registry<postgres_storage, os_rng, system_clock> reg(
        {}, postgres_storage::open({.conninfo = server, .connections = 1, .schema = a.schema}).value());
    auto r = reg.register_client(R"({"redirect_uris":["https://app.example.com/cb"]})", {"org-1", "user-1"});
    REQUIRE(r.has_value());
    std::string const bad = "\xff\xfe\x80z";
    // RFC 6749 2.3.1, 5.2: an unknown client is invalid_client, whatever its bytes.
    auto unknown = reg.authenticate("no-such-client", "secret");
    auto garbled = reg.authenticate(bad, "secret");
    REQUIRE_FALSE(garbled.has_value());
    CHECK(garbled.error().kind() == error::authentication_failed);
    CHECK(garbled.error().description == unknown.error().description);
    CHECK(reg.check_registration_token(bad, "token").error().kind() == error::authentication_failed);
    CHECK(reg.find(bad).error().kind() == error::client_not_found);
    CHECK(reg.match_redirect_uri(bad, "https://app.example.com/cb").error().kind() == error::client_not_found);
    CHECK(reg.update(bad, R"({"redirect_uris":["https://app.example.com/cb"]})").error().kind() ==
          error::client_not_found);
    CHECK(reg.erase(bad).error().kind() == error::client_not_found);
    CHECK(reg.list({{bad, std::nullopt}, 10, {}}).value().clients.empty());
    CHECK(reg.list({{"org-1", bad}, 10, {}}).value().clients.empty());
    CHECK(reg.list({{}, 10, encode_cursor(bad)}).error().kind() == error::invalid_cursor);
    CHECK(reg.list({{}, 10, encode_cursor(std::string("a\0b", 3))}).error().kind() == error::invalid_cursor);
    // An owner the database cannot hold is an invalid request, not a server error.
    auto owned = reg.register_client(R"({"redirect_uris":["https://app.example.com/cb"]})", {bad, "user-1"});
    REQUIRE_FALSE(owned.has_value());
    CHECK(owned.error().kind() == error::invalid_identifier);
    CHECK(owned.error().rfc_code() == "invalid_request");
    CHECK(reg.storage().size().value() == 1);
}

TEST_CASE("postgres storage: a failing call names the operation, and the server's text goes to the log hook",
          "[storage][postgres]")
{
    auto server = test_server();
    if (server.empty())
        return;
    owned_pg_store a(server, unique_name("oauthreg_log_"));
    std::vector<std::string> lines;
    auto s = logging_store(server, a.schema, lines);
    REQUIRE(s.insert(testing::full_record("present")).has_value());
    admin(server, "DROP TABLE " + a.schema + ".oauth_clients");
    auto found = s.find("present");
    REQUIRE_FALSE(found.has_value());
    CHECK(found.error().kind() == error::storage_failure);
    CHECK(found.error().description == "storage failure: find");
    auto erased = s.erase("present");
    REQUIRE_FALSE(erased.has_value());
    CHECK(erased.error().description == "storage failure: erase");
    REQUIRE(lines.size() == 2);
    CHECK(lines[0].rfind("find: 42P01 ", 0) == 0); // SQLSTATE undefined_table, then the primary message
    CHECK(lines[0].find("oauth_clients") != std::string::npos);
    CHECK(lines[1].rfind("erase: 42P01 ", 0) == 0);
}

TEST_CASE("postgres storage: the log hook gets the server's primary message, never the failing row it quotes",
          "[storage][postgres]")
{
    auto server = test_server();
    if (server.empty())
        return;
    owned_pg_store a(server, unique_name("oauthreg_logrow_"));
    std::vector<std::string> lines;
    auto s = logging_store(server, a.schema, lines);
    // An operator's constraint refuses the row: PostgreSQL's DETAIL then
    // quotes it whole ("Failing row contains (...)"), hashes included.
    admin(server, "ALTER TABLE " + a.schema + ".oauth_clients ADD CONSTRAINT refuse_all CHECK (false) NOT VALID");
    auto rec = testing::full_record("quoted");
    auto const text = encode_record(rec).value();
    auto const at = text.find("\"client_secret_hash\":\"");
    REQUIRE(at != std::string::npos);
    auto const hash_text = text.substr(at + 22, 20);
    auto put = s.insert(rec);
    REQUIRE_FALSE(put.has_value());
    CHECK(put.error().description == "storage failure: insert");
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].rfind("insert: 23514 ", 0) == 0); // SQLSTATE check_violation
    CHECK(lines[0].find("Failing row") == std::string::npos);
    CHECK(lines[0].find(hash_text) == std::string::npos);
}

TEST_CASE("postgres storage: stores opening one empty database at the same moment all succeed, schema made once",
          "[storage][postgres][concurrency]")
{
    auto server = test_server();
    if (server.empty())
        return;
    for (int round = 0; round < 3; ++round) {
        auto db = unique_name("oauthreg_first_open_");
        admin(server, "CREATE DATABASE " + db);
        auto conninfo = server + " dbname=" + db;
        constexpr int n = 3;
        std::vector<std::optional<result<postgres_storage>>> opened(n);
        {
            std::latch start(n);
            std::vector<std::thread> threads;
            for (int i = 0; i < n; ++i)
                threads.emplace_back([&, i] {
                    start.arrive_and_wait();
                    opened[i] = postgres_storage::open({.conninfo = conninfo, .connections = 1});
                });
            for (auto& t : threads)
                t.join();
        }
        for (auto& o : opened) {
            INFO((*o ? std::string("opened") : o->error().description));
            CHECK(o->has_value());
        }
        CHECK(admin(conninfo, "SELECT count(*) FROM oauthreg_schema") == "1");
        // The primary key, the three owner indexes, the reaper's (schema 2), the name's, the type's and the
        // listing's (schema 4).
        CHECK(admin(conninfo, "SELECT count(*) FROM pg_indexes WHERE tablename = 'oauth_clients'") == "8");
        // The counts' primary key, and their trigger function (schema 4), made once.
        CHECK(admin(conninfo, "SELECT count(*) FROM pg_indexes WHERE tablename = 'oauth_client_counts'") == "1");
        CHECK(admin(conninfo, "SELECT count(*) FROM pg_proc WHERE proname = 'oauthreg_count_clients'") == "1");
        // The remembered assertions' primary key and expiry index (schema 3).
        CHECK(admin(conninfo, "SELECT count(*) FROM pg_indexes WHERE tablename = 'seen_assertions'") == "2");
        CHECK(admin(conninfo, "SELECT max(version) FROM oauthreg_schema") ==
              std::to_string(detail::postgres_schema_version));
        if (opened[0]->has_value() && opened[n - 1]->has_value()) {
            CHECK(opened[0]->value().insert(testing::full_record("shared")).has_value());
            CHECK(opened[n - 1]->value().find("shared").has_value());
        }
        opened.clear();
        admin(server, "DROP DATABASE " + db);
    }
}

TEST_CASE("postgres storage: an unreadable row is reported by list, which goes on past it",
          "[storage][postgres][issue14]")
{
    auto server = test_server();
    if (server.empty())
        return;
    owned_pg_store s(server, unique_name("oauthreg_unreadable_"));
    for (auto const* id : {"a", "b", "c"})
        REQUIRE(s.insert(testing::full_record(id)).has_value());
    // What main stored for a jwks holding 1e400 (Boost.JSON wrote Infinity).
    admin(server, "UPDATE " + s.schema +
                      R"(.oauth_clients SET record = replace(record, '{\"keys\"', )"
                      R"('{\"n\":Infinity,\"keys\"') WHERE client_id = 'b')");
    std::vector<std::string> const rows{"a", "!b", "c"};
    CHECK(oauthreg::test_support::listed_rows(s, 10, "b") == rows);
    CHECK(oauthreg::test_support::listed_rows(s, 1, "b") == rows); // paging walks past the unreadable row too
}

TEST_CASE("postgres storage: a server that stops answering makes a call a storage_failure within call_timeout, "
          "and the store recovers",
          "[storage][postgres][timeout]")
{
    using namespace std::chrono_literals;
    using clock = std::chrono::steady_clock;
    auto server = test_server();
    if (server.empty())
        return;
    auto address = tcp_address(server);
    if (!address)
        return;
    owned_pg_store a(server, unique_name("oauthreg_frozen_"));
    ::test_support::pg_reply_dropper proxy(address->first, address->second);
    auto const through_proxy = server + " host=127.0.0.1 port=" + proxy.port() + " sslmode=disable gssencmode=disable";
    constexpr auto bound = 1500ms;
    constexpr auto margin = 1000ms;
    std::vector<std::string> lines;
    auto s = postgres_storage::open({.conninfo = through_proxy,
                                     .connections = 1,
                                     .schema = a.schema,
                                     .call_timeout = bound,
                                     .log = [&lines](std::string_view line) { lines.emplace_back(line); }})
                 .value();
    REQUIRE(s.insert(testing::full_record("before-freeze")).has_value());

    // The relay forwards nothing either way and closes nothing: without a
    // client-side bound, libpq would wait for the reply forever.
    proxy.freeze();
    auto timed = [](auto&& call) {
        auto const t0 = clock::now();
        auto r = call();
        return std::pair{std::move(r), clock::now() - t0};
    };
    auto [found, find_took] = timed([&] { return s.find("before-freeze"); });
    INFO("find took " << std::chrono::duration_cast<std::chrono::milliseconds>(find_took).count() << " ms");
    REQUIRE_FALSE(found.has_value());
    CHECK(found.error().kind() == error::storage_failure);
    CHECK(found.error().description == "storage failure: find");
    CHECK(find_took >= bound - 50ms);
    CHECK(find_took < bound + margin);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].find("no answer from PostgreSQL within 1500 ms") != std::string::npos);

    // The next call reconnects through the frozen relay: connecting is bounded too.
    auto [put, put_took] = timed([&] { return s.insert(testing::full_record("during-freeze")); });
    INFO("insert took " << std::chrono::duration_cast<std::chrono::milliseconds>(put_took).count() << " ms");
    REQUIRE_FALSE(put.has_value());
    CHECK(put.error().kind() == error::storage_failure);
    CHECK(put_took < bound + margin);

    // So is opening a store.
    auto [opened, open_took] = timed(
        [&] { return postgres_storage::open({.conninfo = through_proxy, .schema = a.schema, .call_timeout = bound}); });
    INFO("open took " << std::chrono::duration_cast<std::chrono::milliseconds>(open_took).count() << " ms");
    REQUIRE_FALSE(opened.has_value());
    CHECK(opened.error().kind() == error::storage_failure);
    CHECK(opened.error().description.find("cannot connect") != std::string::npos);
    CHECK(open_took < bound + margin);

    // Once the relay forwards again, the same store reconnects and works.
    proxy.thaw();
    CHECK(s.find("before-freeze").has_value());
    CHECK(s.insert(testing::full_record("after-thaw")).has_value());
    CHECK(a.find("after-thaw").has_value());
}

TEST_CASE("postgres storage: a statement stuck on another session's lock ends at statement_timeout, on a "
          "connection that stays usable",
          "[storage][postgres][timeout][concurrency]")
{
    using namespace std::chrono_literals;
    using clock = std::chrono::steady_clock;
    auto server = test_server();
    if (server.empty())
        return;
    CHECK(postgres_options{}.statement_timeout == 5s); // the documented defaults
    CHECK(postgres_options{}.call_timeout == 6s);
    owned_pg_store a(server, unique_name("oauthreg_locked_"));
    std::vector<std::string> lines;
    auto s = postgres_storage::open({.conninfo = server,
                                     .connections = 1,
                                     .schema = a.schema,
                                     .statement_timeout = 300ms,
                                     .log = [&lines](std::string_view line) { lines.emplace_back(line); }})
                 .value();
    REQUIRE(s.insert(testing::full_record("locked")).has_value());

    // Another session holds the row; it lets go after 3 s, so a store
    // without the server's bound would wait that long, then succeed.
    PGconn* holder = PQconnectdb(server.c_str());
    REQUIRE(PQstatus(holder) == CONNECTION_OK);
    auto const lock = "BEGIN; SELECT 1 FROM " + a.schema + ".oauth_clients WHERE client_id = 'locked' FOR UPDATE";
    PQclear(PQexec(holder, lock.c_str()));
    struct joined_thread : std::thread {
        using std::thread::thread;
        ~joined_thread()
        {
            if (joinable())
                join();
        }
    } release([holder] {
        std::this_thread::sleep_for(3s);
        PQclear(PQexec(holder, "ROLLBACK"));
        PQfinish(holder);
    });
    auto v2 = testing::full_record("locked");
    v2.version = 2;
    auto const t0 = clock::now();
    auto replaced = s.replace(v2, 1);
    auto const took = clock::now() - t0;
    INFO("replace took " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
    REQUIRE_FALSE(replaced.has_value());
    CHECK(replaced.error().kind() == error::storage_failure);
    CHECK(took < 1500ms);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].rfind("replace: 57014 ", 0) == 0); // SQLSTATE query_canceled: statement_timeout
    CHECK(s.find("locked")->version == 1);            // the same connection answers at once
    release.join();
    CHECK(s.replace(v2, 1).has_value());
}

TEST_CASE("postgres storage keeps the client lifecycle", "[storage][postgres][conformance][lifecycle][concurrency]")
{
    auto server = test_server();
    if (server.empty())
        return;
    testing::check_lifecycle_contract(
        [&] { return std::make_unique<owned_pg_store>(server, unique_name("oauthreg_lifecycle_")); });
}

TEST_CASE("postgres storage: two instances on one database never overshoot a quota nor overspend a token",
          "[storage][postgres][lifecycle][concurrency]")
{
    auto server = test_server();
    if (server.empty())
        return;
    owned_pg_store a(server, unique_name("oauthreg_instances_"));
    auto b = postgres_storage::open({.conninfo = server, .schema = a.schema}).value();
    postgres_storage* instances[] = {&a, &b};
    for (int round = 0; round < 3; ++round) {
        auto const tag = std::to_string(round);
        insert_conditions const quota{5, std::nullopt, 1700000000};
        int const stored = testing::detail::count_concurrent_successes(16, [&](int i) {
            return instances[i % 2]
                ->insert(testing::full_record("quota-" + tag + "-" + std::to_string(i), "org-race-" + tag), quota)
                .has_value();
        });
        CHECK(stored == 5);
        CHECK(admin(server, "SELECT count(*) FROM " + a.schema + ".oauth_clients WHERE org_id = 'org-race-" + tag +
                                "'") == "5");

        auto const seed = static_cast<std::uint8_t>(0x50 + round);
        REQUIRE(a.insert_token(testing::token_record("t-" + tag, seed, "org-t", 3)).has_value());
        insert_conditions const spend{0, testing::token_record("", seed).token_hash, 1700000010};
        int const spent = testing::detail::count_concurrent_successes(16, [&](int i) {
            return instances[i % 2]
                ->insert(testing::full_record("token-" + tag + "-" + std::to_string(i), "org-t"), spend)
                .has_value();
        });
        CHECK(spent == 3);
        CHECK(b.find_token(*spend.initial_access_token)->uses == 3);
    }
    CHECK(a.size().value() == 3 * (5 + 3));
}

namespace {

/** The fixture's clients: tests/storage/fixtures/README.md says how they were made. */
struct v1_client {
    char const* id;
    client_origin origin;
    unix_seconds created_at;
    std::uint64_t version;
    char const* org;
};
constexpr v1_client v1_clients[] = {
    {"6f87eda8-59a5-48c2-bb28-3f6ca53a630c", client_origin::registration, 1700000000, 2, "org-1"},
    {"96ce5d83-2bfa-49b0-b02e-11b81c944b40", client_origin::registration, 1700000100, 1, "org-1"},
    {"212e3bd2-a803-4863-93e7-4c8742a971e8", client_origin::registration, 1700000200, 1, "org-2"},
    {"8970dfec-a75d-4c0e-8f20-00a9d710771d", client_origin::api, 1700000300, 1, "org-1"},
    {"a30c1ef3-893d-4772-8523-b3f6b8a1fe27", client_origin::api, 1700000400, 1, "org-2"},
};

/** A file of tests/storage/fixtures. */
std::string fixture(char const* name)
{
#ifdef OAUTHREG_FIXTURES_DIR
    return std::string(OAUTHREG_FIXTURES_DIR) + "/" + name;
#else
    std::string const here = __FILE__;
    return here.substr(0, here.find_last_of('/') + 1) + "fixtures/" + name;
#endif
}

/** Runs a pg_dump file's SQL on `conninfo`, less psql's meta-commands
    (`\restrict` and its kin, which only psql reads). */
void load_dump(std::string const& conninfo, std::string const& path)
{
    std::ifstream in(path);
    REQUIRE(in.good());
    std::ostringstream sql;
    for (std::string line; std::getline(in, line);)
        if (!line.starts_with("\\"))
            sql << line << '\n';
    admin(conninfo, sql.str());
}

} // namespace

TEST_CASE("postgres storage: a database written by the release before schema 2 opens with every client, "
          "migrated once",
          "[storage][postgres][lifecycle][migration]")
{
    auto server = test_server();
    if (server.empty())
        return;
    auto db = unique_name("oauthreg_v1_");
    admin(server, "CREATE DATABASE " + db);
    auto const conninfo = server + " dbname=" + db;
    load_dump(conninfo, fixture("postgres_v1.sql"));
    REQUIRE(admin(conninfo, "SELECT max(version) FROM oauthreg_schema") == "1");
    REQUIRE(admin(conninfo, "SELECT count(*) FROM oauth_clients") == "5");
    // A row whose text no longer decodes (issue 14): the migration keeps it too.
    admin(conninfo, "INSERT INTO oauth_clients SELECT 'unreadable', org_id, user_id, version, created_at, "
                    "updated_at, replace(record, '\"metadata\":{', '\"metadata\":{\"n\":Infinity,') FROM "
                    "oauth_clients WHERE client_id = 'a30c1ef3-893d-4772-8523-b3f6b8a1fe27'");
    {
        auto s = postgres_storage::open({.conninfo = conninfo, .connections = 2}).value();
        CHECK(admin(conninfo, "SELECT max(version) FROM oauthreg_schema") ==
              std::to_string(detail::postgres_schema_version));
        CHECK(admin(conninfo, "SELECT count(*) FROM oauthreg_schema") == "1");
        CHECK(s.size().value() == 6);
        for (auto const& c : v1_clients) {
            INFO(c.id);
            auto rec = s.find(c.id);
            REQUIRE(rec.has_value());
            CHECK(rec->origin == c.origin);
            CHECK(rec->last_used_at == 0);
            CHECK(rec->created_at == c.created_at);
            CHECK(rec->version == c.version);
            CHECK(rec->owner.org_id == c.org);
            // The columns the reaper reads hold what the text says.
            CHECK(admin(conninfo, std::string("SELECT origin || ' ' || created_at || ' ' || last_used_at FROM "
                                              "oauth_clients WHERE client_id = '") +
                                      c.id + "'") ==
                  std::string(to_string(c.origin)) + " " + std::to_string(c.created_at) + " 0");
        }
        auto page = s.list({}, 10, "").value();
        CHECK(page.clients.size() == 5);
        REQUIRE(page.unreadable.size() == 1);
        CHECK(page.unreadable[0].client_id == "unreadable");
        CHECK(admin(conninfo, "SELECT count(*) FROM oauth_clients WHERE origin IS NULL") == "1");

        // touch: the column moves, the record's text and version stay.
        auto const* used = v1_clients[0].id;
        auto const text_before =
            admin(conninfo, std::string("SELECT record FROM oauth_clients WHERE client_id = '") + used + "'");
        REQUIRE(s.touch(used, 1800000000).has_value());
        CHECK(s.find(used)->last_used_at == 1800000000);
        CHECK(s.find(used)->version == 2);
        CHECK(admin(conninfo, std::string("SELECT record FROM oauth_clients WHERE client_id = '") + used + "'") ==
              text_before);

        // A quota counts the clients the old release stored (org-1 holds 3).
        auto fresh = [](std::string id, std::string org) {
            auto r = testing::full_record(std::move(id), std::move(org));
            r.created_at = r.updated_at = 1800000000;
            return r;
        };
        CHECK(s.insert(fresh("new-1", "org-1"), insert_conditions{3, std::nullopt, 1800000000}).error().kind() ==
              error::quota_exceeded);
        CHECK(s.insert(fresh("new-1", "org-1"), insert_conditions{4, std::nullopt, 1800000000}).has_value());
        REQUIRE(s.insert_token(testing::token_record("t-1", 0x61, "org-2", 1, 1800000000)).has_value());
        CHECK(s.insert(fresh("new-2", "org-2"),
                       insert_conditions{0, testing::token_record("", 0x61).token_hash, 1800000001})
                  .has_value());

        // The reaper sees the old clients by their migrated origin and times.
        reap_query const idle_registrations{client_origin::registration, 1800000000, 100};
        CHECK(s.count_idle(idle_registrations).value() == 2);
        CHECK(s.count_idle(reap_query{client_origin::api, 1800000000, 100}).value() == 2);
        CHECK(s.reap(idle_registrations).value() == 2);
        CHECK(s.find(v1_clients[1].id).error().kind() == error::client_not_found);
        CHECK(s.find(v1_clients[2].id).error().kind() == error::client_not_found);
        CHECK(s.find(used).has_value());
        CHECK(s.find(v1_clients[3].id).has_value());
        CHECK(s.find(v1_clients[4].id).has_value());

        // Schema 3 came in the same migration: client assertions are remembered.
        CHECK(s.remember_assertion(used, "jti-1", 1800000060, 1800000000).value());
        CHECK_FALSE(s.remember_assertion(used, "jti-1", 1800000060, 1800000060).value());
        CHECK(admin(conninfo, "SELECT count(*) FROM seen_assertions") == "1");
    }
    // Opening it again migrates nothing more.
    {
        auto s = postgres_storage::open({.conninfo = conninfo, .connections = 1}).value();
        CHECK(s.find(v1_clients[0].id)->last_used_at == 1800000000);
        CHECK(admin(conninfo, "SELECT max(version) || ' ' || count(*) FROM oauthreg_schema") ==
              std::to_string(detail::postgres_schema_version) + " 1");
        CHECK_FALSE(s.remember_assertion(v1_clients[0].id, "jti-1", 1800000060, 1800000001).value());
    }
    admin(server, "DROP DATABASE " + db);
}

// -- remembered client assertions (RFC 7523 jti; schema 3) -------------------

namespace {

/** How many remembered assertions a store's schema holds, expired ones included. */
std::size_t held_assertions(owned_pg_store const& s)
{
    return std::stoul(admin(s.conninfo, "SELECT count(*) FROM " + s.schema + ".seen_assertions"));
}

} // namespace

TEST_CASE("postgres storage remembers RFC 7523 client assertions: a replay fails, expired ones are dropped",
          "[storage][postgres][conformance][assertion_replay][concurrency]")
{
    auto server = test_server();
    if (server.empty())
        return;
    testing::check_assertion_replay_contract(
        [&] { return std::make_unique<owned_pg_store>(server, unique_name("oauthreg_replay_")); }, true,
        [](owned_pg_store const& s) { return held_assertions(s); });
}

TEST_CASE("postgres storage: one assertion presented through two instances on one database at once is new to "
          "exactly one",
          "[storage][postgres][assertion_replay][concurrency]")
{
    auto server = test_server();
    if (server.empty())
        return;
    owned_pg_store a(server, unique_name("oauthreg_replay_instances_"));
    auto b = postgres_storage::open({.conninfo = server, .schema = a.schema}).value();
    postgres_storage* instances[] = {&a, &b};
    testing::thread_failures failures;
    for (int round = 0; round < 8; ++round) {
        std::string const jti = "race-" + std::to_string(round);
        int const firsts = testing::detail::count_concurrent_successes(16, [&](int i) {
            auto r = instances[i % 2]->remember_assertion("client-a", jti, 1700000060, 1700000000);
            failures.expect(r.has_value(), "remember_assertion " + jti);
            return r && *r;
        });
        CHECK(firsts == 1);
        // A replay through either instance fails, and the other instance's first use stands.
        CHECK_FALSE(b.remember_assertion("client-a", jti, 1700000060, 1700000030).value());
        CHECK_FALSE(a.remember_assertion("client-a", jti, 1700000060, 1700000060).value());
    }
    failures.check();
    CHECK(held_assertions(a) == 8);
}

TEST_CASE("postgres storage: a database at schema 2 opens migrated to the current schema, clients kept, and "
          "remembers assertions",
          "[storage][postgres][assertion_replay][migration]")
{
    auto server = test_server();
    if (server.empty())
        return;
    owned_pg_store a(server, unique_name("oauthreg_v2_"));
    REQUIRE(a.insert(testing::full_record("kept")).has_value());
    // Schema 3 only added the assertions' table and its index, schema 4 three
    // columns, two indexes holding them, and the counts with their trigger:
    // without them, this is what schema 2 made.
    admin(server, "DROP TABLE " + a.schema + ".seen_assertions; " + schema_4_undone(a.schema) +
                      " UPDATE " + a.schema + ".oauthreg_schema SET version = 2");
    {
        auto s = postgres_storage::open({.conninfo = server, .connections = 1, .schema = a.schema}).value();
        CHECK(admin(server, "SELECT max(version) || ' ' || count(*) FROM " + a.schema + ".oauthreg_schema") ==
              std::to_string(detail::postgres_schema_version) + " 1");
        CHECK(admin(server, "SELECT count(*) FROM pg_indexes WHERE schemaname = '" + a.schema +
                                "' AND tablename = 'seen_assertions'") == "2");
        CHECK(s.find("kept").has_value());
        CHECK(s.remember_assertion("kept", "jti-1", 1700000060, 1700000000).value());
        CHECK_FALSE(s.remember_assertion("kept", "jti-1", 1700000060, 1700000060).value());
    }
    CHECK(held_assertions(a) == 1);
}

TEST_CASE("postgres storage: expired assertions are deleted at most 256 a time, every 128th call of a connection",
          "[storage][postgres][assertion_replay]")
{
    auto server = test_server();
    if (server.empty())
        return;
    owned_pg_store a(server, unique_name("oauthreg_sweep_"));
    auto s = postgres_storage::open({.conninfo = server, .connections = 1, .schema = a.schema}).value();
    for (int i = 0; i < 1000; ++i) // the sweeps at calls 128 to 896 find nothing expired
        REQUIRE(s.remember_assertion("client-a", "old-" + std::to_string(i), 1700000001, 1700000000).value());
    for (int i = 0; i < 23; ++i)
        REQUIRE(s.remember_assertion("client-a", "new-" + std::to_string(i), 1700001000, 1700000002).value());
    CHECK(held_assertions(a) == 1023);
    REQUIRE(s.remember_assertion("client-a", "new-23", 1700001000, 1700000002).value()); // call 1024
    CHECK(held_assertions(a) == 1024 - 256);
    CHECK(admin(server, "SELECT count(*) FROM " + a.schema + ".seen_assertions WHERE jti LIKE 'new-%'") == "24");
}

namespace {

/** Every row's first column of the last statement of `sql`, run on its own connection. */
std::string admin_rows(std::string const& conninfo, std::string const& sql)
{
    PGconn* c = PQconnectdb(conninfo.c_str());
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    PGresult* r = PQexec(c, sql.c_str());
    INFO(sql << ": " << PQresultErrorMessage(r));
    CHECK(PQresultStatus(r) == PGRES_TUPLES_OK);
    std::string out;
    for (int i = 0; i < PQntuples(r); ++i)
        out += std::string(PQgetvalue(r, i, 0)) + "\n";
    PQclear(r);
    PQfinish(c);
    return out;
}

/** The plan of `statement` (whose $N are `types`) run with `args`, on `schema`'s tables. */
std::string pg_plan(std::string const& server, std::string const& schema, std::string const& statement,
                    std::string const& types, std::string const& args)
{
    return admin_rows(server, "SET search_path = " + schema + "; PREPARE page_plan(" + types + ") AS " + statement +
                                  "; EXPLAIN EXECUTE page_plan(" + args + ")");
}

} // namespace

TEST_CASE("postgres storage: a listing's page and total are read on indexes, never by scanning the table (EXPLAIN)",
          "[storage][postgres][pages]")
{
    auto server = test_server();
    if (server.empty())
        return;
    owned_pg_store s(server, unique_name("oauthreg_plan_"));
    // 20,000 clients in 20 organizations, as a store writes them, and statistics.
    admin(server, "INSERT INTO " + s.schema +
                      ".oauth_clients(client_id, org_id, user_id, version, created_at, updated_at, record, origin,"
                      " last_used_at, client_name, client_type, grant_types) SELECT 'c-' || i, 'org-' || (i % 20),"
                      " 'user-1', 1, 1700000000, 1700000000, '{}', 'api', 0, 'Name ' || (i % 100), i % 2, 17"
                      " FROM generate_series(1, 20000) AS i");
    admin(server, "VACUUM ANALYZE " + s.schema + ".oauth_clients"); // not in a multi-statement string
    auto const listing_index = admin(server, "SELECT indexname FROM pg_indexes WHERE schemaname = '" + s.schema +
                                                 "' AND indexdef LIKE '%(org_id, client_id) INCLUDE%'");
    REQUIRE_FALSE(listing_index.empty());
    client_page_query q;
    q.owner.org_id = "org-7";
    auto text = detail::page_statements(detail::postgres_page(q), "oauth_clients", '$');
    // The offset is walked on an index alone (the listing's, or its key's
    // prefix, schema 1's); the page's rows are read by primary key.
    auto plan = pg_plan(server, s.schema, text.rows, "text, bigint, bigint", "'org-7', 20, 0");
    INFO(listing_index << "\n" << plan);
    CHECK(plan.find("Index Only Scan using oauth_clients_org_id_client_id_") != std::string::npos);
    CHECK(plan.find("using oauth_clients_pkey") != std::string::npos);
    CHECK(plan.find("Seq Scan") == std::string::npos);
    // A page past the middle: the same index walked back from the end (only the page's rows are sorted).
    plan = pg_plan(server, s.schema, text.rows_back, "text, bigint, bigint", "'org-7', 20, 0");
    INFO(plan);
    CHECK(plan.find("Index Only Scan Backward using oauth_clients_org_id_client_id_") != std::string::npos);
    CHECK(plan.find("Seq Scan") == std::string::npos);
    // The organization's total is its shards of the counts, never a count of its clients.
    REQUIRE(detail::postgres_page(q).org_total);
    CHECK(admin(server, "SELECT sum(clients) FROM " + s.schema + ".oauth_client_counts WHERE org_id = 'org-7'") ==
          "1000");

    INFO("filtered totals: a range of the type's index, or a count on the listing's index alone");
    q.type = client_type::confidential;
    auto const typed = detail::postgres_page(q);
    plan = pg_plan(server, s.schema, detail::page_statements(typed, "oauth_clients", '$').count, "text, bigint",
                   "'org-7', 1");
    INFO(plan);
    CHECK(plan.find("Index Only Scan using oauth_clients_org_id_client_type_client_id_idx") != std::string::npos);
    CHECK(plan.find("Seq Scan") == std::string::npos);
    q.type.reset();
    q.grant_type_contains = grant_type::refresh_token;
    auto const granted = detail::postgres_page(q);
    plan = pg_plan(server, s.schema, detail::page_statements(granted, "oauth_clients", '$').count, "text, bigint",
                   "'org-7', 8");
    INFO(plan);
    CHECK(plan.find("Index Only Scan using " + listing_index) != std::string::npos);
    CHECK(plan.find("Seq Scan") == std::string::npos);
    q.grant_type_contains.reset();

    q.name = "Name 7";
    text = detail::page_statements(detail::postgres_page(q), "oauth_clients", '$');
    plan = pg_plan(server, s.schema, text.rows, "text, text, bigint, bigint", "'org-7', 'Name 7', 20, 0");
    INFO(plan);
    // The name's index finds the few matches; sorting those few is the planner's choice.
    CHECK(plan.find("oauth_clients_org_id_client_name_client_id_idx") != std::string::npos);
    CHECK(plan.find("Seq Scan") == std::string::npos);
}

TEST_CASE("postgres storage: the clients per organization are kept, in shards, in the transaction of every "
          "insert, delete, change of owner and reap",
          "[storage][postgres][pages]")
{
    auto server = test_server();
    if (server.empty())
        return;
    owned_pg_store s(server, unique_name("oauthreg_counts_"));
    auto const kept = [&] {
        return admin_rows(server, "SELECT org_id || '|' || sum(clients) FROM " + s.schema +
                                      ".oauth_client_counts GROUP BY org_id HAVING sum(clients) <> 0 ORDER BY 1");
    };
    auto const truth = [&] {
        return admin_rows(server, "SELECT org_id || '|' || count(*) FROM " + s.schema +
                                      ".oauth_clients GROUP BY org_id ORDER BY 1");
    };
    // A second store: its connections are other server processes, so other shards.
    auto other = postgres_storage::open({.conninfo = server, .connections = 1, .schema = s.schema}).value();
    for (int i = 0; i < 6; ++i) {
        auto& into = i % 2 ? static_cast<postgres_storage&>(s) : other;
        REQUIRE(into.insert(testing::full_record("c-" + std::to_string(i), i < 4 ? "org-a" : "org-b")).has_value());
    }
    REQUIRE_FALSE(s.insert(testing::full_record("c-0", "org-b")).has_value()); // taken: nothing counted
    CHECK(kept() == "org-a|4\norg-b|2\n");
    CHECK(admin(server, "SELECT count(DISTINCT shard) > 1 FROM " + s.schema + ".oauth_client_counts") == "t");
    REQUIRE(other.erase("c-1").has_value());
    auto moved = s.find("c-2").value();
    auto const at = moved.version++;
    moved.owner.org_id = "org-b";
    REQUIRE(s.replace(moved, at).has_value());
    CHECK(kept() == "org-a|2\norg-b|3\n");
    CHECK(kept() == truth());
    client_page_query q;
    q.owner.org_id = "org-b";
    CHECK(page_clients(s, q).value().total_results == 3);
    REQUIRE(s.reap({.idle_since = 4000000000, .limit = 10}).value() == 5);
    CHECK(kept().empty());
    CHECK(page_clients(s, q).value().total_results == 0);
}

TEST_CASE("postgres storage: a database at schema 3 opens migrated to schema 4: every client's name, type and "
          "grant types filled in, and the listing filters find old clients",
          "[storage][postgres][pages][migration]")
{
    auto server = test_server();
    if (server.empty())
        return;
    owned_pg_store a(server, unique_name("oauthreg_v3_"));
    for (int i = 0; i < 1200; ++i) { // more than a batch of the migration's cursor
        auto r = testing::full_record("old-" + std::to_string(1000 + i), i % 2 ? "org-odd" : "org-even");
        r.metadata.client_name = "Old " + std::to_string(i);
        if (i == 4)
            r.metadata.client_name = std::nullopt;
        r.metadata.token_endpoint_auth_method = i % 3 == 0 ? auth_method::none : auth_method::client_secret_basic;
        if (i % 5 == 0)
            r.metadata.grant_types = {grant_type::client_credentials};
        REQUIRE(a.insert(std::move(r)).has_value());
    }
    admin(server, schema_4_undone(a.schema) +
                      " INSERT INTO " + a.schema + ".oauth_clients SELECT 'old-corrupt', org_id, user_id, version,"
                      " created_at, updated_at, 'not json', last_used_at, origin FROM " + a.schema +
                      ".oauth_clients WHERE client_id = 'old-1000'; UPDATE " + a.schema +
                      ".oauthreg_schema SET version = 3");
    auto s = postgres_storage::open({.conninfo = server, .connections = 1, .schema = a.schema}).value();
    CHECK(admin(server, "SELECT max(version) FROM " + a.schema + ".oauthreg_schema") == "4");
    CHECK(admin_rows(server, "SELECT concat_ws('|', client_id, coalesce(client_name, 'NULL'), client_type,"
                             " grant_types) FROM " + a.schema + ".oauth_clients WHERE client_id IN ('old-1003',"
                             " 'old-1004', 'old-1005', 'old-corrupt') ORDER BY client_id") ==
          "old-1003|Old 3|0|17\nold-1004|NULL|1|17\nold-1005|Old 5|1|8\nold-corrupt|NULL|-1|0\n");

    client_page_query q;
    q.owner.org_id = "org-even";
    q.name = "Old 1198";
    auto p = page_clients(s, q);
    REQUIRE(p.has_value());
    CHECK(testing::detail::page_ids(*p) == std::vector<std::string>{"old-2198"});
    q.name.reset();
    q.grant_type_contains = grant_type::client_credentials; // i % 5 == 0 and even: i % 10 == 0
    q.type = client_type::public_client;                    // and i % 3 == 0: i % 30 == 0
    p = page_clients(s, q);
    REQUIRE(p.has_value());
    CHECK(p->total_results == 40);
    q = {};
    q.owner.org_id = "org-even"; // the corrupt row is counted, but on no page
    q.page_size = 250;
    p = page_clients(s, q);
    REQUIRE(p.has_value());
    CHECK(p->total_results == 601);
    CHECK(p->clients.size() == 250);
}

TEST_CASE("postgres storage: concurrent writes are group-committed, each answered with its own result once committed",
          "[storage][postgres][group_commit][concurrency]")
{
    auto server = test_server();
    if (server.empty())
        return;
    owned_pg_store a(server, unique_name("oauthreg_group_"));
    auto reader = postgres_storage::open({.conninfo = server, .schema = a.schema}).value();
    oauthreg::test_support::check_group_commit<postgres_storage>(a, reader);
}

TEST_CASE("postgres storage: inside a batch, a quota admits exactly its number and a token exactly its uses",
          "[storage][postgres][group_commit][lifecycle][concurrency]")
{
    auto server = test_server();
    if (server.empty())
        return;
    owned_pg_store a(server, unique_name("oauthreg_group_conditions_"));
    oauthreg::test_support::check_batched_conditions<postgres_storage>(a);
}
