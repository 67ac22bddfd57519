// Tests of the registry.hpp contract: register, get, authenticate, update,
// delete, list, rotate_secret, match_redirect_uri (RFC 7591, RFC 7592).
#include <oauthreg/registry.hpp>

#include "support/catch.hpp"

#include <oauthreg/render.hpp>
#include <oauthreg/testing/deterministic_rng.hpp>
#include <oauthreg/testing/thread_failures.hpp>

#include <boost/json/serialize.hpp>

#include <cryptopp/hmac.h>
#include <cryptopp/sha.h>

#include <atomic>
#include <cstring>
#include <limits>
#include <memory>
#include <set>
#include <string>
#include <thread>

using namespace oauthreg;

namespace {

using test_registry = basic_registry<memory_storage_mt, os_rng, manual_clock>;

constexpr char const* web_client =
    R"({"redirect_uris":["https://app.example.com/cb","http://127.0.0.1/cb"],)"
    R"("client_name":"Web","scope":"read write","logo_uri":"https://app.example.com/l.png"})";
constexpr char const* public_client =
    R"({"redirect_uris":["com.example.app:/cb"],"token_endpoint_auth_method":"none","client_name":"Native"})";
constexpr char const* service_client = R"({"grant_types":["client_credentials"],"scope":"api"})";

bool is_uuid_v4(std::string const& s)
{
    if (s.size() != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-')
        return false;
    return s[14] == '4' && std::string("89ab").find(s[19]) != std::string::npos;
}

std::string dump(boost::json::object const& o) { return boost::json::serialize(o); }

/** SHA-256 (FIPS 180-4), or HMAC-SHA-256 (RFC 2104) keyed with a pepper, of
    a secret, computed here with Crypto++ directly: what a stored hash must be,
    worked out apart from the registry's hasher (tests/detail/secret.cpp holds
    that hasher to the published vectors). */
secret_hash expected_hash(std::string_view secret, std::string_view pepper = {})
{
    secret_hash out{};
    auto const* p = reinterpret_cast<CryptoPP::byte const*>(secret.data());
    if (pepper.empty()) {
        CryptoPP::SHA256().CalculateDigest(out.data(), p, secret.size());
    } else {
        CryptoPP::HMAC<CryptoPP::SHA256> mac(reinterpret_cast<CryptoPP::byte const*>(pepper.data()), pepper.size());
        mac.CalculateDigest(out.data(), p, secret.size());
    }
    return out;
}

/** Options that enable RFC 7592 management: registration access tokens. */
registry_options managed()
{
    registry_options o;
    o.registration_base_uri = "https://as.example.com/register";
    return o;
}

} // namespace

TEST_CASE("RFC 7591 3.2.1: register issues a UUID v4 id and a 256-bit secret once", "[registry]")
{
    test_registry reg;
    auto r = reg.register_client(web_client, {"org-1", "user-1"});
    REQUIRE(r.has_value());
    CHECK(is_uuid_v4(r->record.client_id));
    REQUIRE(r->client_secret);
    CHECK(r->client_secret->size() == 43); // 32 bytes, base64url without padding
    CHECK(r->record.client_secret_hash);
    CHECK(r->record.type() == client_type::confidential);
    CHECK(r->record.created_at == reg.clock().now());
    CHECK(r->record.owner == owner{"org-1", "user-1"});
    CHECK(r->record.version == 1);
    auto stored = reg.find(r->record.client_id);
    REQUIRE(stored.has_value());
    CHECK(*stored == r->record);
}

TEST_CASE("RFC 7591 2: a public client gets no secret and must use PKCE (RFC 9700 2.1.1)", "[registry]")
{
    test_registry reg;
    auto r = reg.register_client(public_client);
    REQUIRE(r.has_value());
    CHECK_FALSE(r->client_secret);
    CHECK_FALSE(r->record.client_secret_hash);
    CHECK(r->record.type() == client_type::public_client);
    CHECK(r->record.require_pkce);
    auto resp = registration_response({.record = r->record});
    CHECK_FALSE(resp.contains("client_secret"));
    CHECK_FALSE(resp.contains("client_secret_expires_at"));
}

TEST_CASE("require_pkce for confidential clients is a profile setting", "[registry]")
{
    registry_options o;
    o.profile.require_pkce_for_confidential = false;
    test_registry relaxed(o);
    CHECK_FALSE(relaxed.register_client(web_client)->record.require_pkce);
    test_registry strict;
    CHECK(strict.register_client(web_client)->record.require_pkce);
    CHECK_FALSE(strict.register_client(service_client)->record.require_pkce); // no code grant, no PKCE
}

TEST_CASE("RFC 7591 3.2.2: an invalid registration stores nothing", "[registry]")
{
    test_registry reg;
    auto r = reg.register_client(R"({"redirect_uris":["https://a.example/cb#f"]})");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().rfc_code() == "invalid_redirect_uri");
    CHECK(reg.storage().size() == 0);
}

/** The in-memory store, counting the inserts it is asked for. */
struct counting_store : memory_storage_st {
    using memory_storage_st::insert;
    result<void> insert(client_record rec)
    {
        ++inserts;
        return memory_storage_st::insert(std::move(rec));
    }
    std::size_t inserts = 0;
};

// Hidden ([.slow]): the `unit_slow` test of CMake and Meson runs it. 100,000
// draws find ids or secrets that carry only about 32 random bits (a fill that
// leaves most bytes fixed: a collision is then likely near 77,000 draws),
// which a few hundred draws would not. A repeated id is drawn again (the next
// test), so the stored ids are distinct whatever the draws: one insert per
// registration is what shows that no id was ever drawn twice.
TEST_CASE("ids and secrets are unique over 100,000 registrations", "[registry][.slow]")
{
    basic_registry<counting_store, os_rng, manual_clock> reg;
    std::set<std::string> ids, secrets;
    for (int i = 0; i < 100000; ++i) {
        auto r = reg.register_client(service_client);
        REQUIRE(r.has_value());
        ids.insert(r->record.client_id);
        secrets.insert(std::string(std::string_view(*r->client_secret)));
    }
    CHECK(reg.storage().inserts == 100000);
    CHECK(ids.size() == 100000);
    CHECK(secrets.size() == 100000);
    CHECK(reg.storage().size() == 100000);
}

/** An RNG whose next `repeats` draws of 16 bytes (a client id's) are all the
    same bytes; every other draw differs from all before it. Copies share it. */
struct colliding_rng {
    struct state {
        int repeats = 0;
        std::uint64_t count = 0;
    };
    std::shared_ptr<state> s = std::make_shared<state>();
    void fill(std::uint8_t* out, std::size_t n)
    {
        if (n == 16 && s->repeats > 0) {
            --s->repeats;
            std::memset(out, 0x5a, n);
            return;
        }
        ++s->count;
        for (std::size_t i = 0; i < n; ++i)
            out[i] = static_cast<std::uint8_t>(s->count >> (8 * (i % 8)));
    }
};

TEST_CASE("a client id drawn again is replaced, four draws at most", "[registry]")
{
    colliding_rng rng;
    basic_registry<counting_store, colliding_rng, manual_clock> reg({}, counting_store{}, rng);
    rng.s->repeats = 1;
    auto const first = reg.register_client(service_client).value();
    rng.s->repeats = 3; // the first id, three times: the fourth draw is a new one
    auto const second = reg.register_client(service_client);
    REQUIRE(second.has_value());
    CHECK(second->record.client_id != first.record.client_id);
    CHECK(is_uuid_v4(second->record.client_id));
    CHECK(reg.storage().inserts == 5);
    CHECK(reg.find(first.record.client_id).value().client_secret_hash == first.record.client_secret_hash);
    rng.s->repeats = 4; // four times: the registration fails and stores nothing
    auto const third = reg.register_client(service_client);
    REQUIRE_FALSE(third.has_value());
    CHECK(third.error().kind() == error::client_exists);
    CHECK(reg.storage().inserts == 9);
    CHECK(reg.storage().size() == 2);
}

TEST_CASE("the seeded RNG makes reproducible ids, the OS RNG does not", "[registry]")
{
    basic_registry<memory_storage_st, deterministic_rng_for_testing_only, manual_clock> a, b;
    auto ra = a.register_client(service_client), rb = b.register_client(service_client);
    CHECK(ra->record.client_id == rb->record.client_id);
    CHECK(*ra->client_secret == *rb->client_secret);
    test_registry c, d;
    CHECK(c.register_client(service_client)->record.client_id != d.register_client(service_client)->record.client_id);
}

TEST_CASE("RFC 6749 2.3.1: authenticate gives one invalid_client answer for every failure", "[registry]")
{
    registry_options o;
    o.profile.client_secret_lifetime = 3600;
    test_registry reg(o);
    auto conf = reg.register_client(service_client).value();
    auto pub = reg.register_client(public_client).value();
    CHECK(conf.record.client_secret_expires_at == reg.clock().now() + 3600);

    CHECK(reg.authenticate(conf.record.client_id, *conf.client_secret).has_value());

    auto wrong = reg.authenticate(conf.record.client_id, "not-the-secret");
    auto unknown = reg.authenticate("00000000-0000-4000-8000-000000000000", *conf.client_secret);
    auto public_one = reg.authenticate(pub.record.client_id, "");
    auto truncated = reg.authenticate(conf.record.client_id, conf.client_secret->substr(0, 42));
    for (auto const* r : {&wrong, &unknown, &public_one, &truncated}) {
        REQUIRE_FALSE(r->has_value());
        CHECK(r->error().rfc_code() == "invalid_client");
        CHECK(r->error().description == wrong.error().description);
    }

    reg.clock().advance(3599);
    CHECK(reg.authenticate(conf.record.client_id, *conf.client_secret).has_value());
    reg.clock().advance(1); // RFC 7591 3.2.1: expired at client_secret_expires_at
    auto expired = reg.authenticate(conf.record.client_id, *conf.client_secret);
    REQUIRE_FALSE(expired.has_value());
    CHECK(expired.error().description == wrong.error().description);
}

TEST_CASE("RFC 7591 3.2.1: a secret lifetime past the end of time does not overflow", "[registry]")
{
    registry_options o;
    o.profile.client_secret_lifetime = std::numeric_limits<std::int64_t>::max();
    test_registry reg(o);
    auto conf = reg.register_client(service_client).value();
    CHECK(conf.record.client_secret_expires_at == std::numeric_limits<unix_seconds>::max());
    CHECK(reg.authenticate(conf.record.client_id, *conf.client_secret).has_value());
    reg.clock().set(std::numeric_limits<unix_seconds>::max() - 1);
    CHECK(reg.authenticate(conf.record.client_id, *conf.client_secret).has_value());
    auto rotated = reg.rotate_secret(conf.record.client_id).value();
    CHECK(rotated.client_secret_expires_at == std::numeric_limits<unix_seconds>::max());
}

TEST_CASE("secrets are stored as HMAC-SHA-256 with a pepper, SHA-256 without", "[registry]")
{
    registry_options peppered;
    peppered.secret_pepper = "server-side-pepper";
    test_registry a(peppered), b;
    auto ra = a.register_client(service_client).value();
    auto rb = b.register_client(service_client).value();
    CHECK(*ra.record.client_secret_hash == expected_hash(*ra.client_secret, "server-side-pepper"));
    CHECK(*ra.record.client_secret_hash != expected_hash(*ra.client_secret));
    CHECK(*rb.record.client_secret_hash == expected_hash(*rb.client_secret));
    CHECK(a.authenticate(ra.record.client_id, *ra.client_secret).has_value());
    // The pepper is part of the check: the same stored record, under another
    // pepper or none, refuses the right secret; under the same pepper it is accepted.
    registry_options other_pepper;
    other_pepper.secret_pepper = "another-pepper";
    test_registry same(peppered), other(other_pepper), none;
    for (auto* reg : {&same, &other, &none})
        REQUIRE(reg->storage().insert(ra.record).has_value());
    CHECK(same.authenticate(ra.record.client_id, *ra.client_secret).has_value());
    CHECK_FALSE(other.authenticate(ra.record.client_id, *ra.client_secret).has_value());
    CHECK_FALSE(none.authenticate(ra.record.client_id, *ra.client_secret).has_value());
    CHECK_FALSE(a.authenticate(ra.record.client_id, *rb.client_secret).has_value());
}

TEST_CASE("a secret appears only in the answer that issued it", "[registry]")
{
    test_registry reg;
    auto r = reg.register_client(web_client, {"org-1", "user-1"}).value();
    std::string const secret(std::string_view(*r.client_secret));
    auto const& id = r.record.client_id;
    CHECK(dump(registration_response(r)).find(secret) != std::string::npos);
    CHECK(dump(oauth_client(r.record, secret)).find(secret) != std::string::npos);

    std::vector<std::string> elsewhere;
    elsewhere.push_back(dump(oauth_client(reg.find(id).value())));
    elsewhere.push_back(dump(registration_response({.record = reg.find(id).value()})));
    auto page = reg.list({}).value();
    for (auto const& c : page.clients)
        elsewhere.push_back(dump(oauth_client(c)));
    elsewhere.push_back(reg.authenticate(id, secret + "x").error().description);
    elsewhere.push_back(reg.authenticate(id, secret.substr(1)).error().description);
    auto upd =
        reg.update(id, std::string(R"({"redirect_uris":["https://a.example/cb"],"client_secret":")") + secret + "\"}");
    REQUIRE(upd.has_value());
    CHECK_FALSE(upd->client_secret); // kept, not re-issued
    elsewhere.push_back(dump(registration_response(*upd)));
    elsewhere.push_back(dump(oauth_client(upd->record)));
    elsewhere.push_back(reg.update(id, std::string(R"({"client_name":")") + secret + "\\n\"}").error().description);
    for (auto const& text : elsewhere) {
        INFO(text);
        CHECK(text.find(secret) == std::string::npos);
    }
}

TEST_CASE("RFC 7592 2.2: update replaces the metadata, keeps id, created_at, owner and secret", "[registry]")
{
    test_registry reg;
    auto r = reg.register_client(web_client, {"org-1", "user-1"}).value();
    auto const& id = r.record.client_id;
    reg.clock().advance(60);
    auto u = reg.update(id, R"({"redirect_uris":["https://new.example/cb"],"client_name":"Renamed"})");
    REQUIRE(u.has_value());
    auto const& rec = u->record;
    CHECK(rec.client_id == id);
    CHECK(rec.created_at == r.record.created_at);
    CHECK(rec.updated_at == r.record.created_at + 60);
    CHECK(rec.owner == r.record.owner);
    CHECK(rec.version == 2);
    CHECK(rec.client_secret_hash == r.record.client_secret_hash);
    CHECK(rec.metadata.client_name == "Renamed");
    CHECK_FALSE(rec.metadata.scope);    // omitted, so deleted
    CHECK_FALSE(rec.metadata.logo_uri); // omitted, so deleted
    CHECK(rec.metadata.redirect_uris == std::vector<std::string>{"https://new.example/cb"});
    CHECK(reg.find(id).value() == rec);
    CHECK(reg.authenticate(id, *r.client_secret).has_value());
}

TEST_CASE("RFC 7592 2.2: an invalid update leaves the record untouched", "[registry]")
{
    test_registry reg;
    auto r = reg.register_client(web_client).value();
    auto const& id = r.record.client_id;
    auto bad = reg.update(id, R"({"redirect_uris":["http://evil.example/cb"]})");
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().rfc_code() == "invalid_redirect_uri");
    auto other = reg.update(id, R"({"client_id":"someone-else","redirect_uris":["https://a.example/cb"]})");
    REQUIRE_FALSE(other.has_value());
    CHECK(other.error().kind() == error::client_id_mismatch);
    CHECK(reg.update(id, std::string(R"({"client_id":")") + id + R"(","redirect_uris":["https://a.example/cb"]})")
              .has_value());
    auto missing = reg.update("00000000-0000-4000-8000-000000000000", web_client);
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().rfc_code() == "not_found");
    auto stale = reg.update(id, web_client, 1); // version is 2 now
    REQUIRE_FALSE(stale.has_value());
    CHECK(stale.error().rfc_code() == "conflict");
    CHECK(reg.find(id)->version == 2);
}

TEST_CASE("RFC 7592 2.2: changing the auth method issues or drops the secret", "[registry]")
{
    test_registry reg;
    auto r = reg.register_client(public_client).value();
    auto const& id = r.record.client_id;
    auto to_conf = reg.update(
        id, R"({"redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":"client_secret_post"})");
    REQUIRE(to_conf.has_value());
    REQUIRE(to_conf->client_secret);
    CHECK(reg.authenticate(id, *to_conf->client_secret).has_value());
    CHECK(to_conf->record.type() == client_type::confidential);
    auto to_pub = reg.update(id, public_client);
    REQUIRE(to_pub.has_value());
    CHECK_FALSE(to_pub->record.client_secret_hash);
    CHECK_FALSE(reg.authenticate(id, *to_conf->client_secret).has_value());
}

TEST_CASE("RFC 7592 2.3: delete", "[registry]")
{
    test_registry reg;
    auto id = reg.register_client(web_client)->record.client_id;
    CHECK(reg.erase(id).has_value());
    CHECK(reg.find(id).error().rfc_code() == "not_found");
    CHECK(reg.erase(id).error().rfc_code() == "not_found");
    CHECK(reg.match_redirect_uri(id, "https://app.example.com/cb").error().rfc_code() == "not_found");
}

TEST_CASE("visit: calls the visitor once with the stored record, or answers not_found without calling it",
          "[registry][visit]")
{
    test_registry reg;
    auto const r = reg.register_client(web_client).value();
    auto const& id = r.record.client_id;
    int calls = 0;
    std::string seen_id, seen_name;
    std::uint64_t seen_version = 0;
    auto seen = reg.visit(id, [&](client_record const& rec) {
        ++calls;
        seen_id = rec.client_id;
        seen_name = *rec.metadata.client_name;
        seen_version = rec.version;
    });
    REQUIRE(seen.has_value());
    CHECK(calls == 1);
    CHECK(seen_id == id);
    CHECK(seen_name == "Web");
    CHECK(seen_version == 1);
    // after an update it sees the new version, not a copy taken earlier
    REQUIRE(reg.update(id, R"({"redirect_uris":["https://new.example/cb"],"client_name":"Renamed"})").has_value());
    CHECK(reg.visit(id, [&](client_record const& rec) { seen_name = *rec.metadata.client_name; }).has_value());
    CHECK(seen_name == "Renamed");
    calls = 0;
    auto missing = reg.visit("no-such-client", [&](client_record const&) { ++calls; });
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().kind() == error::client_not_found);
    CHECK(missing.error().rfc_code() == "not_found");
    REQUIRE(reg.erase(id).has_value());
    CHECK(reg.visit(id, [&](client_record const&) { ++calls; }).error().kind() == error::client_not_found);
    CHECK(calls == 0);
}

TEST_CASE("list: pages cover an owner's clients exactly once", "[registry]")
{
    registry_options opts;
    opts.max_list_limit = 25;
    opts.default_list_limit = 20;
    test_registry reg(opts);
    std::set<std::string> org_a, user_x, pair_ax, all;
    for (int i = 0; i < 57; ++i) {
        owner who{i % 3 == 0 ? "org-a" : "org-b", i % 2 == 0 ? "user-x" : "user-y"};
        auto id = reg.register_client(service_client, who)->record.client_id;
        all.insert(id);
        if (who.org_id == "org-a")
            org_a.insert(id);
        if (who.user_id == "user-x")
            user_x.insert(id);
        if (who.org_id == "org-a" && who.user_id == "user-x")
            pair_ax.insert(id);
    }
    auto collect = [&](owner_filter f, std::size_t limit) {
        std::vector<std::string> seen;
        list_query q{std::move(f), limit, {}};
        for (int pages = 0; pages < 100; ++pages) {
            auto p = reg.list(q);
            REQUIRE(p.has_value());
            CHECK(p->clients.size() <= std::min<std::size_t>(limit, 25));
            for (auto const& c : p->clients)
                seen.push_back(c.client_id);
            if (!p->next_cursor)
                break;
            q.cursor = *p->next_cursor;
        }
        return seen;
    };
    auto as_set = [](std::vector<std::string> const& v) { return std::set<std::string>(v.begin(), v.end()); };
    for (std::size_t limit : {1u, 7u, 10u, 100u}) {
        auto a = collect({"org-a", std::nullopt}, limit);
        CHECK(a.size() == org_a.size());
        CHECK(as_set(a) == org_a);
        auto x = collect({std::nullopt, "user-x"}, limit);
        CHECK(x.size() == user_x.size());
        CHECK(as_set(x) == user_x);
        auto ax = collect({"org-a", "user-x"}, limit);
        CHECK(ax.size() == pair_ax.size());
        CHECK(as_set(ax) == pair_ax);
        auto every = collect({}, limit);
        CHECK(every.size() == all.size());
        CHECK(std::is_sorted(every.begin(), every.end()));
    }
    CHECK(collect({"org-nobody", std::nullopt}, 10).empty());
    auto bad = reg.list({{}, 10, "!!not-a-cursor!!"});
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().rfc_code() == "invalid_request");
    CHECK(reg.list({{}, 1000, {}})->clients.size() == 25); // clamped to max_list_limit
    CHECK(reg.list({{}, 0, {}})->clients.size() == 20);    // 0 means default_list_limit
}

TEST_CASE("list: a forged but well-formed cursor only seeks within the caller's own filter", "[registry][issue14]")
{
    // Cursors are not authenticated (README): any base64url text is accepted as
    // "start after this client_id", and the owner filter still holds.
    test_registry reg;
    std::set<std::string> mine;
    for (int i = 0; i < 12; ++i) {
        auto id = reg.register_client(service_client, {i % 2 ? "org-a" : "org-b", ""})->record.client_id;
        if (i % 2)
            mine.insert(id);
    }
    auto const forged = encode_cursor("8"); // issued by no store: a client_id no one has
    auto page = reg.list({{"org-a", std::nullopt}, 100, forged});
    REQUIRE(page.has_value());
    std::set<std::string> expected;
    for (auto const& id : mine)
        if (id > "8")
            expected.insert(id);
    std::set<std::string> got;
    for (auto const& c : page->clients) {
        CHECK(c.owner.org_id == "org-a");
        got.insert(c.client_id);
    }
    CHECK(got == expected);
    CHECK(reg.list({{}, 10, "%%%"}).error().kind() == error::invalid_cursor); // only malformed text is refused
}

TEST_CASE("rotate_secret: the old secret stops working at once", "[registry]")
{
    test_registry reg;
    auto r = reg.register_client(service_client).value();
    auto const& id = r.record.client_id;
    auto rot = reg.rotate_secret(id);
    REQUIRE(rot.has_value());
    CHECK(rot->client_secret != *r.client_secret);
    CHECK(rot->client_secret.size() == 43);
    CHECK(reg.authenticate(id, rot->client_secret).has_value());
    CHECK_FALSE(reg.authenticate(id, *r.client_secret).has_value());
    CHECK(reg.find(id)->version == 2);
    auto pub = reg.register_client(public_client)->record.client_id;
    CHECK(reg.rotate_secret(pub).error().kind() == error::no_client_secret);
    CHECK(reg.rotate_secret("nope").error().rfc_code() == "not_found");
}

TEST_CASE("RFC 9700 2.1 / RFC 8252 7.3: match_redirect_uri", "[registry]")
{
    test_registry reg;
    auto id =
        reg.register_client(
               R"({"redirect_uris":["https://app.example.com/cb?x=1","http://127.0.0.1/cb","http://[::1]:8080/cb","com.example.app:/cb"],"token_endpoint_auth_method":"none"})")
            ->record.client_id;
    struct c {
        char const* uri;
        bool match;
    };
    for (auto [uri, match] :
         {c{"https://app.example.com/cb?x=1", true}, c{"https://app.example.com/cb", false},
          c{"https://app.example.com/cb?x=2", false}, c{"https://APP.example.com/cb?x=1", false},
          c{"https://app.example.com:443/cb?x=1", false}, c{"http://127.0.0.1/cb", true},
          c{"http://127.0.0.1:54321/cb", true}, c{"http://127.0.0.1:54321/cb/", false},
          c{"http://127.0.0.1:54321/cb?x", false}, c{"http://127.0.0.1:54321/cb#f", false},
          c{"http://localhost:54321/cb", false}, c{"https://127.0.0.1:54321/cb", false},
          c{"http://u@127.0.0.1:54321/cb", false}, c{"http://127.0.0.1:99999/cb", false}, c{"http://[::1]/cb", true},
          c{"http://[::1]:9/cb", true}, c{"com.example.app:/cb", true}, c{"com.example.app:/cb2", false},
          // RFC 3986 3.2.3, 3.3: a port of digits only, then the path
          c{"http://127.0.0.1:8080x/cb", false}, c{"http://127.0.0.1:x/cb", false},
          c{"http://127.0.0.1:/cb", true}, c{"http://127.0.0.1:00080/cb", true},
          c{"http://127.0.0.1.evil.example/cb", false}, c{"http://[::1]:abc/cb", false}}) {
        INFO(uri);
        CHECK(reg.match_redirect_uri(id, uri).value() == match);
    }
}

TEST_CASE("RFC 7592 3: registration access token, stored only as a hash", "[registry]")
{
    test_registry reg(managed());
    auto r = reg.register_client(web_client).value();
    REQUIRE(r.registration_access_token);
    CHECK(r.registration_client_uri == "https://as.example.com/register/" + r.record.client_id);
    CHECK(*r.record.registration_token_hash == expected_hash(*r.registration_access_token));
    CHECK(reg.check_registration_token(r.record.client_id, *r.registration_access_token).has_value());
    CHECK(reg.check_registration_token(r.record.client_id, "wrong").error().rfc_code() == "invalid_client");
    CHECK_FALSE(reg.check_registration_token(r.record.client_id, *r.client_secret).has_value());
    auto resp = registration_response(r);
    CHECK(resp.at("registration_access_token") == r.registration_access_token->c_str());
    CHECK(resp.at("registration_client_uri") == r.registration_client_uri->c_str());
}

TEST_CASE("RFC 7592 3: an update answers with a fresh registration access token, and the old one stops working",
          "[registry]")
{
    test_registry reg(managed());
    auto r = reg.register_client(web_client).value();
    auto const& id = r.record.client_id;
    auto u = reg.update(id, R"({"redirect_uris":["https://new.example/cb"]})").value();
    REQUIRE(u.registration_access_token);
    CHECK(u.registration_access_token->size() == 43);
    CHECK(*u.registration_access_token != *r.registration_access_token);
    CHECK(u.registration_client_uri == "https://as.example.com/register/" + id);
    CHECK(reg.check_registration_token(id, *u.registration_access_token).has_value());
    CHECK(reg.check_registration_token(id, *r.registration_access_token).error().rfc_code() == "invalid_client");
    CHECK(reg.find(id)->registration_token_hash == expected_hash(*u.registration_access_token));
    auto resp = registration_response(u);
    CHECK(resp.at("registration_access_token") == u.registration_access_token->c_str());
    CHECK_FALSE(resp.contains("client_secret")); // the secret is kept, not shown again
}

TEST_CASE("RFC 7592 3: a read answers with a fresh registration access token, and the old one stops working", "[registry]")
{
    test_registry reg(managed());
    auto r = reg.register_client(web_client).value();
    auto const& id = r.record.client_id;
    reg.clock().advance(60);
    auto read = reg.read_registration(id, *r.registration_access_token);
    REQUIRE(read.has_value());
    REQUIRE(read->registration_access_token);
    CHECK(*read->registration_access_token != *r.registration_access_token);
    CHECK(read->registration_client_uri == "https://as.example.com/register/" + id);
    CHECK_FALSE(read->client_secret);
    CHECK(read->record.metadata == r.record.metadata);
    CHECK(read->record.updated_at == r.record.updated_at); // a read changes no metadata
    CHECK(read->record.version == r.record.version + 1);   // but the token hash is a stored change
    CHECK(reg.find(id).value() == read->record);
    auto again = reg.read_registration(id, *r.registration_access_token);
    REQUIRE_FALSE(again.has_value());
    CHECK(again.error().kind() == error::authentication_failed);
    auto next = reg.read_registration(id, *read->registration_access_token);
    REQUIRE(next.has_value());
    CHECK(reg.authenticate(id, *r.client_secret).has_value()); // the client secret is untouched
}

TEST_CASE("RFC 7592 2.2: update_registration checks the token first, then replaces and rotates it", "[registry]")
{
    test_registry reg(managed());
    auto r = reg.register_client(web_client).value();
    auto const& id = r.record.client_id;
    auto const& token = *r.registration_access_token;
    // a wrong token is refused before the body is looked at
    auto wrong = reg.update_registration(id, "wrong", "not json");
    REQUIRE_FALSE(wrong.has_value());
    CHECK(wrong.error().kind() == error::authentication_failed);
    // a right token with a bad body changes nothing, the token included
    auto bad = reg.update_registration(id, token, R"({"redirect_uris":["http://evil.example/cb"]})");
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().rfc_code() == "invalid_redirect_uri");
    CHECK(reg.find(id).value() == r.record);
    auto u =
        reg.update_registration(id, token, R"({"redirect_uris":["https://new.example/cb"],"client_id":")" + id + "\"}");
    REQUIRE(u.has_value());
    CHECK(u->record.metadata.redirect_uris == std::vector<std::string>{"https://new.example/cb"});
    REQUIRE(u->registration_access_token);
    CHECK(u->registration_client_uri == "https://as.example.com/register/" + id);
    CHECK(reg.update_registration(id, token, web_client).error().kind() == error::authentication_failed);
    CHECK(reg.update_registration(id, *u->registration_access_token,
                                  R"({"redirect_uris":["https://a.example/cb"],"client_id":")" + id + "\"}")
              .has_value());
}

TEST_CASE("RFC 7592 2.1: a wrong token and an unknown client fail alike", "[registry]")
{
    test_registry reg(managed());
    auto r = reg.register_client(web_client).value();
    auto const unknown = std::string("00000000-0000-4000-8000-000000000000");
    auto const before = detail::constant_time_compares;
    std::vector<error_info> errors{
        reg.read_registration(r.record.client_id, "wrong").error(),
        reg.read_registration(r.record.client_id, *r.client_secret).error(),
        reg.read_registration(unknown, *r.registration_access_token).error(),
        reg.update_registration(r.record.client_id, "wrong", web_client).error(),
        reg.update_registration(unknown, *r.registration_access_token, web_client).error(),
    };
    CHECK(detail::constant_time_compares - before == errors.size()); // one comparison each, found or not
    for (auto const& e : errors) {
        CHECK(e.kind() == error::authentication_failed);
        CHECK(e.description == errors[0].description);
    }
    // without registration_base_uri no client has a token
    test_registry plain;
    auto p = plain.register_client(web_client).value();
    CHECK_FALSE(p.registration_access_token);
    CHECK(plain.read_registration(p.record.client_id, "").error().kind() == error::authentication_failed);
}

TEST_CASE("RFC 7592 3: concurrent reads with one token: exactly one gets the next token", "[registry][concurrency]")
{
    test_registry reg(managed());
    auto r = reg.register_client(web_client).value();
    std::vector<std::optional<std::string>> got(4);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < got.size(); ++t)
        threads.emplace_back([&, t] {
            auto read = reg.read_registration(r.record.client_id, *r.registration_access_token);
            if (read)
                got[t] = std::string(*read->registration_access_token);
        });
    for (auto& t : threads)
        t.join();
    std::size_t winners = 0;
    for (auto const& g : got)
        if (g) {
            ++winners;
            CHECK(reg.check_registration_token(r.record.client_id, *g).has_value());
        }
    CHECK(winners == 1);
}

TEST_CASE("concurrent read-modify-write updates never lose an update", "[registry][concurrency]")
{
    test_registry reg;
    auto id = reg.register_client(R"({"grant_types":["client_credentials"],"client_name":"0"})")->record.client_id;
    constexpr int per_thread = 300;
    std::atomic<int> conflicts{0};
    testing::thread_failures failures;
    auto worker = [&] {
        for (int done = 0; done < per_thread;) {
            auto cur = reg.find(id); // no throw on a worker: a failure is recorded, then the worker stops
            if (!failures.expect(cur.has_value() && cur->metadata.client_name.has_value(), "find"))
                return;
            int n = std::stoi(std::string(*cur->metadata.client_name)); // digits only: this test writes every name
            auto body = R"({"grant_types":["client_credentials"],"client_name":")" + std::to_string(n + 1) + "\"}";
            auto r = reg.update(id, body, cur->version);
            if (r) {
                ++done;
            } else if (!failures.expect(r.error().rfc_code() == "conflict", r.error().description)) {
                return;
            } else {
                ++conflicts;
            }
        }
    };
    std::thread a(worker), b(worker);
    a.join();
    b.join();
    failures.check();
    auto fin = reg.find(id).value();
    CHECK(*fin.metadata.client_name == std::to_string(2 * per_thread));
    CHECK(fin.version == 1 + 2 * per_thread);
}

TEST_CASE("concurrent update and delete: the record is whole or gone", "[registry][concurrency]")
{
    for (int round = 0; round < 50; ++round) {
        test_registry reg;
        auto id = reg.register_client(web_client)->record.client_id;
        std::atomic<bool> deleted{false};
        testing::thread_failures failures;
        std::thread updater([&] {
            for (int i = 0; i < 50; ++i) {
                auto r = reg.update(id, R"({"redirect_uris":["https://b.example/cb"],"client_name":"B"})");
                if (!r)
                    failures.expect(r.error().rfc_code() == "not_found" || r.error().rfc_code() == "conflict",
                                    r.error().description);
            }
        });
        std::thread deleter([&] { deleted = reg.erase(id).has_value(); });
        updater.join();
        deleter.join();
        failures.check();
        CHECK(deleted);
        CHECK(reg.find(id).error().rfc_code() == "not_found");
        CHECK(reg.storage().size() == 0);
        CHECK(reg.list({})->clients.empty());
    }
}
