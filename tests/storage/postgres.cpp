// Tests of storage/postgres.hpp against a real server: the storage contract,
// two stores as two server instances, schema versioning, and connections the
// server drops. OAUTHREG_TEST_PG names the server (scripts/with-postgres.sh
// starts a throwaway one); without it the tests skip, except under CI.
#include <oauthreg/storage/postgres.hpp>

#include "../support/catch.hpp"

#include <oauthreg/registry.hpp>
#include <oauthreg/rng/cryptopp.hpp>
#include <oauthreg/testing/storage_conformance.hpp>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>

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

} // namespace

TEST_CASE("postgres storage meets the storage contract", "[storage][postgres][conformance]")
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
    CHECK(reg.remove(r->record.client_id).has_value());
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
