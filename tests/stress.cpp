// Concurrency stress: several threads register, authenticate, update, rotate
// and delete against one registry, for a bounded number of operations; then
// every invariant is checked. Run it repeatedly with:
//   for i in $(seq 20); do build/tests/oauthreg_tests "[stress]" || break; done
#include <oauthreg/registry.hpp>
#include <oauthreg/testing/thread_failures.hpp>

#include "support/catch.hpp"

#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace oauthreg;

namespace {

using stress_registry = basic_registry<memory_storage_mt, os_rng, manual_clock>;

std::string body_named(std::string const& name)
{
    return R"({"grant_types":["client_credentials"],"client_name":")" + name + "\"}";
}

// A client name like "t3-17" (GCC 12 -Wrestrict misfires on "t" + std::to_string(...)).
std::string tagged(char kind, unsigned seed, int op)
{
    std::string s(1, kind);
    s += std::to_string(seed);
    s += '-';
    s += std::to_string(op);
    return s;
}

// What the threads were told, to hold the registry to it afterwards.
struct ledger {
    std::mutex m;
    std::set<std::string> ids;                                           // every id ever issued
    std::set<std::string> deleted;                                       // acknowledged deletes
    std::map<std::string, std::map<std::uint64_t, std::string>> names;   // id -> version -> acknowledged name
    std::map<std::string, std::map<std::uint64_t, std::string>> secrets; // id -> version -> secret issued there
    std::size_t duplicate_ids = 0;
    testing::thread_failures failures; // the workers' failed expectations, asserted after join
};

bool conflict_or_gone(error_info const& e) { return e.rfc_code() == "conflict" || e.rfc_code() == "not_found"; }

} // namespace

TEST_CASE("stress: concurrent register, authenticate, update, rotate and delete", "[stress][concurrency]")
{
    stress_registry reg;
    ledger led;
    // shared clients that every thread updates and rotates, so writers collide
    std::vector<std::string> shared;
    for (int i = 0; i < 4; ++i) {
        auto r = reg.register_client(body_named("shared-" + std::to_string(i))).value();
        shared.push_back(r.record.client_id);
        led.ids.insert(r.record.client_id);
        led.names[r.record.client_id][1] = "shared-" + std::to_string(i);
        led.secrets[r.record.client_id][1] = *r.client_secret;
    }
    constexpr int threads = 4, ops_per_thread = 1500;
    auto worker = [&](unsigned seed) {
        std::mt19937 rnd(seed);
        std::vector<std::string> mine;
        for (int op = 0; op < ops_per_thread; ++op) {
            int const kind = static_cast<int>(rnd() % 10);
            std::string id = !mine.empty() && rnd() % 2 ? mine[rnd() % mine.size()] : shared[rnd() % shared.size()];
            if (kind < 3) { // register
                auto r = reg.register_client(body_named(tagged('t', seed, op)));
                if (!r) {
                    led.failures.add("register: " + r.error().description);
                    continue;
                }
                std::lock_guard lock(led.m);
                led.duplicate_ids += !led.ids.insert(r->record.client_id).second;
                led.names[r->record.client_id][1] = *r->record.metadata.client_name;
                led.secrets[r->record.client_id][1] = *r->client_secret;
                mine.push_back(r->record.client_id);
            } else if (kind < 5) { // update
                auto cur = reg.find(id);
                if (!cur)
                    continue;
                auto name = tagged('u', seed, op);
                auto r = reg.update(id, body_named(name), cur->version);
                if (r) {
                    std::lock_guard lock(led.m);
                    led.names[id][r->record.version] = name;
                } else {
                    led.failures.expect(conflict_or_gone(r.error()), "update: " + r.error().description);
                }
            } else if (kind < 6) { // rotate
                auto r = reg.rotate_secret(id);
                if (r) {
                    std::lock_guard lock(led.m);
                    led.secrets[id][r->version] = r->client_secret;
                } else {
                    led.failures.expect(conflict_or_gone(r.error()), "rotate: " + r.error().description);
                }
            } else if (kind < 9) { // authenticate with the newest secret this thread knows of
                std::string secret;
                {
                    std::lock_guard lock(led.m);
                    secret = led.secrets[id].rbegin()->second;
                }
                (void)reg.authenticate(id, secret); // may race a rotation; checked afterwards
            } else if (!mine.empty()) {             // delete one of mine
                auto victim = mine.back();
                mine.pop_back();
                if (auto gone = reg.erase(victim); !gone) {
                    led.failures.add("remove " + victim + ": " + gone.error().description);
                    continue;
                }
                std::lock_guard lock(led.m);
                led.deleted.insert(victim);
            }
        }
    };
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
        pool.emplace_back(worker, 1000u + static_cast<unsigned>(t));
    for (auto& th : pool)
        th.join();

    led.failures.check();
    CHECK(led.duplicate_ids == 0); // ids unique
    std::size_t live = 0;
    for (auto const& id : led.ids) {
        auto rec = reg.find(id);
        if (led.deleted.contains(id)) { // deleted clients are gone
            CHECK(rec.error().rfc_code() == "not_found");
            continue;
        }
        REQUIRE(rec.has_value());
        ++live;
        // the stored name is the one acknowledged for the stored version, and no
        // acknowledged update is newer than what is stored (no lost update)
        auto const& acked = led.names[id];
        auto latest_name_version = acked.rbegin()->first;
        CHECK(rec->version >= latest_name_version);
        auto it = acked.upper_bound(rec->version);
        REQUIRE(it != acked.begin());
        --it;
        CHECK(*rec->metadata.client_name == it->second);
        // exactly the newest issued secret works; every rotated-away one fails
        auto const& secrets = led.secrets[id];
        CHECK(rec->version >= secrets.rbegin()->first);
        CHECK(reg.authenticate(id, secrets.rbegin()->second).has_value());
        for (auto it = secrets.begin(); it != std::prev(secrets.end()); ++it)
            CHECK_FALSE(reg.authenticate(id, it->second).has_value());
    }
    CHECK(reg.storage().size() == live);
    std::size_t listed = 0;
    list_query q{{}, 100, {}};
    for (;;) {
        auto page = reg.list(q).value();
        listed += page.clients.size();
        if (!page.next_cursor)
            break;
        q.cursor = *page.next_cursor;
    }
    CHECK(listed == live);
}
