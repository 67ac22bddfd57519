// Tests of the client lifecycle in registry.hpp (docs/open-registration.md):
// open registration, initial access tokens (RFC 7591 3), quotas, last use,
// secret expiry and reaping, on the memory store.
#include <oauthreg/registry.hpp>
#include <oauthreg/testing/catch_printing.hpp>
#include <oauthreg/testing/deterministic_rng.hpp>

#include "support/catch.hpp"

#include <string>

using namespace oauthreg;

namespace {

using test_registry = basic_registry<memory_storage_mt, deterministic_rng_for_testing_only, manual_clock>;

constexpr char const* web_client = R"({"redirect_uris":["https://app.example/cb"]})";
constexpr char const* machine_client =
    R"({"grant_types":["client_credentials"],"response_types":[],"token_endpoint_auth_method":"client_secret_basic"})";
constexpr char const* bad_client = R"({"redirect_uris":["http://app.example/cb"]})";
constexpr char const* record_body =
    R"({"name":"Dash","allowed_scopes":["read"],"client_type":"confidential",)"
    R"("allowed_grant_types":["authorization_code"],"redirect_uris":["https://dash.example.com/cb"]})";

owner const org1{"org-1", "user-1"};

} // namespace

TEST_CASE("RFC 7591 3, lifecycle: an anonymous registration may not use client_credentials",
          "[registry][lifecycle]")
{
    test_registry reg;
    auto r = reg.register_anonymous(machine_client, {"public", "anonymous"});
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind() == error::anonymous_client_credentials);
    CHECK(r.error().field == "grant_types");
    CHECK(r.error().code == condition::invalid_client_metadata);
    auto ok = reg.register_anonymous(web_client, {"public", "anonymous"});
    REQUIRE(ok.has_value());
    CHECK(ok->record.owner == owner{"public", "anonymous"});
    CHECK(ok->record.origin == client_origin::registration);
    CHECK(reg.register_client(machine_client, org1).has_value()); // an accountable owner may
}

TEST_CASE("lifecycle: origin is registration for RFC 7591, api for the record API", "[registry][lifecycle]")
{
    test_registry reg;
    CHECK(reg.register_client(web_client, org1)->record.origin == client_origin::registration);
    auto made = reg.create_client(record_body, org1);
    REQUIRE(made.has_value());
    CHECK(made->record.origin == client_origin::api);
}

TEST_CASE("lifecycle: authenticate records the first use at once, later ones at most once a minute, "
          "never bumping the version",
          "[registry][lifecycle]")
{
    test_registry reg;
    reg.clock().set(1700000000);
    auto r = reg.register_client(R"({"grant_types":["client_credentials"],"response_types":[]})", org1).value();
    auto const& id = r.record.client_id;
    CHECK(reg.find(id)->last_used_at == 0);
    reg.clock().set(1700000010);
    REQUIRE(reg.authenticate(id, *r.client_secret).has_value());
    CHECK(reg.find(id)->last_used_at == 1700000010);
    reg.clock().set(1700000069); // 59 s later: no write
    REQUIRE(reg.authenticate(id, *r.client_secret).has_value());
    CHECK(reg.find(id)->last_used_at == 1700000010);
    reg.clock().set(1700000070); // a minute later: written
    REQUIRE(reg.authenticate(id, *r.client_secret).has_value());
    CHECK(reg.find(id)->last_used_at == 1700000070);
    reg.clock().set(1700000500);
    CHECK_FALSE(reg.authenticate(id, "wrong").has_value()); // a failed authentication is no use
    CHECK(reg.find(id)->last_used_at == 1700000070);
    CHECK(reg.find(id)->version == r.record.version);
    CHECK(reg.record_use(id).has_value());
    CHECK(reg.find(id)->last_used_at == 1700000500);
    CHECK(reg.record_use("no-such-client").error().kind() == error::client_not_found);
}

TEST_CASE("RFC 7591 3.2.1: a secret issued under a lifetime expires, and then authenticates nothing",
          "[registry][lifecycle]")
{
    registry_options o;
    o.profile.client_secret_lifetime = 100;
    test_registry reg(o);
    reg.clock().set(1700000000);
    auto r = reg.register_client(R"({"grant_types":["client_credentials"],"response_types":[]})", org1).value();
    CHECK(r.record.client_secret_expires_at == 1700000100);
    reg.clock().set(1700000099);
    CHECK(reg.authenticate(r.record.client_id, *r.client_secret).has_value());
    reg.clock().set(1700000100);
    CHECK_FALSE(reg.authenticate(r.record.client_id, *r.client_secret).has_value());
}

TEST_CASE("RFC 7591 3: an initial access token registers for its organization, up to max_uses, until it expires",
          "[registry][lifecycle]")
{
    test_registry reg;
    reg.clock().set(1700000000);
    auto t = reg.mint_initial_access_token(org1, 2, 60);
    REQUIRE(t.has_value());
    CHECK(t->token.size() == 43); // 32 random bytes, base64url without padding
    CHECK(t->record.expires_at == 1700000060);
    CHECK(reg.initial_access_token_owner(t->token).value() == org1);
    auto bad = reg.register_with_initial_access_token(bad_client, t->token);
    REQUIRE_FALSE(bad.has_value()); // refused metadata spends no use
    CHECK(bad.error().code == condition::invalid_redirect_uri);
    auto a = reg.register_with_initial_access_token(web_client, t->token);
    REQUIRE(a.has_value());
    CHECK(a->record.owner == org1);
    CHECK(reg.register_with_initial_access_token(web_client, t->token).has_value());
    auto spent = reg.register_with_initial_access_token(web_client, t->token);
    REQUIRE_FALSE(spent.has_value());
    CHECK(spent.error().kind() == error::invalid_initial_access_token);
    CHECK(reg.initial_access_tokens("org-1")->front().uses == 2);

    auto late = reg.mint_initial_access_token(org1, 5, 60).value();
    reg.clock().set(1700000060);
    CHECK(reg.register_with_initial_access_token(web_client, late.token).error().kind() ==
          error::invalid_initial_access_token);
    CHECK(reg.initial_access_token_owner(late.token).error().kind() == error::invalid_initial_access_token);
    CHECK(reg.register_with_initial_access_token(web_client, "not-a-token").error().kind() ==
          error::invalid_initial_access_token);
}

TEST_CASE("RFC 7591 3: a revoked initial access token registers nothing, another organization cannot revoke it",
          "[registry][lifecycle]")
{
    test_registry reg;
    auto t = reg.mint_initial_access_token(org1, 5, 3600).value();
    CHECK(reg.revoke_initial_access_token("org-2", t.record.id).error().kind() == error::client_not_found);
    CHECK(reg.revoke_initial_access_token("org-1", t.record.id).has_value());
    CHECK(reg.register_with_initial_access_token(web_client, t.token).error().kind() ==
          error::invalid_initial_access_token);
    CHECK(reg.initial_access_tokens("org-1")->empty());
}

TEST_CASE("lifecycle: max_clients_per_org holds for registrations, tokens and creates, a delete frees a place",
          "[registry][lifecycle]")
{
    registry_options o;
    o.max_clients_per_org = 2;
    test_registry reg(o);
    auto a = reg.register_client(web_client, org1).value();
    auto t = reg.mint_initial_access_token(org1, 5, 3600).value();
    CHECK(reg.register_with_initial_access_token(web_client, t.token).has_value());
    CHECK(reg.register_client(web_client, org1).error().kind() == error::quota_exceeded);
    CHECK(reg.register_with_initial_access_token(web_client, t.token).error().kind() == error::quota_exceeded);
    CHECK(reg.initial_access_tokens("org-1")->front().uses == 1); // a refused insert spends nothing
    auto create = reg.create_client(record_body, org1);
    REQUIRE_FALSE(create.has_value());
    CHECK(create.error().code == condition::quota_exceeded);
    CHECK(reg.register_client(web_client, {"org-2", "u"}).has_value()); // per organization
    REQUIRE(reg.erase(a.record.client_id, org1).has_value());
    CHECK(reg.register_client(web_client, org1).has_value());
}

TEST_CASE("lifecycle: reap deletes idle clients of an origin in batches, a recent use or creation spares one",
          "[registry][lifecycle]")
{
    test_registry reg;
    reg.clock().set(1700000000);
    for (int i = 0; i < 1234; ++i) // more than one batch
        REQUIRE(reg.register_client(web_client, org1).has_value());
    auto kept = reg.create_client(record_body, org1).value();
    auto used = reg.register_client(R"({"grant_types":["client_credentials"],"response_types":[]})", org1).value();
    reg.clock().set(1700086400);
    REQUIRE(reg.authenticate(used.record.client_id, *used.client_secret).has_value());
    auto fresh = reg.register_client(web_client, org1).value();
    CHECK(reg.reap(client_origin::registration, 1700086400, true).value() == 1234);
    CHECK(reg.storage().size() == 1237); // a dry run deletes nothing
    CHECK(reg.reap(client_origin::registration, 1700086400).value() == 1234);
    CHECK(reg.storage().size() == 3);
    CHECK(reg.find(kept.record.client_id).has_value());
    CHECK(reg.find(used.record.client_id).has_value());
    CHECK(reg.find(fresh.record.client_id).has_value());
    CHECK(reg.reap(std::nullopt, 1700086400).value() == 1); // any origin: the api client, idle too
    CHECK_FALSE(reg.find(kept.record.client_id).has_value());
}
