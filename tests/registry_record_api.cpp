// Tests of the registry's record-shaped API: create_client, the org-scoped
// get and remove, patch, page, and register_metadata, the one public seam
// that registers metadata built elsewhere.
#include <oauthreg/registry.hpp>

#include "support/catch.hpp"

#include <oauthreg/render.hpp>

#include <boost/json/serialize.hpp>

#include <string>

using namespace oauthreg;

namespace {

using test_registry = basic_registry<memory_storage_mt, os_rng, manual_clock>;

constexpr char const* dash =
    R"({"name":"Dash","allowed_scopes":["read","write"],"client_type":"confidential",)"
    R"("allowed_grant_types":["authorization_code","refresh_token"],"redirect_uris":["https://dash.example.com/cb"]})";

owner const org1{"org-1", "user-1"};
owner const org2{"org-2", "user-9"};

} // namespace

TEST_CASE("create_client: a confidential record gets a secret, a public one none", "[registry][record]")
{
    test_registry reg;
    reg.clock().set(1700000000);
    auto r = reg.create_client(dash, org1);
    REQUIRE(r.has_value());
    CHECK(r->client_secret.has_value());
    CHECK(r->record.owner == org1);
    CHECK(r->record.created_at == 1700000000);
    CHECK(r->record.require_pkce == true); // the default profile's rule for the code grant
    CHECK(reg.authenticate(r->record.client_id, *r->client_secret).has_value());

    auto pub =
        reg.create_client(R"({"name":"Cli","allowed_scopes":[],"client_type":"public",)"
                          R"("allowed_grant_types":["authorization_code"],"redirect_uris":["http://127.0.0.1/cb"]})",
                          org1);
    REQUIRE(pub.has_value());
    CHECK_FALSE(pub->client_secret.has_value());
    CHECK(pub->record.type() == client_type::public_client);
    CHECK(pub->record.require_pkce);
}

TEST_CASE("create_client: an invalid record stores nothing", "[registry][record]")
{
    test_registry reg;
    auto r = reg.create_client(R"({"name":"Dash","allowed_scopes":["read"],"client_type":"confidential",)"
                               R"("allowed_grant_types":["authorization_code"]})",
                               org1);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind() == error::redirect_uris_missing);
    CHECK(reg.storage().size() == 0);
}

TEST_CASE("the record API is org-scoped: another organization's client is not found", "[registry][record]")
{
    test_registry reg;
    auto id = reg.create_client(dash, org1).value().record.client_id;
    CHECK(reg.find(id, org1).has_value());
    CHECK(reg.find(id, owner{"org-1", "another user"}).has_value()); // scoped by organization
    auto other = reg.find(id, org2);
    REQUIRE_FALSE(other.has_value());
    CHECK(other.error().kind() == error::client_not_found);
    // exactly like an unknown id
    CHECK(other.error().description == reg.find("00000000-0000-4000-8000-000000000000", org2).error().description);
    CHECK(reg.patch(id, R"({"name":"Stolen"})", org2).error().kind() == error::client_not_found);
    CHECK(reg.erase(id, org2).error().kind() == error::client_not_found);
    CHECK(reg.find(id).value().metadata.client_name == "Dash");
    CHECK(reg.erase(id, org1).has_value());
    CHECK(reg.find(id).error().kind() == error::client_not_found);
}

TEST_CASE("patch: merges, keeps type, owner, created_at and secret, updated_at moves", "[registry][record]")
{
    test_registry reg;
    reg.clock().set(1700000000);
    auto made = reg.create_client(dash, org1).value();
    auto const id = made.record.client_id;
    reg.clock().set(1700000500);
    auto p = reg.patch(id, R"({"name":"Dash 2","allowed_scopes":["read"],"require_pkce":false})", org1);
    REQUIRE(p.has_value());
    CHECK_FALSE(p->client_secret.has_value()); // a patch never issues or shows a secret
    auto const& rec = p->record;
    CHECK(rec.metadata.client_name == "Dash 2");
    CHECK(rec.metadata.scope == "read");
    CHECK(rec.require_pkce == false);
    CHECK(rec.metadata.redirect_uris == made.record.metadata.redirect_uris);
    CHECK(rec.type() == client_type::confidential);
    CHECK(rec.owner == org1);
    CHECK(rec.created_at == 1700000000);
    CHECK(rec.updated_at == 1700000500);
    CHECK(rec.version == made.record.version + 1);
    CHECK(rec.client_secret_hash == made.record.client_secret_hash);
    CHECK(reg.authenticate(id, *made.client_secret).has_value());
    auto stored = reg.find(id).value();
    CHECK(stored.last_used_at == 1700000500); // the use is recorded, the version is not bumped
    stored.last_used_at = 0;
    CHECK(stored == rec);
}

TEST_CASE("patch: an update that would break consistency is refused, the record unchanged", "[registry][record]")
{
    test_registry reg;
    auto made = reg.create_client(dash, org1).value();
    auto const before = reg.find(made.record.client_id).value();
    // RFC 6749 3.1.2.2: authorization_code stays, so redirect URIs are required.
    auto r = reg.patch(before.client_id, R"({"redirect_uris":[],"name":"Changed"})", org1);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind() == error::redirect_uris_missing);
    CHECK(r.error().field == "redirect_uris");
    CHECK(reg.find(before.client_id).value() == before);
    // RFC 6749 4.4 cannot be reached (client_type cannot change), nor can a bad URI slip in.
    CHECK(reg.patch(before.client_id, R"({"redirect_uris":["https://a.example/#x"]})", org1).error().field ==
          "redirect_uris[0]");
    CHECK(reg.patch(before.client_id, R"({"client_type":"public"})", org1).error().kind() == error::unknown_member);
    CHECK(reg.find(before.client_id).value() == before);
}

TEST_CASE("patch: a concurrent update is refused (optimistic version check)", "[registry][record]")
{
    test_registry reg;
    auto const id = reg.create_client(dash, org1).value().record.client_id;
    auto const read_version = reg.find(id).value().version;
    // Another writer changes the record after this caller read it ...
    REQUIRE(reg.patch(id, R"({"name":"First"})", org1, read_version).has_value());
    // ... so this caller's change, based on the old version, is refused.
    auto late = reg.patch(id, R"({"name":"Second"})", org1, read_version);
    REQUIRE_FALSE(late.has_value());
    CHECK(late.error().kind() == error::version_conflict);
    CHECK(late.error().code == condition::conflict);
    CHECK(reg.find(id).value().metadata.client_name == "First");
}

TEST_CASE("patch: a move to and from authorization_code keeps response types consistent (RFC 7591 2.1)",
          "[registry][record]")
{
    test_registry reg;
    auto const id = reg.create_client(dash, org1).value().record.client_id;
    auto off = reg.patch(id, R"({"allowed_grant_types":["client_credentials"]})", org1);
    REQUIRE(off.has_value());
    CHECK(off->record.metadata.response_types.empty());
    auto on = reg.patch(id, R"({"allowed_grant_types":["authorization_code"]})", org1);
    REQUIRE(on.has_value());
    CHECK(on->record.metadata.response_types == response_type_list{response_type::code});
    // The RFC 7592 view of the record agrees with itself.
    CHECK(validate_metadata(on->record.metadata).has_value());
}

TEST_CASE("register_metadata: the public seam validates what it is given", "[registry][record]")
{
    test_registry reg;
    client_metadata md;
    md.grant_types = {grant_type::client_credentials};
    md.token_endpoint_auth_method = auth_method::client_secret_post;
    auto ok = reg.register_metadata(md, org1);
    REQUIRE(ok.has_value());
    CHECK(ok->client_secret.has_value());
    CHECK(ok->record.owner == org1);

    md.token_endpoint_auth_method = auth_method::none; // RFC 6749 4.4
    auto bad = reg.register_metadata(md, org1);
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().kind() == error::public_client_credentials);

    client_metadata pub;
    pub.grant_types = {grant_type::authorization_code};
    pub.response_types = {response_type::code};
    pub.redirect_uris = {"com.example.app:/cb"};
    pub.token_endpoint_auth_method = auth_method::none;
    CHECK(reg.register_metadata(pub, org1, false).error().kind() == error::public_client_pkce);
    CHECK(reg.storage().size() == 1);
}

TEST_CASE("page: the registry's listing is the caller's organization", "[registry][record][pages]")
{
    test_registry reg;
    for (int i = 0; i < 3; ++i)
        REQUIRE(reg.create_client(dash, org1).has_value());
    REQUIRE(reg.create_client(dash, org2).has_value());
    client_page_query q;
    q.owner.org_id = "org-1";
    auto p = reg.page(q).value();
    CHECK(p.total_results == 3);
    for (auto const& c : p.clients)
        CHECK(c.owner.org_id == "org-1");
    q.page_size = 0;
    CHECK(reg.page(q).error().code == condition::invalid_request);
}

TEST_CASE("RFC 8705 2.1.2: a tls_client_auth client keeps its certificate subject through patch and register_metadata",
          "[registry][record]")
{
    registry_options opts;
    opts.profile = profile::rfc7591();
    test_registry reg(opts);
    auto made = reg.register_client(R"({"grant_types":["client_credentials"],"response_types":[],)"
                                    R"("token_endpoint_auth_method":"tls_client_auth",)"
                                    R"("tls_client_auth_san_dns":"svc.example.com"})",
                                    org1);
    REQUIRE(made.has_value());
    auto const id = made->record.client_id;

    // The stored subject is part of the record the patch validates as a whole.
    auto patched = reg.patch(id, R"({"name":"Renamed"})", org1);
    REQUIRE(patched.has_value());
    CHECK(patched->record.metadata.client_name == "Renamed");
    CHECK(patched->record.metadata.tls_client_auth == tls_client_auth_subject::san_dns);
    CHECK(patched->record.metadata.tls_client_auth_value == "svc.example.com");
    CHECK(reg.find(id).value().metadata.tls_client_auth_value == "svc.example.com");

    // Metadata built by the host keeps it too.
    auto again = reg.register_metadata(made->record.metadata, org1);
    REQUIRE(again.has_value());
    CHECK(again->record.metadata.tls_client_auth_value == "svc.example.com");
}
