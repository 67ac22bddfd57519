// Regression tests of the registry's RFC 7592 management paths found by review:
// the require_pkce an update keeps, a delete decided at the version whose token
// was checked, an undecodable row read by an organization, and the token a
// record-API create does not issue.
#include <oauthreg/registry.hpp>

#include "support/catch.hpp"
#include "support/hooked_store.hpp"

#include <oauthreg/api_keys.hpp>
#include <oauthreg/http.hpp>
#include <oauthreg/testing/deterministic_rng.hpp>

#include <optional>
#include <string>

using namespace oauthreg;

namespace {

template <bool VersionedErase>
using hooked_registry = basic_registry<test_support::hooked_store<VersionedErase>, os_rng, manual_clock>;

constexpr char const* web_client = R"({"redirect_uris":["https://app.example.com/cb"],"client_name":"Web"})";

owner const org1{"org-1", "user-1"};
owner const org2{"org-2", "user-9"};

registry_options with_rfc7592() { return http_registry_options("https://reg.example.com"); }

/** A DELETE on the client configuration endpoint whose store lets a read
    rotate the token between the token check and the delete; the registry
    must answer as if the token had been rotated first. */
template <bool VersionedErase> void check_delete_after_rotation()
{
    hooked_registry<VersionedErase> reg(with_rfc7592());
    basic_http_handler<hooked_registry<VersionedErase>> http{reg, api_keys{}, "https://reg.example.com"};
    auto made = reg.register_client(web_client).value();
    auto const id = made.record.client_id;
    auto const old_token = std::string(*made.registration_access_token);
    std::optional<std::string> new_token;
    reg.storage().before_write = [&] { // an RFC 7592 read lands after the DELETE's token check
        auto read = reg.read_registration(id, old_token);
        if (read)
            new_token = std::string(*read->registration_access_token);
    };
    std::string const auth = "Bearer " + old_token;
    auto answer = http({.method = "DELETE", .target = "/oauth/register/" + id, .authorization = auth});
    REQUIRE(new_token.has_value()); // the read did run in between
    CHECK(answer.status == 401);
    CHECK(reg.find(id).has_value()); // the rotated-out token deleted nothing
    CHECK(reg.check_registration_token(id, *new_token).has_value());
    CHECK(reg.delete_registration(id, *new_token).has_value());
    CHECK(reg.find(id).error().kind() == error::client_not_found);
}

} // namespace

TEST_CASE("RFC 7592 2.2: an update keeps the require_pkce stored for the client", "[registry][rfc7592][store18]")
{
    hooked_registry<true> reg(with_rfc7592());
    auto made = reg.register_client(web_client, org1).value();
    auto const id = made.record.client_id;
    REQUIRE(made.record.require_pkce); // the default profile's rule for a confidential code client
    REQUIRE(reg.patch(id, R"({"require_pkce":false})", org1).value().record.require_pkce == false);
    auto updated = reg.update_registration(
        id, *made.registration_access_token,
        R"({"redirect_uris":["https://app.example.com/cb2"],"client_name":"Web","client_id":")" + id + "\"}");
    REQUIRE(updated.has_value());
    CHECK(updated->record.require_pkce == false); // set through the record API, not the profile's default
    CHECK(reg.find(id)->require_pkce == false);
    CHECK(updated->record.metadata.redirect_uris.front() == "https://app.example.com/cb2");
}

TEST_CASE("RFC 7592 2.2 and RFC 9700 2.1.1: an update never lowers require_pkce, a public client or a new "
          "authorization_code grant gets the profile's rule",
          "[registry][rfc7592][store18]")
{
    hooked_registry<true> reg;
    auto service = reg.register_client(R"({"grant_types":["client_credentials"],"response_types":[]})").value();
    CHECK_FALSE(service.record.require_pkce); // no code grant, no PKCE
    auto gains_code = reg.update(service.record.client_id, web_client);
    REQUIRE(gains_code.has_value());
    CHECK(gains_code->record.require_pkce); // the profile's rule for the new grant

    auto app = reg.register_client(web_client).value();
    REQUIRE(app.record.require_pkce);
    auto to_service =
        reg.update(app.record.client_id, R"({"grant_types":["client_credentials"],"response_types":[]})").value();
    CHECK(to_service.record.require_pkce); // kept, not lowered by the profile's rule
}

TEST_CASE("RFC 7592 2.3: a delete whose token was rotated after the check deletes nothing",
          "[registry][rfc7592][store18]")
{
    SECTION("a store with a version-checked erase") { check_delete_after_rotation<true>(); }
    SECTION("a custom store without one: the token is taken away at the version checked, then the record goes")
    {
        check_delete_after_rotation<false>();
    }
}

TEST_CASE("RFC 7592 2.3: delete_registration checks the token, then deletes", "[registry][rfc7592][store18]")
{
    hooked_registry<false> reg(with_rfc7592());
    auto made = reg.register_client(web_client).value();
    auto const id = made.record.client_id;
    CHECK(reg.delete_registration(id, "wrong").error().kind() == error::authentication_failed);
    CHECK(reg.find(id).has_value());
    CHECK(reg.delete_registration(id, *made.registration_access_token).has_value());
    CHECK(reg.find(id).error().kind() == error::client_not_found);
    // RFC 7592 2.1: a client that is gone answers like a wrong token.
    CHECK(reg.delete_registration(id, *made.registration_access_token).error().kind() ==
          error::authentication_failed);
}

TEST_CASE("RFC 7592 2.3: on a store without a versioned erase, a delete whose erase fails gives the token back",
          "[registry][rfc7592]")
{
    hooked_registry<false> reg(with_rfc7592());
    auto made = reg.register_client(web_client).value();
    auto const id = made.record.client_id;
    auto const token = std::string(*made.registration_access_token);
    reg.storage().erase_fails = true;
    CHECK(reg.delete_registration(id, token).error().kind() == error::storage_failure);
    // The client is still there and its holder can retry: not locked out.
    CHECK(reg.check_registration_token(id, token).has_value());
    reg.storage().erase_fails = false;
    CHECK(reg.delete_registration(id, token).has_value());
    CHECK(reg.find(id).error().kind() == error::client_not_found);
}

TEST_CASE("RFC 7592 2.1: an organization reading a stored row that cannot be decoded is answered not found",
          "[registry][record][store18]")
{
    hooked_registry<true> reg;
    auto const id = reg.register_client(web_client, org1).value().record.client_id;
    reg.storage().unreadable.insert(id);
    // Its owner cannot be read: another organization learns nothing (no 500
    // for an id it does not own), and the owner cannot be shown it is theirs.
    CHECK(reg.find(id, org2).error().kind() == error::client_not_found);
    CHECK(reg.find(id, org1).error().kind() == error::client_not_found);
    CHECK(reg.patch(id, R"({"name":"x"})", org2).error().kind() == error::client_not_found);
    CHECK(reg.erase(id, org2).error().kind() == error::client_not_found);
    CHECK(reg.find(id).error().kind() == error::storage_failure); // the host's own read still says what is wrong
    reg.storage().unreadable.clear();
    CHECK(reg.find(id, org1).has_value());
    INFO("a store that cannot be reached is no row: still the store's error");
    reg.storage().unreachable = true;
    CHECK(reg.find(id, org2).error().kind() == error::storage_failure);
}

TEST_CASE("RFC 7592 3: a record-API create issues no registration access token, so none is stored",
          "[registry][record][rfc7592][store18]")
{
    hooked_registry<true> reg(with_rfc7592());
    auto made = reg.create_client(R"({"name":"Dash","allowed_scopes":["read"],"client_type":"confidential",)"
                                  R"("allowed_grant_types":["client_credentials"]})",
                                  org1);
    REQUIRE(made.has_value());
    CHECK_FALSE(made->registration_access_token.has_value());
    CHECK_FALSE(made->registration_client_uri.has_value());
    CHECK_FALSE(reg.find(made->record.client_id)->registration_token_hash.has_value());
    CHECK(made->client_secret.has_value()); // the client's own credential is still issued
    // An RFC 7591 registration on the same registry still gets its token.
    CHECK(reg.register_client(web_client, org1)->registration_access_token.has_value());
}

TEST_CASE("RFC 7592 2.1 and RFC 6749 5.2: a stored row that cannot be decoded authenticates nobody and answers "
          "like an unknown client",
          "[registry][rfc7592][store18]")
{
    hooked_registry<true> reg(with_rfc7592());
    auto made = reg.register_client(web_client, org1).value();
    auto const id = made.record.client_id;
    reg.storage().unreadable.insert(id);
    CHECK(reg.check_registration_token(id, *made.registration_access_token).error().kind() ==
          error::authentication_failed);
    CHECK(reg.read_registration(id, *made.registration_access_token).error().kind() == error::authentication_failed);
    CHECK(reg.delete_registration(id, *made.registration_access_token).error().kind() ==
          error::authentication_failed);
    CHECK(reg.authenticate(id, *made.client_secret).error().kind() == error::authentication_failed);
    reg.storage().unreadable.clear();
    reg.storage().unreachable = true; // no row at all: the store's error, as before
    CHECK(reg.check_registration_token(id, "x").error().kind() == error::storage_failure);
    CHECK(reg.authenticate(id, "x").error().kind() == error::storage_failure);
}

TEST_CASE("RFC 7592 2.2: an update must carry the client's client_id, and a client_secret only if it is the "
          "current one",
          "[registry][rfc7592]")
{
    hooked_registry<true> reg(with_rfc7592());
    auto made = reg.register_client(web_client, org1).value();
    auto const id = made.record.client_id;
    auto const& token = *made.registration_access_token;
    std::string const secret(std::string_view(*made.client_secret));
    auto body = [](std::string const& members) {
        return R"({"redirect_uris":["https://app.example.com/cb2"])" + members + "}";
    };
    std::string const named = R"(,"client_id":")" + id + "\"";
    auto refused = [&](std::string const& members) {
        auto r = reg.update_registration(id, token, body(members));
        REQUIRE_FALSE(r.has_value());
        return r.error();
    };
    for (auto const* anonymous : {"", R"(,"client_id":7)", R"(,"client_id":null)"}) {
        auto e = refused(anonymous);
        CHECK(e.kind() == error::client_id_missing);
        CHECK(e.rfc_code() == "invalid_request"); // 400 through the HTTP layer's mapping
    }
    CHECK(refused(R"(,"client_id":"someone-else")").kind() == error::client_id_mismatch);
    for (auto const& wrong :
         {std::string(R"("wrong")"), "\"" + secret + "x\"", std::string("null"), std::string("7")}) {
        auto e = refused(named + R"(,"client_secret":)" + wrong);
        CHECK(e.kind() == error::client_secret_mismatch);
        CHECK(e.rfc_code() == "invalid_request");
        CHECK(e.description.find(secret) == std::string::npos);
    }
    CHECK(reg.find(id).value() == made.record); // nothing refused changed the client

    auto kept = reg.update_registration(id, token, body(named + R"(,"client_secret":")" + secret + "\""));
    REQUIRE(kept.has_value());
    CHECK(reg.authenticate(id, secret).has_value());
    auto plain = reg.update_registration(id, *kept->registration_access_token, body(named));
    REQUIRE(plain.has_value()); // client_secret is optional

    auto app = reg.register_client(R"({"redirect_uris":["https://app.example.com/cb"],)"
                                   R"("token_endpoint_auth_method":"none"})",
                                   org1)
                   .value();
    auto const pub_named = R"(,"token_endpoint_auth_method":"none","client_id":")" + app.record.client_id + "\"";
    auto pub = reg.update_registration(app.record.client_id, *app.registration_access_token,
                                       body(pub_named + R"(,"client_secret":"")"));
    REQUIRE_FALSE(pub.has_value()); // a client without a secret has none to match
    CHECK(pub.error().kind() == error::client_secret_mismatch);
}
