// Tests of storage/sqlite.hpp: the storage contract, persistence across
// opens, schema versioning, corrupt rows and unopenable files.
#include <oauthreg/storage/sqlite.hpp>

#include "../support/catch.hpp"

#include <oauthreg/registry.hpp>
#include <oauthreg/rng/cryptopp.hpp>
#include <oauthreg/testing/storage_conformance.hpp>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

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

void raw_exec(temp_db const& db, char const* sql)
{
    sqlite3* h = nullptr;
    REQUIRE(sqlite3_open(db.path.string().c_str(), &h) == SQLITE_OK);
    CHECK(sqlite3_exec(h, sql, nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(h);
}

} // namespace

TEST_CASE("sqlite storage answers filtered, page-numbered listings", "[storage][sqlite][conformance][pages]")
{
    testing::check_client_pages([] { return std::make_unique<owned_sqlite_store>(); });
}

TEST_CASE("sqlite storage meets the storage contract", "[storage][sqlite][conformance]")
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
    auto got = reg.get(id);
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
    raw_exec(db, "PRAGMA user_version = 1");
    CHECK(open_at(db).find("kept").has_value()); // nothing was lost
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
    CHECK(s.list({}, 10, "").error().kind() == error::storage_failure);
}

TEST_CASE("sqlite storage: a file that cannot be opened is an error value", "[storage][sqlite]")
{
    auto r = sqlite_storage::open({.path = "/nonexistent-dir/oauthreg/clients.db"});
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind() == error::storage_failure);
    CHECK(r.error().description.find("cannot open") != std::string::npos);
}
