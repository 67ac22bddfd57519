//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_TESTING_STORAGE_CONFORMANCE_HPP
#define OAUTHREG_TESTING_STORAGE_CONFORMANCE_HPP

// The storage contract as a Catch2 test suite, for any backend. Include it in
// a Catch2 test (v2.13 or v3) and call it with a factory of empty stores:
//
//   #include <oauthreg/testing/storage_conformance.hpp>
//   TEST_CASE("my store meets the storage contract") {
//       oauthreg::testing::check_storage_contract([] { return std::make_unique<my_store>(); });
//   }

#if __has_include(<catch2/catch_all.hpp>)
#include <catch2/catch_all.hpp>
#else
#include <catch2/catch.hpp>
#endif

#include <oauthreg/client_page.hpp>
#include <oauthreg/storage/concept.hpp>
#include <oauthreg/testing/catch_printing.hpp>
#include <oauthreg/storage/cursor.hpp>
#include <oauthreg/testing/thread_failures.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <functional>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace oauthreg::testing {

/** A record with every member set, Unicode and localized values included. */
inline client_record full_record(std::string id, std::string org = "org-1", std::string user = "user-1")
{
    client_record r;
    r.client_id = std::move(id);
    auto& m = r.metadata;
    m.redirect_uris = {"https://app.example.com/cb?x=1", "http://127.0.0.1/cb", "com.example.app:/cb"};
    m.token_endpoint_auth_method = auth_method::client_secret_post;
    m.grant_types = {grant_type::authorization_code, grant_type::refresh_token};
    m.response_types = {response_type::code};
    m.client_name = "Caf\xc3\xa9 \xe2\x98\x95 \"quoted\" \\ back";
    m.client_uri = "https://app.example.com/";
    m.logo_uri = "https://cdn.example.com/logo.png";
    m.scope = "openid profile api:read";
    m.contacts = {"ops@example.com", "dev+oauth@example.com"};
    m.tos_uri = "https://app.example.com/tos";
    m.policy_uri = "https://app.example.com/privacy";
    m.jwks = R"({"keys":[{"kty":"EC","crv":"P-256","x":"AQ","y":"Ag","kid":"k1"}]})";
    m.software_id = "4NRB1-0XZABZI9E6-5SM3R";
    m.software_version = "2.1";
    m.app_type = application_type::web;
    m.localized = {{localizable::client_name, "ja-Jpan-JP", "\xe3\x83\x80\xe3\x83\x83\xe3\x82\xb7\xe3\x83\xa5"},
                   {localizable::logo_uri, "fr", "https://cdn.example.com/fr.png"}};
    r.owner = {std::move(org), std::move(user)};
    r.created_at = 1700000000;
    r.updated_at = 1700000100;
    r.client_secret_hash = secret_hash{};
    r.client_secret_hash->fill(0xA5);
    r.client_secret_expires_at = 1800000000;
    r.registration_token_hash = secret_hash{};
    r.require_pkce = true;
    r.version = 1;
    return r;
}

/** Ids a UTF-8 text column cannot hold: ill-formed UTF-8 (stray, truncated,
    surrogate, overlong, past U+10FFFF) and a NUL. A lookup by such bytes is
    an ordinary answer in every store, never a server error. */
inline std::vector<std::string> hostile_ids()
{
    using namespace std::string_literals;
    return {"\xff\xfe\xfd"s, "\x80"s, "\xc3"s, "abc\xc3("s, "\xed\xa0\x80"s, "\xc0\xaf"s, "\xf4\x90\x80\x80"s, "a\0b"s};
}

namespace detail {
inline std::string hex(std::string_view s)
{
    std::string out;
    for (char c : s) {
        char b[4];
        std::snprintf(b, sizeof b, "%02x", static_cast<unsigned char>(c));
        out += b;
    }
    return out;
}

/** Every id of a listing, page by page; `between()` runs after each page but the last. */
template <class Store, class Between>
std::vector<std::string> collect(Store const& s, owner_filter const& f, std::size_t limit, Between between)
{
    std::vector<std::string> ids;
    std::string cursor;
    for (int pages = 0; pages < 10000; ++pages) {
        auto page = s.list(f, limit, cursor);
        REQUIRE(page.has_value());
        CHECK(page->clients.size() <= limit);
        for (auto const& c : page->clients)
            ids.push_back(c.client_id);
        if (!page->next_cursor)
            break;
        cursor = *page->next_cursor;
        between();
    }
    return ids;
}

template <class Store> std::vector<std::string> collect(Store const& s, owner_filter const& f, std::size_t limit)
{
    return collect(s, f, limit, [] {});
}

/** "k1000", "k1001", ...: ids that others ("k1004a7") sort between. */
inline std::string keyed(int i)
{
    std::string id(1, 'k'); // not `"k" + ...`: GCC 12 -Wrestrict false positive
    id += std::to_string(1000 + i);
    return id;
}

/** A keyset listing: ordered, no id twice, every id of `must` in it. */
inline void check_keyset(std::vector<std::string> const& got, std::set<std::string> const& must)
{
    CHECK(std::adjacent_find(got.begin(), got.end(), std::greater_equal<>()) == got.end());
    std::set<std::string> seen(got.begin(), got.end());
    CHECK(std::includes(seen.begin(), seen.end(), must.begin(), must.end()));
}

/** Keyset listing while another thread inserts and erases clients around
    the cursor: no client listed twice or out of order, none skipped of those
    that existed for the whole listing. The writer thread only counts; the
    main thread asserts (Catch2 2 is not thread-safe). */
template <class Factory> void check_listing_under_churn(Factory& make)
{
    INFO("keyset listing under concurrent inserts and erases");
    auto s = make();
    auto org_of = [](int i) { return i % 2 ? std::string("org-a") : std::string("org-b"); };
    std::set<std::string> stable, stable_a;
    std::vector<std::string> doomed; // erased while the listings run: may be listed or not
    for (int i = 0; i < 30; ++i) {
        REQUIRE(s->insert(full_record(keyed(i), org_of(i))).has_value());
        if (i % 3 == 2)
            doomed.push_back(keyed(i));
        else
            (org_of(i) == "org-a" ? stable_a : stable).insert(keyed(i));
    }
    stable.insert(stable_a.begin(), stable_a.end());
    // One writer thread (SQLite writers would mostly wait on each other):
    // it erases one doomed client per page listed, and in between inserts
    // clients around every cursor and erases them again.
    std::atomic<bool> stop{false};
    std::atomic<int> ops{0}, failures{0}, pages{0}, erased{0};
    int const n_doomed = static_cast<int>(doomed.size());
    std::thread writer([&] {
        std::vector<std::string> live; // a few of ours stay stored at any time
        for (int n = 0; !stop; ++n) {
            if (int k = erased; k < std::min<int>(pages, n_doomed)) {
                if (!s->erase(doomed[static_cast<std::size_t>(k)]))
                    ++failures;
                ++erased;
            }
            auto id = keyed(n * 7 % 30);
            id += 'x';
            id += std::to_string(n);
            if (!s->insert(full_record(id, org_of(n * 7 % 30))))
                ++failures;
            live.push_back(std::move(id));
            if (live.size() > 8) {
                if (!s->erase(live.front()))
                    ++failures;
                live.erase(live.begin());
            }
            ++ops;
        }
    });
    // However fast the store, the writer changes it between any two pages.
    auto between_pages = [&] {
        int const before = ops;
        int const page = ++pages;
        while (ops < before + 1 || erased < std::min(page, n_doomed))
            std::this_thread::yield();
    };
    std::vector<std::vector<std::string>> all, org_a;
    for (std::size_t limit : {2u, 5u}) {
        all.push_back(collect(*s, {}, limit, between_pages));
        org_a.push_back(collect(*s, {"org-a", std::nullopt}, limit, between_pages));
    }
    stop = true;
    writer.join();
    CHECK(failures == 0);
    for (auto const& got : all)
        check_keyset(got, stable);
    for (auto const& got : org_a)
        check_keyset(got, stable_a);
}

/** check_storage_contract: insert-if-absent, find, visit and erase, on a record with every member set. */
template <class Factory> void check_insert_find_visit_erase(Factory& make)
{
    INFO("insert-if-absent, find, visit, erase; values round-trip byte for byte");
    auto s = make();
    auto rec = full_record("client-a");
    REQUIRE(s->insert(rec).has_value());
    auto again = s->insert(full_record("client-a", "someone-else"));
    REQUIRE_FALSE(again.has_value());
    CHECK(again.error().kind() == error::client_exists);
    auto got = s->find("client-a");
    REQUIRE(got.has_value());
    CHECK(*got == rec); // and the first insert is intact
    bool visited = false;
    CHECK(s->visit("client-a", [&](client_record const& r) { visited = r == rec; }).has_value());
    CHECK(visited);
    CHECK(s->find("client-b").error().kind() == error::client_not_found);
    CHECK(s->visit("client-b", [](client_record const&) {}).error().kind() == error::client_not_found);
    CHECK(s->erase("client-a").has_value());
    CHECK(s->erase("client-a").error().kind() == error::client_not_found);
    CHECK(s->find("client-a").error().kind() == error::client_not_found);
}

/** check_storage_contract: a record with nothing optional set. */
template <class Factory> void check_bare_record(Factory& make)
{
    INFO("a record with nothing optional set round-trips as well");
    auto s = make();
    client_record bare;
    bare.client_id = "bare";
    bare.metadata.token_endpoint_auth_method = auth_method::none;
    bare.metadata.grant_types = {grant_type::authorization_code};
    bare.metadata.response_types = {response_type::code};
    bare.require_pkce = true;
    REQUIRE(s->insert(bare).has_value());
    auto got = s->find("bare");
    REQUIRE(got.has_value());
    CHECK(*got == bare);
    CHECK_FALSE(got->client_secret_hash.has_value());
    CHECK_FALSE(got->metadata.client_name.has_value());
}

/** check_storage_contract: replace at the expected version only, and to another owner. */
template <class Factory> void check_replace(Factory& make)
{
    INFO("replace only at the expected version");
    auto s = make();
    REQUIRE(s->insert(full_record("client-a")).has_value());
    auto v2 = full_record("client-a");
    v2.version = 2;
    v2.metadata.client_name = "second";
    REQUIRE(s->replace(v2, 1).has_value());
    auto stale = full_record("client-a");
    stale.version = 2;
    stale.metadata.client_name = "lost";
    auto conflict = s->replace(stale, 1);
    REQUIRE_FALSE(conflict.has_value());
    CHECK(conflict.error().kind() == error::version_conflict);
    CHECK(*s->find("client-a") == v2);
    CHECK(s->replace(full_record("client-z"), 0).error().kind() == error::client_not_found);
    INFO("a replacement may move the client to another owner; listings follow");
    auto moved = v2;
    moved.version = 3;
    moved.owner = {"org-new", "user-new"};
    REQUIRE(s->replace(moved, 2).has_value());
    CHECK(collect(*s, {"org-1", std::nullopt}, 10).empty());
    CHECK(collect(*s, {"org-new", "user-new"}, 10) == std::vector<std::string>{"client-a"});
    CHECK(collect(*s, {std::nullopt, "user-new"}, 10) == std::vector<std::string>{"client-a"});
}

/** check_storage_contract: listings by owner, at any page size. */
template <class Factory> void check_owner_listings(Factory& make)
{
    INFO("list by owner: ordered by client_id, each client exactly once, any page size");
    auto s = make();
    std::set<std::string> all, org_a, user_x, pair_ax;
    for (int i = 0; i < 41; ++i) {
        std::string id(1, 'c');
        id += std::to_string(1000 + i * 7 % 41);
        std::string org = i % 3 ? "org-b" : "org-a", user = i % 2 ? "user-y" : "user-x";
        REQUIRE(s->insert(full_record(id, org, user)).has_value());
        all.insert(id);
        if (org == "org-a")
            org_a.insert(id);
        if (user == "user-x")
            user_x.insert(id);
        if (org == "org-a" && user == "user-x")
            pair_ax.insert(id);
    }
    for (std::size_t limit : {1u, 4u, 10u, 100u}) {
        auto check_filter = [&](owner_filter f, std::set<std::string> const& want) {
            auto got = collect(*s, f, limit);
            CHECK(std::vector<std::string>(want.begin(), want.end()) == got);
        };
        check_filter({}, all);
        check_filter({"org-a", std::nullopt}, org_a);
        check_filter({std::nullopt, "user-x"}, user_x);
        check_filter({"org-a", "user-x"}, pair_ax);
        check_filter({"org-none", std::nullopt}, {});
    }
    auto bad = s->list({}, 10, "not a cursor!");
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().kind() == error::invalid_cursor);
    REQUIRE(s->erase(*org_a.begin()).has_value());
    CHECK(collect(*s, {"org-a", std::nullopt}, 5).size() == org_a.size() - 1);
}

/** check_storage_contract: lookups, listings and cursors by ids and owners a database may not hold. */
template <class Factory> void check_hostile_lookups(Factory& make)
{
    INFO("ids, owners and cursors a database may not hold: not found, an empty page, an invalid cursor");
    auto s = make();
    REQUIRE(s->insert(full_record("client-a")).has_value());
    for (auto const& bad : hostile_ids()) {
        INFO("bytes " << hex(bad));
        CHECK(s->find(bad).error().kind() == error::client_not_found);
        CHECK(s->visit(bad, [](client_record const&) {}).error().kind() == error::client_not_found);
        CHECK(s->erase(bad).error().kind() == error::client_not_found);
        auto stray = full_record(bad);
        stray.version = 2;
        CHECK(s->replace(stray, 1).error().kind() == error::client_not_found);
        for (owner_filter f : {owner_filter{bad, std::nullopt}, owner_filter{std::nullopt, bad}, owner_filter{bad, bad},
                               owner_filter{"org-1", bad}}) {
            auto page = s->list(f, 10, "");
            REQUIRE(page.has_value());
            CHECK(page->clients.empty());
        }
        // A cursor the store could never have issued, or one it could.
        auto after = s->list({}, 10, encode_cursor(bad));
        if (!after)
            CHECK(after.error().kind() == error::invalid_cursor);
    }
    CHECK(*s->find("client-a") == full_record("client-a"));
}

/** check_storage_contract: records with such ids or owners: refused as invalid, or stored intact. */
template <class Factory> void check_hostile_records(Factory& make)
{
    INFO("a record with such an id or owner is refused as invalid, or stored and read back intact");
    auto s = make();
    int n = 0;
    for (auto const& bad : hostile_ids()) {
        INFO("bytes " << hex(bad));
        std::string other = "owned-";
        other += std::to_string(n++);
        for (auto const& rec :
             {full_record(bad), full_record(other, bad, "user-1"), full_record(other, "org-1", bad)}) {
            auto in = s->insert(rec);
            if (!in) {
                CHECK(in.error().rfc_code() != "server_error");
                CHECK(s->find(rec.client_id).error().kind() == error::client_not_found);
                continue;
            }
            auto got = s->find(rec.client_id);
            REQUIRE(got.has_value());
            CHECK(*got == rec);
            CHECK(collect(*s, {rec.owner.org_id, rec.owner.user_id}, 3) == std::vector<std::string>{rec.client_id});
            REQUIRE(s->erase(rec.client_id).has_value());
        }
        // replace into such an owner: refused the same way, or stored intact
        REQUIRE(s->insert(full_record(other)).has_value());
        auto moved = full_record(other, bad, bad);
        moved.version = 2;
        if (auto r = s->replace(moved, 1); r)
            CHECK(*s->find(other) == moved);
        else
            CHECK(r.error().rfc_code() != "server_error");
        REQUIRE(s->erase(other).has_value());
    }
    CHECK(collect(*s, {}, 3).empty()); // nothing unreadable was left behind
}

/** check_storage_contract: a keyset listing with clients erased and inserted between its pages. */
template <class Factory> void check_listing_changed_between_pages(Factory& make)
{
    INFO("keyset listing: clients erased and inserted between pages; none listed twice, none skipped that stayed");
    auto s = make();
    std::set<std::string> stable;
    std::vector<std::string> doomed;
    for (int i = 0; i < 40; ++i) {
        REQUIRE(s->insert(full_record(keyed(i))).has_value());
        if (i % 2)
            doomed.push_back(keyed(i));
        else
            stable.insert(keyed(i));
    }
    int page = 0;
    auto got = collect(*s, {}, 3, [&] {
        // Before the cursor: erase one client (listed or not), then add one.
        auto id = keyed(0);
        id += "-";
        id += std::to_string(++page);
        if (page % 2 && static_cast<std::size_t>(page / 2) < doomed.size())
            REQUIRE(s->erase(doomed[static_cast<std::size_t>(page / 2)]).has_value());
        else
            REQUIRE(s->insert(full_record(id)).has_value());
    });
    check_keyset(got, stable);
}

/** check_storage_contract: two writers inserting at once. */
template <class Factory> void check_concurrent_inserts(Factory& make)
{
    INFO("concurrent writers: inserts all land");
    auto s = make();
    thread_failures failures;
    auto writer = [&](char prefix) {
        for (int i = 0; i < 500; ++i) {
            std::string id(1, prefix);
            id += std::to_string(i);
            auto r = s->insert(full_record(id));
            if (!r)
                failures.add("insert " + id + ": " + r.error().description);
        }
    };
    std::thread a(writer, 'a'), b(writer, 'b');
    a.join();
    b.join();
    failures.check();
    CHECK(collect(*s, {}, 100).size() == 1000);
}

/** check_storage_contract: two writers through replace at once: no lost update. */
template <class Factory> void check_concurrent_replace(Factory& make)
{
    INFO("concurrent read-modify-write through replace: no lost update");
    auto s = make();
    REQUIRE(s->insert(full_record("counter")).has_value());
    std::atomic<int> done{0};
    thread_failures failures;
    auto bump = [&] {
        for (int n = 0; n < 200;) {
            auto cur = s->find("counter");
            if (!cur) {
                failures.add("find: " + cur.error().description);
                return;
            }
            auto next = *cur;
            next.version = cur->version + 1;
            next.updated_at = cur->updated_at + 1;
            auto r = s->replace(next, cur->version);
            if (r) {
                ++n;
                ++done;
            } else if (r.error().kind() != error::version_conflict) {
                failures.add("replace: " + r.error().description);
                return;
            }
        }
    };
    std::thread a(bump), b(bump);
    a.join();
    b.join();
    failures.check();
    auto fin = s->find("counter").value();
    CHECK(fin.version == 1 + 400);
    CHECK(fin.updated_at == 1700000100 + 400);
    CHECK(done == 400);
}
} // namespace detail

/** Checks a store's version-checked erase (see versioned_erase_storage):
    it removes the record only at the version named, and a record changed
    since keeps its place. check_storage_contract runs it for every store
    that models versioned_erase_storage.

    @param make returns a fresh, empty store (a pointer-like owner)
*/
template <class Factory> void check_versioned_erase(Factory make)
{
    INFO("erase(id, expected_version): only at that version (an RFC 7592 delete of the version checked)");
    auto s = make();
    REQUIRE(s->insert(full_record("client-a")).has_value());
    auto v2 = full_record("client-a");
    v2.version = 2;
    REQUIRE(s->replace(v2, 1).has_value());
    auto stale = s->erase("client-a", 1);
    REQUIRE_FALSE(stale.has_value());
    CHECK(stale.error().kind() == error::version_conflict);
    CHECK(s->find("client-a").has_value()); // a stale version erases nothing
    CHECK(s->erase("client-a", 3).error().kind() == error::version_conflict);
    CHECK(s->erase("client-a", 2).has_value());
    CHECK(s->find("client-a").error().kind() == error::client_not_found);
    CHECK(s->erase("client-a", 2).error().kind() == error::client_not_found);
    CHECK(s->erase("never-stored", 1).error().kind() == error::client_not_found);
}

/** Checks a backend against the whole storage contract of storage_policy.

    @param make returns a fresh, empty store (a pointer-like owner)
    @param concurrent also run the concurrent-writer checks (thread-safe stores)
*/
template <class Factory> void check_storage_contract(Factory make, bool concurrent = true)
{
    using store_ptr = decltype(make());
    using store_type = std::remove_reference_t<decltype(*std::declval<store_ptr>())>;
    static_assert(storage_policy<store_type>, "the store must model oauthreg::storage_policy");
    if constexpr (versioned_erase_storage<store_type>)
        check_versioned_erase(make);

    detail::check_insert_find_visit_erase(make);
    detail::check_bare_record(make);
    detail::check_replace(make);
    detail::check_owner_listings(make);
    detail::check_hostile_lookups(make);
    detail::check_hostile_records(make);
    detail::check_listing_changed_between_pages(make);
    if (!concurrent)
        return;
    detail::check_concurrent_inserts(make);
    detail::check_concurrent_replace(make);
    detail::check_listing_under_churn(make);
}

namespace detail {

/** check_client_pages' client ids: "a-00", "a-01", ..., "b-03". */
inline std::string page_client_id(char org, int i)
{
    return std::string(1, org) + "-" + (i < 10 ? "0" : "") + std::to_string(i);
}

/** check_client_pages' store. Organization "pages-a": 23 clients
    a-00..a-22; named "Client NN"; every third one (i % 3 == 0) public; even
    ones authorization_code, odd ones client_credentials (and all
    refresh_token); a-00..a-11 user-1's, the rest user-2's. Organization
    "pages-b": 4. */
template <class Store> void fill_pages(Store& s)
{
    for (int i = 0; i < 23; ++i) {
        auto r = full_record(page_client_id('a', i), "pages-a", i < 12 ? "user-1" : "user-2");
        r.metadata.client_name = "Client " + std::string(i < 10 ? "0" : "") + std::to_string(i);
        r.metadata.token_endpoint_auth_method = i % 3 == 0 ? auth_method::none : auth_method::client_secret_basic;
        r.metadata.grant_types = {i % 2 == 0 ? grant_type::authorization_code : grant_type::client_credentials,
                                  grant_type::refresh_token};
        REQUIRE(s.insert(std::move(r)).has_value());
    }
    for (int i = 0; i < 4; ++i)
        REQUIRE(s.insert(full_record(page_client_id('b', i), "pages-b")).has_value());
}

/** The page `q` asks for, which must be there. */
template <class Store> client_page ask_page(Store const& s, client_page_query const& q)
{
    auto p = page_clients(s, q);
    REQUIRE(p.has_value());
    return *p;
}

/** The client_ids of a page, in its order. */
inline std::vector<std::string> page_ids(client_page const& p)
{
    std::vector<std::string> out;
    for (auto const& c : p.clients)
        out.push_back(c.client_id);
    return out;
}

/** A query of organization "pages-a", every other setting its default. */
inline client_page_query pages_of_org_a()
{
    client_page_query q;
    q.owner.org_id = "pages-a";
    return q;
}

/** check_client_pages: pages of 5 cover the organization's clients, in order, once each. */
template <class Store> void check_pages_cover_all(Store const& s)
{
    INFO("pages of 5 cover the 23 clients in client_id order, once each, with totals");
    std::vector<std::string> seen;
    for (std::size_t n = 1; n <= 5; ++n) {
        auto q = pages_of_org_a();
        q.page_size = 5;
        q.page_number = n;
        auto p = ask_page(s, q);
        CHECK(p.total_results == 23);
        CHECK(p.total_pages == 5);
        CHECK(p.page_number == n);
        CHECK(p.clients.size() == (n < 5 ? 5u : 3u));
        for (auto& id : page_ids(p))
            seen.push_back(id);
    }
    std::vector<std::string> want;
    for (int i = 0; i < 23; ++i)
        want.push_back(page_client_id('a', i));
    CHECK(seen == want);
}

/** check_client_pages: a page past the end, the last page number included. */
template <class Store> void check_page_past_end(Store const& s)
{
    INFO("a page past the end is empty, with true totals");
    auto q = pages_of_org_a();
    q.page_size = 5;
    q.page_number = 6;
    auto p = ask_page(s, q);
    CHECK(p.clients.empty());
    CHECK(p.total_results == 23);
    CHECK(p.total_pages == 5);
    q.page_number = max_page_number; // the largest there is: no overflow in its offset
    CHECK(ask_page(s, q).clients.empty());
}

/** check_client_pages: each filter alone. */
template <class Store> void check_each_page_filter(Store const& s)
{
    INFO("each filter alone");
    auto q = pages_of_org_a();
    q.client_id = "a-07";
    CHECK(page_ids(ask_page(s, q)) == std::vector<std::string>{"a-07"});
    q.client_id = "b-01"; // another organization's client is not seen
    CHECK(ask_page(s, q).total_results == 0);

    q = pages_of_org_a();
    q.name = "Client 07";
    CHECK(page_ids(ask_page(s, q)) == std::vector<std::string>{"a-07"});
    q.name = "client 07"; // exact is bytewise
    CHECK(ask_page(s, q).total_results == 0);

    q = pages_of_org_a();
    q.name_contains = "NT 1"; // ASCII case-insensitive: "Client 10".."Client 19"
    auto p = ask_page(s, q);
    CHECK(p.total_results == 10);
    CHECK(page_ids(p).front() == "a-10");
    CHECK(page_ids(p).back() == "a-19");

    q = pages_of_org_a();
    q.type = client_type::public_client; // i % 3 == 0: 0, 3, ..., 21
    CHECK(ask_page(s, q).total_results == 8);
    q.type = client_type::confidential;
    CHECK(ask_page(s, q).total_results == 15);

    q = pages_of_org_a();
    q.grant_type_contains = grant_type::authorization_code; // even i: 12 of them
    CHECK(ask_page(s, q).total_results == 12);
    q.grant_type_contains = grant_type::refresh_token;
    CHECK(ask_page(s, q).total_results == 23);
    q.grant_type_contains = grant_type::device_code;
    CHECK(ask_page(s, q).total_results == 0);
}

/** check_client_pages: the filters combined, across page boundaries. */
template <class Store> void check_page_filters_combined(Store const& s)
{
    INFO("filters combined, across page boundaries");
    auto q = pages_of_org_a();
    q.type = client_type::public_client;                    // 0, 3, 6, 9, 12, 15, 18, 21
    q.grant_type_contains = grant_type::authorization_code; // even: 0, 6, 12, 18
    q.page_size = 3;
    auto p1 = ask_page(s, q);
    CHECK(page_ids(p1) == std::vector<std::string>{"a-00", "a-06", "a-12"});
    CHECK(p1.total_results == 4);
    CHECK(p1.total_pages == 2);
    q.page_number = 2;
    CHECK(page_ids(ask_page(s, q)) == std::vector<std::string>{"a-18"});
    q.page_number = 1;
    q.name_contains = "client 1"; // and named "Client 1x": 12, 18
    CHECK(page_ids(ask_page(s, q)) == std::vector<std::string>{"a-12", "a-18"});
    q.owner.user_id = "user-1"; // the owner filter narrows too: 12 is user-2's
    CHECK(ask_page(s, q).total_results == 0);
}

/** check_client_pages: an empty organization, and two kept apart. */
template <class Store> void check_page_organizations(Store const& s)
{
    INFO("an empty organization, and two organizations kept apart");
    client_page_query q;
    q.owner.org_id = "pages-empty";
    auto p = ask_page(s, q);
    CHECK(p.clients.empty());
    CHECK(p.total_results == 0);
    CHECK(p.total_pages == 0);
    q.owner.org_id = "pages-b";
    auto b = ask_page(s, q);
    CHECK(page_ids(b) == std::vector<std::string>{"b-00", "b-01", "b-02", "b-03"});
    q.client_id = "a-00";
    CHECK(ask_page(s, q).total_results == 0);
}

/** check_client_pages: the page number and size are checked. */
template <class Store> void check_page_range(Store const& s)
{
    INFO("page number and size are checked");
    auto q = pages_of_org_a();
    q.page_number = 0;
    CHECK(page_clients(s, q).error().kind() == error::invalid_page);
    q = pages_of_org_a();
    q.page_size = 0;
    CHECK(page_clients(s, q).error().kind() == error::invalid_page);
    q.page_size = 251;
    CHECK(page_clients(s, q).error().field == "page[size]");
    q.page_size = 250;
    CHECK(ask_page(s, q).clients.size() == 23);
}

/** check_page_matches_scan's clients: 160 of two organizations and three
    users, with names absent, empty, cased and non-ASCII, both types, every
    subset of four grant types, all three origins, and spread creation and
    use times (0: never used). */
template <class Store> void fill_varied(Store& s)
{
    static constexpr char const* names[] = {nullptr, "Alpha", "alpha beta", "ALPHA",
                                            "\xc3\x9cn\xc3\xaf" "code \xc3\xa5lpha", "beta", ""};
    static constexpr grant_type grants[] = {grant_type::authorization_code, grant_type::client_credentials,
                                            grant_type::refresh_token, grant_type::device_code};
    for (int i = 0; i < 160; ++i) {
        // std::string(...).append, not "s-" + ...: g++ 12's -Wrestrict false positive at -O3
        auto r = full_record(std::string("s-").append(std::to_string(1000 + (i * 37) % 160)),
                             i % 5 == 4 ? "scan-b" : "scan-a", std::string("u").append(std::to_string(i % 3)));
        auto& md = r.metadata;
        md.client_name = std::nullopt;
        if (auto const* n = names[i % 7])
            md.client_name = n;
        md.token_endpoint_auth_method = i % 4 == 0 ? auth_method::none : auth_method::client_secret_basic;
        md.grant_types.clear();
        for (unsigned b = 0; b < 4; ++b)
            if (static_cast<unsigned>((i * 7) % 16) & (1u << b))
                md.grant_types.push_back(grants[b]);
        r.origin = static_cast<client_origin>(i % 3);
        r.created_at = 1000 + (i * 37) % 100;
        r.last_used_at = i % 6 == 0 ? 0 : 1000 + (i * 53) % 100;
        REQUIRE(s.insert(std::move(r)).has_value());
    }
}

/** check_page_matches_scan's updates: 40 of fill_varied's clients
    renamed (to another of its names, or none), one in four of them moved to
    the other organization, one in three made public or confidential the
    other way, each by `replace`. */
template <class Store> void rename_varied(Store& s)
{
    static constexpr char const* names[] = {"ALPHA", nullptr, "beta", "Alpha", ""};
    for (int i = 0; i < 40; ++i) {
        auto r = s.find(std::string("s-").append(std::to_string(1000 + i * 4)));
        REQUIRE(r.has_value());
        r->metadata.client_name = std::nullopt;
        if (auto const* n = names[i % 5])
            r->metadata.client_name = n;
        if (i % 4 == 0)
            r->owner.org_id = r->owner.org_id == "scan-a" ? "scan-b" : "scan-a";
        if (i % 3 == 0)
            r->metadata.token_endpoint_auth_method =
                r->metadata.is_public() ? auth_method::client_secret_basic : auth_method::none;
        auto const at = r->version++;
        REQUIRE(s.replace(std::move(*r), at).has_value());
    }
}

/** One of check_page_matches_scan's queries: an owner (or none, or one
    selecting nothing), each filter set at random, a page size and number. */
inline client_page_query random_page_query(std::mt19937& rng)
{
    auto pick = [&](auto const& options) { return options[rng() % std::size(options)]; };
    auto often = [&](unsigned in) { return rng() % in == 0; };
    static constexpr char const* orgs[] = {"scan-a", "scan-b", "scan-a", "", "scan-none", nullptr};
    static constexpr char const* users[] = {nullptr, nullptr, "u1", "u2"};
    static constexpr char const* names[] = {"Alpha", "ALPHA", "", "beta", "alpha"};
    static constexpr char const* fragments[] = {"alpha", "PHA", "\xc3\xbc", "\xc3\x9c", "", "a b", "zzz", "\xc3"};
    static constexpr std::size_t sizes[] = {1, 2, 5, 20, 250};
    static constexpr std::size_t numbers[] = {1, 1, 1, 2, 3, 7, 12, 20, 40, 70, max_page_number};
    client_page_query q;
    if (auto const* o = pick(orgs))
        q.owner.org_id = o;
    if (auto const* u = pick(users))
        q.owner.user_id = u;
    if (often(10))
        q.client_id = often(2) ? std::string("nope") : std::string("s-").append(std::to_string(1000 + rng() % 160));
    if (often(6))
        q.name = pick(names);
    if (often(4))
        q.name_contains = pick(fragments);
    if (often(5))
        q.type = often(2) ? client_type::public_client : client_type::confidential;
    if (often(5))
        q.grant_type_contains = static_cast<grant_type>(rng() % 5);
    if (often(5))
        q.last_used_before = 990 + static_cast<unix_seconds>(rng() % 120);
    if (often(5))
        q.created_before = 990 + static_cast<unix_seconds>(rng() % 120);
    if (often(5))
        q.origin = static_cast<client_origin>(rng() % 3);
    q.page_size = pick(sizes);
    q.page_number = pick(numbers);
    return q;
}

/** A query as a test's message says it. */
inline std::string describe(client_page_query const& q)
{
    std::string d = "org=" + q.owner.org_id.value_or("-") + " user=" + q.owner.user_id.value_or("-");
    d += " id=" + q.client_id.value_or("-") + " name=" + q.name.value_or("-") +
         " contains=" + q.name_contains.value_or("-");
    d += " type=" + (q.type ? std::to_string(static_cast<int>(*q.type)) : std::string("-"));
    d += " grant=" + (q.grant_type_contains ? std::to_string(static_cast<int>(*q.grant_type_contains)) : "-");
    d += " used<" + (q.last_used_before ? std::to_string(*q.last_used_before) : "-");
    d += " created<" + (q.created_before ? std::to_string(*q.created_before) : "-");
    d += " origin=" + (q.origin ? std::to_string(static_cast<int>(*q.origin)) : std::string("-"));
    return d + " page " + std::to_string(q.page_number) + " of " + std::to_string(q.page_size);
}

/** check_client_pages, for a store with its own `page` (a paging_storage):
    on fill_varied's clients and 400 random queries, the same clients, in the
    same order, and the same totals as page_by_list, which reads every
    record through `list` and applies page_filters_match. A store that pages
    in SQL is checked here against the C++ reading of each filter. */
template <class Factory> void check_page_matches_scan(Factory make)
{
    auto s = make();
    using store = std::remove_cvref_t<decltype(*s)>;
    if constexpr (paging_storage<store>) {
        fill_varied(*s);
        std::mt19937 rng(20261207);
        auto const compare_one = [&](client_page_query const& q) {
            INFO(describe(q));
            auto want = oauthreg::detail::page_by_list(*s, q);
            auto got = s->page(q);
            REQUIRE(want.has_value());
            REQUIRE(got.has_value());
            CHECK(got->total_results == want->total_results);
            CHECK(got->total_pages == want->total_pages);
            CHECK(page_ids(*got) == page_ids(*want));
            CHECK((got->clients == want->clients));
        };
        auto const compare = [&](int queries) {
            for (int i = 0; i < queries; ++i)
                compare_one(random_page_query(rng));
            // Every page of 7, of every client, of each organization, and
            // of each type in them: both halves, read from either end.
            for (char const* org : {static_cast<char const*>(nullptr), "scan-a", "scan-b"})
                for (int type = -1; type < 2; ++type)
                    for (std::size_t n = 1; n <= 160 / 7 + 2; ++n) {
                        client_page_query q;
                        if (org)
                            q.owner.org_id = org;
                        if (type >= 0)
                            q.type = static_cast<client_type>(type);
                        q.page_size = 7;
                        q.page_number = n;
                        compare_one(q);
                    }
        };
        compare(400);
        INFO("after renames, changes of owner and of type: every index a filter reads follows a replace");
        rename_varied(*s);
        compare(200);
    }
}

} // namespace detail

/** A page-numbered, filtered listing (page_clients, the record API's list)
    over a backend: page boundaries, each filter alone and combined, a page
    past the end, an empty organization, two organizations kept apart. Needs
    nothing of the store beyond the storage contract (a store that models
    paging_storage is checked through its own `page`, and against the scan of
    its `list` on 400 random queries).

    @param make returns a fresh, empty store (a pointer-like owner)
*/
template <class Factory> void check_client_pages(Factory make)
{
    auto s = make();
    detail::fill_pages(*s);
    detail::check_pages_cover_all(*s);
    detail::check_page_past_end(*s);
    detail::check_each_page_filter(*s);
    detail::check_page_filters_combined(*s);
    detail::check_page_organizations(*s);
    detail::check_page_range(*s);
    detail::check_page_matches_scan(make);
}

} // namespace oauthreg::testing

#endif
