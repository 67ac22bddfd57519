// Tests of storage/memory.hpp: the storage contract for both mutex variants.
#include <oauthreg/storage/memory.hpp>
#include <oauthreg/testing/assertion_replay_conformance.hpp>
#include <oauthreg/testing/lifecycle_conformance.hpp>
#include <oauthreg/testing/thread_failures.hpp>

#include "../support/catch.hpp"

#include <algorithm>
#include <set>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

using namespace oauthreg;

namespace {
client_record make(std::string id, std::string org = "o", std::string user = "u")
{
    client_record r;
    r.client_id = std::move(id);
    r.owner = {std::move(org), std::move(user)};
    r.metadata.client_name = "n";
    r.metadata.localized.push_back({localizable::client_name, "ja-Jpan-JP", "\xe3\x83\x80\xe3\x83\x83"});
    return r;
}
} // namespace

TEST_CASE("memory storage: ids kept inline and ids too long for it are found exactly", "[storage]")
{
    memory_storage_st s;
    std::string const prefix(detail::memory_entry::inline_id_capacity, 'x');
    std::vector<std::string> ids = {
        "", "a", prefix.substr(1), prefix, prefix + "1", prefix + "2", prefix + std::string(200, 'y')};
    for (auto const& id : ids)
        REQUIRE(s.insert(make(id)).has_value());
    for (auto const& id : ids) {
        INFO(id.size());
        REQUIRE(s.find(id).has_value());
        CHECK(s.find(id)->client_id == id);
        CHECK(s.insert(make(id)).error().kind() == error::client_exists);
    }
    // a long id differing from a stored one only past the inline length is another client
    CHECK(s.find(prefix + "3").error().kind() == error::client_not_found);
    CHECK(s.find(prefix.substr(2)).error().kind() == error::client_not_found);
    REQUIRE(s.erase(prefix + "1").has_value());
    CHECK(s.find(prefix + "2").has_value());
    CHECK(s.find(prefix).has_value());
    CHECK(s.size() == ids.size() - 1);
}

TEMPLATE_TEST_CASE("memory storage: insert-if-absent, find, visit, erase", "[storage]", memory_storage_mt,
                   memory_storage_st)
{
    TestType s;
    REQUIRE(s.insert(make("a")).has_value());
    auto dup = s.insert(make("a", "other"));
    REQUIRE_FALSE(dup.has_value());
    CHECK(dup.error().rfc_code() == "conflict");
    CHECK(s.find("a")->owner.org_id == "o"); // the first insert is intact
    CHECK(s.find("a").value() == make("a")); // values round-trip, Unicode included
    bool seen = false;
    CHECK(s.visit("a", [&](client_record const& r) { seen = r.client_id == "a"; }).has_value());
    CHECK(seen);
    CHECK(s.visit("zz", [&](client_record const&) { FAIL("visited a missing record"); }).error().rfc_code() ==
          "not_found");
    CHECK(s.find("zz").error().rfc_code() == "not_found");
    CHECK(s.erase("a").has_value());
    CHECK(s.erase("a").error().rfc_code() == "not_found");
    CHECK(s.size() == 0);
}

TEMPLATE_TEST_CASE("memory storage: replace only at the expected version", "[storage]", memory_storage_mt,
                   memory_storage_st)
{
    TestType s;
    REQUIRE(s.insert(make("a")).has_value());
    auto v2 = make("a");
    v2.version = 2;
    v2.metadata.client_name = "two";
    CHECK(s.replace(v2, 1).has_value());
    auto stale = make("a");
    stale.version = 2;
    stale.metadata.client_name = "lost";
    CHECK(s.replace(stale, 1).error().rfc_code() == "conflict");
    CHECK(s.find("a")->metadata.client_name == "two");
    CHECK(s.replace(make("b"), 0).error().rfc_code() == "not_found");
}

TEMPLATE_TEST_CASE("memory storage: owner indexes follow replace and erase", "[storage]", memory_storage_mt,
                   memory_storage_st)
{
    TestType s;
    REQUIRE(s.insert(make("a", "o1", "u1")).has_value());
    REQUIRE(s.insert(make("b", "o1", "u2")).has_value());
    REQUIRE(s.insert(make("c", "", "")).has_value());
    auto moved = make("a", "o2", "u1");
    moved.version = 2;
    REQUIRE(s.replace(moved, 1).has_value());
    auto ids = [&](owner_filter f) {
        std::vector<std::string> out;
        auto page = s.list(f, 100, "").value(); // keep the page alive while iterating
        for (auto& r : page.clients)
            out.push_back(r.client_id);
        return out;
    };
    CHECK(ids({"o1", std::nullopt}) == std::vector<std::string>{"b"});
    CHECK(ids({"o2", std::nullopt}) == std::vector<std::string>{"a"});
    CHECK(ids({std::nullopt, "u1"}) == std::vector<std::string>{"a"});
    CHECK(ids({"o2", "u1"}) == std::vector<std::string>{"a"});
    CHECK(ids({"o1", "u1"}).empty());
    CHECK(ids({}) == std::vector<std::string>{"a", "b", "c"});
    REQUIRE(s.erase("b").has_value());
    CHECK(ids({"o1", std::nullopt}).empty());
    CHECK(ids({}) == std::vector<std::string>{"a", "c"});
}

TEMPLATE_TEST_CASE("memory storage: moving a store takes its clients and indexes along", "[storage]",
                   memory_storage_mt, memory_storage_st)
{
    STATIC_REQUIRE(std::is_nothrow_move_constructible_v<TestType>);
    STATIC_REQUIRE(std::is_nothrow_move_assignable_v<TestType>);
    STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<TestType>);
    TestType from;
    REQUIRE(from.insert(make("a", "o1", "u1")).has_value());
    REQUIRE(from.insert(make("b", "o1", "u2")).has_value());
    TestType to(std::move(from));
    CHECK(to.size() == 2);
    CHECK(to.find("a").value().owner.org_id == "o1");
    CHECK(to.list({"o1", std::nullopt}, 10, "").value().clients.size() == 2); // the owner index came along
    REQUIRE(to.insert(make("c", "o2", "u1")).has_value());
    TestType other;
    REQUIRE(other.insert(make("z", "o9", "u9")).has_value());
    other = std::move(to); // drops z, takes a, b and c
    CHECK(other.size() == 3);
    CHECK(other.find("z").error().kind() == error::client_not_found);
    CHECK(other.list({std::nullopt, "u1"}, 10, "").value().clients.size() == 2);
    REQUIRE(other.erase("a").has_value());
    CHECK(other.size() == 2);
}

TEST_CASE("memory_storage_mt: concurrent inserts and reads", "[storage][concurrency]")
{
    memory_storage_mt s;
    oauthreg::testing::thread_failures failures;
    auto writer = [&](char prefix) {
        for (int i = 0; i < 2000; ++i) {
            std::string id(1, prefix); // not `string(1, c) + ...`: GCC 12 -Wrestrict false positive
            id += std::to_string(i);
            failures.expect(s.insert(make(id)).has_value(), "insert " + id);
        }
    };
    std::atomic<bool> stop{false};
    std::thread reader([&] {
        while (!stop)
            (void)s.list({"o", std::nullopt}, 10, "");
    });
    std::thread a(writer, 'a'), b(writer, 'b');
    a.join();
    b.join();
    stop = true;
    reader.join();
    failures.check();
    CHECK(s.size() == 4000);
    std::set<std::string> seen;
    std::string cursor;
    for (;;) {
        auto p = s.list({"o", "u"}, 333, cursor).value();
        for (auto& r : p.clients)
            CHECK(seen.insert(r.client_id).second);
        if (!p.next_cursor)
            break;
        cursor = *p.next_cursor;
    }
    CHECK(seen.size() == 4000);
}

#include <oauthreg/testing/storage_conformance.hpp>

TEST_CASE("memory_storage_mt answers filtered, page-numbered listings", "[storage][conformance][pages]")
{
    oauthreg::testing::check_client_pages([] { return std::make_unique<memory_storage_mt>(); });
}

TEST_CASE("memory_storage_mt meets the storage contract", "[storage][conformance][concurrency]")
{
    oauthreg::testing::check_storage_contract([] { return std::make_unique<memory_storage_mt>(); });
}

TEST_CASE("memory_storage_st meets the storage contract (single-threaded)", "[storage][conformance]")
{
    oauthreg::testing::check_storage_contract([] { return std::make_unique<memory_storage_st>(); }, false);
}

TEST_CASE("memory_storage_mt keeps the client lifecycle (quotas, RFC 7591 3 tokens, use, reaping)",
          "[storage][conformance][lifecycle][concurrency]")
{
    oauthreg::testing::check_lifecycle_contract([] { return std::make_unique<memory_storage_mt>(); });
}

TEST_CASE("memory_storage_st keeps the client lifecycle (single-threaded)", "[storage][conformance][lifecycle]")
{
    oauthreg::testing::check_lifecycle_contract([] { return std::make_unique<memory_storage_st>(); }, false);
}

TEST_CASE("memory_storage_mt remembers RFC 7523 client assertions: a replay fails, expired ones are dropped",
          "[storage][conformance][assertion_replay][concurrency]")
{
    oauthreg::testing::check_assertion_replay_contract([] { return std::make_unique<memory_storage_mt>(); }, true,
                                                       [](memory_storage_mt& s) { return s.remembered_assertions(); });
}

TEST_CASE("memory_storage_st remembers RFC 7523 client assertions (single-threaded)",
          "[storage][conformance][assertion_replay]")
{
    oauthreg::testing::check_assertion_replay_contract([] { return std::make_unique<memory_storage_st>(); }, false,
                                                       [](memory_storage_st& s) { return s.remembered_assertions(); });
}

TEST_CASE("memory storage: remembered assertions stay within twice those live at the last pass, calls after calls",
          "[storage][assertion_replay]")
{
    memory_storage_st s;
    // 20 rounds of 300 pairs, each round's expired by the next: never more than 2 rounds' worth held.
    std::size_t most = 0;
    for (unix_seconds round = 0; round < 20; ++round) {
        unix_seconds const now = 1700000000 + 10 * round;
        for (int i = 0; i < 300; ++i) {
            REQUIRE(s.remember_assertion("client-a", std::to_string(round) + "-" + std::to_string(i), now + 1, now)
                        .value());
            most = std::max(most, s.remembered_assertions());
        }
    }
    CHECK(most <= 2 * 300 + 64);
    CHECK(s.remembered_assertions() >= 300);
}

TEST_CASE("RFC 8259 8.1: memory storage keeps ids that are not UTF-8 exactly, and it writes no JSON", "[storage][codec]")
{
    memory_storage_st s;
    std::string const bad = "id-\xc0\xaf\x80\xe2\x82"; // overlong, lone continuation, truncated
    auto rec = make(bad, "org-\xed\xa0\x80", "user-\xf4\x90\x80\x80");
    REQUIRE(s.insert(rec).has_value());
    CHECK(s.find(bad).value() == rec); // what it stores always reads back
}
