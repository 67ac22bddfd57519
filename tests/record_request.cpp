// Tests of the record_request.hpp contract: the `oauth_client` record's own
// create and partial-update bodies, parsed strictly and validated by the same
// rules as RFC 7591 registration, errors named in the record's terms.
#include <oauthreg/record_request.hpp>
#include <oauthreg/validate.hpp>

#include "support/catch.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <string>
#include <unordered_set>

using namespace oauthreg;

namespace {

/** A valid confidential create body, as a JSON object to vary. */
boost::json::object confidential_app()
{
    return {{"name", "Dash"},
            {"allowed_scopes", boost::json::array{"read", "write"}},
            {"client_type", "confidential"},
            {"allowed_grant_types", boost::json::array{"authorization_code", "refresh_token"}},
            {"redirect_uris", boost::json::array{"https://dash.example.com/cb"}}};
}

boost::json::object public_app()
{
    auto o = confidential_app();
    o["client_type"] = "public";
    return o;
}

result<record_request> create(boost::json::object const& o, profile const& prof = profile{})
{
    return validate_record(boost::json::serialize(o), prof);
}

/** The error's field, or "ok" when the body was accepted. */
std::string field_of(result<record_request> const& r) { return r ? "ok" : r.error().field; }

} // namespace

TEST_CASE("record create: the record's members make the same metadata as RFC 7591", "[record]")
{
    auto r = create(confidential_app());
    REQUIRE(r.has_value());
    auto const& md = r->metadata;
    CHECK(md.client_name == "Dash");
    CHECK(md.scope == "read write"); // allowed_scopes is scope split on spaces
    CHECK(md.token_endpoint_auth_method == auth_method::client_secret_basic);
    CHECK(md.grant_types == grant_type_list{grant_type::authorization_code, grant_type::refresh_token});
    // RFC 7591 2.1: authorization_code implies response type code.
    CHECK(md.response_types == response_type_list{response_type::code});
    CHECK(md.redirect_uris == std::vector<std::string>{"https://dash.example.com/cb"});
    CHECK_FALSE(r->require_pkce.has_value());

    auto p = create(public_app());
    REQUIRE(p.has_value());
    CHECK(p->metadata.token_endpoint_auth_method == auth_method::none); // public is auth method none
}

TEST_CASE("record create: confidential takes the profile's first secret method", "[record]")
{
    profile prof;
    prof.auth_methods = {auth_method::none, auth_method::client_secret_post};
    auto r = create(confidential_app(), prof);
    REQUIRE(r.has_value());
    CHECK(r->metadata.token_endpoint_auth_method == auth_method::client_secret_post);
    prof.auth_methods = {auth_method::none};
    auto none = create(confidential_app(), prof);
    REQUIRE_FALSE(none.has_value());
    CHECK(none.error().kind() == error::unsupported_auth_method);
    CHECK(none.error().field == "client_type");
}

TEST_CASE("record create: each required member missing is named", "[record]")
{
    for (auto const* member : {"name", "allowed_scopes", "client_type", "allowed_grant_types"}) {
        auto o = confidential_app();
        o.erase(member);
        auto r = create(o);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind() == error::member_missing);
        CHECK(r.error().field == member);
        // null is absent for a required member too
        o[member] = nullptr;
        CHECK(field_of(create(o)) == member);
    }
}

TEST_CASE("record create: each member of the wrong type is named", "[record]")
{
    struct wrong {
        char const* member;
        boost::json::value value;
        char const* field;
        error kind;
    };
    wrong const cases[] = {
        {"name", 7, "name", error::wrong_type},
        {"allowed_scopes", "read", "allowed_scopes", error::wrong_type},
        {"allowed_scopes", boost::json::array{"read", 2}, "allowed_scopes[1]", error::wrong_type},
        {"client_type", true, "client_type", error::wrong_type},
        {"allowed_grant_types", "authorization_code", "allowed_grant_types", error::wrong_type},
        {"allowed_grant_types", boost::json::array{nullptr}, "allowed_grant_types[0]", error::wrong_type},
        {"redirect_uris", "https://dash.example.com/cb", "redirect_uris", error::redirect_uris_wrong_type},
        {"redirect_uris", boost::json::array{"https://a.example/cb", 1}, "redirect_uris[1]",
         error::redirect_uris_wrong_type},
        {"logo_uri", 1, "logo_uri", error::wrong_type},
        {"tos_uri", boost::json::object{}, "tos_uri", error::wrong_type},
        {"policy_uri", boost::json::array{}, "policy_uri", error::wrong_type},
        {"require_pkce", "true", "require_pkce", error::wrong_type},
    };
    for (auto const& c : cases) {
        auto o = confidential_app();
        o[c.member] = c.value;
        auto r = create(o);
        INFO(c.member << " = " << boost::json::serialize(c.value));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().field == c.field);
        CHECK(r.error().kind() == c.kind);
    }
}

TEST_CASE("record create: the body is parsed as strictly as an RFC 7591 one", "[record]")
{
    auto kind = [](std::string_view body) {
        auto r = validate_record(body);
        return r ? error{} : r.error().kind();
    };
    std::string const ok = boost::json::serialize(confidential_app());
    CHECK(kind(ok) == error{});
    // RFC 8259 4: a member named twice is ambiguous, refused.
    std::string dup = ok;
    dup.insert(1, R"("name":"Other",)");
    CHECK(kind(dup) == error::duplicate_member);
    CHECK(validate_record(dup).error().field == "name");
    CHECK(kind("[1]") == error::body_not_object);
    CHECK(kind(R"({"name":)") == error::malformed_json);
    CHECK(kind(ok + "x") == error::malformed_json);
    // RFC 8259 8.1: text is UTF-8; a lone continuation byte is not.
    std::string bad_utf8 = ok;
    bad_utf8.replace(bad_utf8.find("Dash"), 4, "D\x80sh");
    CHECK(kind(bad_utf8) == error::malformed_json);
    profile small;
    small.limits.max_body_bytes = 32;
    CHECK(validate_record(ok, small).error().kind() == error::body_too_large);
    CHECK(kind(R"({"name":[[[[[[[[[["x"]]]]]]]]]]})") == error::nesting_too_deep);
    std::string many = "{";
    for (int i = 0; i < 100; ++i)
        many += "\"m" + std::to_string(i) + "\":0,";
    many.back() = '}';
    CHECK(kind(many) == error::too_many_members);
}

TEST_CASE("record create: an unknown member is refused by name, an RFC 7591 name too", "[record]")
{
    for (auto const* member : {"colour", "client_name", "scope", "grant_types", "token_endpoint_auth_method",
                               "client_id", "org_id", "created_at"}) {
        auto o = confidential_app();
        o[member] = "x";
        auto r = create(o);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind() == error::unknown_member);
        CHECK(r.error().field == member);
        CHECK(r.error().code == condition::invalid_request);
    }
}

TEST_CASE("record create: limits of the profile apply to the record's members", "[record]")
{
    profile prof;
    prof.limits.max_scope_tokens = 2;
    prof.limits.max_redirect_uris = 1;
    auto o = confidential_app();
    o["allowed_scopes"] = boost::json::array{"a", "b", "c"};
    CHECK(create(o, prof).error().kind() == error::too_many_scope_tokens);
    o = confidential_app();
    o["redirect_uris"] = boost::json::array{"https://a.example/1", "https://a.example/2"};
    CHECK(create(o, prof).error().kind() == error::too_many_redirect_uris);
    prof.limits.max_string_length = 12;
    o = confidential_app();
    o["name"] = "a name longer than twelve";
    auto r = create(o, prof);
    CHECK(r.error().kind() == error::string_too_long);
    CHECK(r.error().field == "name");
}

TEST_CASE("RFC 6749 3.3: each allowed scope is one scope token", "[record]")
{
    auto with_scopes = [](boost::json::array scopes) {
        auto o = confidential_app();
        o["allowed_scopes"] = std::move(scopes);
        return create(o);
    };
    for (auto const* bad : {"", "two words", "quote\"", "back\\slash", "caf\xc3\xa9"}) {
        auto r = with_scopes({"ok", bad});
        INFO(bad);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind() == error::invalid_scope);
        CHECK(r.error().field == "allowed_scopes[1]");
    }
    auto none = with_scopes({});
    REQUIRE(none.has_value());
    CHECK_FALSE(none->metadata.scope);
    auto repeated = with_scopes({"a", "b", "a"});
    REQUIRE(repeated.has_value());
    CHECK(repeated->metadata.scope == "a b"); // a repeated scope adds nothing

    profile prof;
    prof.scope_allowlist = std::unordered_set<std::string>{"read"};
    auto o = confidential_app();
    auto r = create(o, prof);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind() == error::scope_not_allowed);
    CHECK(r.error().field == "allowed_scopes[1]");
}

TEST_CASE("record create: the RFC 7591 rules, named in the record's terms", "[record]")
{
    SECTION("RFC 6749 3.1.2: each redirect URI is checked on its own")
    {
        auto o = confidential_app();
        o["redirect_uris"] = boost::json::array{"https://a.example/cb", "https://a.example/cb#frag"};
        auto r = create(o);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind() == error::redirect_uri_has_fragment);
        CHECK(r.error().field == "redirect_uris[1]");
        CHECK(r.error().description.starts_with("redirect_uris[1]: "));
    }
    SECTION("RFC 6749 3.1.2.2: authorization_code needs redirect URIs")
    {
        auto o = confidential_app();
        o.erase("redirect_uris");
        CHECK(create(o).error().kind() == error::redirect_uris_missing);
        o["redirect_uris"] = boost::json::array{};
        CHECK(create(o).error().kind() == error::redirect_uris_missing);
        o["allowed_grant_types"] = boost::json::array{"client_credentials"};
        CHECK(create(o).has_value()); // no redirect-based grant: none needed
    }
    SECTION("RFC 6749 4.4: a public client cannot use client_credentials")
    {
        auto o = public_app();
        o["allowed_grant_types"] = boost::json::array{"client_credentials"};
        auto r = create(o);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind() == error::public_client_credentials);
        CHECK(r.error().field == "client_type");
    }
    SECTION("a grant type the profile does not allow is named by its index")
    {
        auto o = confidential_app();
        o["allowed_grant_types"] = boost::json::array{"refresh_token", "password"};
        auto r = create(o);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind() == error::unsupported_grant_type);
        CHECK(r.error().field == "allowed_grant_types[1]");
        o["allowed_grant_types"] = boost::json::array{};
        CHECK(create(o).error().kind() == error::empty_grant_types);
    }
    SECTION("client_type is public or confidential")
    {
        auto o = confidential_app();
        o["client_type"] = "Public";
        CHECK(create(o).error().kind() == error::invalid_client_type);
    }
    SECTION("the name is display text, the URIs web URIs")
    {
        auto o = confidential_app();
        o["name"] = "bad\nname";
        auto r = create(o);
        CHECK(r.error().kind() == error::invalid_string);
        CHECK(r.error().field == "name");
        CHECK(r.error().description.starts_with("name: "));
        o = confidential_app();
        o["tos_uri"] = "javascript:alert(1)";
        CHECK(create(o).error().field == "tos_uri");
    }
}

TEST_CASE("RFC 9700 2.1.1: PKCE rules of the record for both client types", "[record]")
{
    auto pub = public_app();
    pub["require_pkce"] = false;
    auto r = create(pub);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind() == error::public_client_pkce);
    CHECK(r.error().field == "require_pkce");
    pub["require_pkce"] = true;
    CHECK(create(pub).has_value());

    for (bool pkce : {true, false}) {
        auto conf = confidential_app();
        conf["require_pkce"] = pkce;
        auto c = create(conf);
        REQUIRE(c.has_value());
        CHECK(c->require_pkce == pkce); // a confidential client may set it either way
    }
}

TEST_CASE("record patch: merged into the stored metadata and validated whole", "[record]")
{
    auto stored = create(confidential_app()).value().metadata;
    SECTION("only the members sent change")
    {
        auto r =
            validate_record_patch(R"({"name":"Dash 2","logo_uri":"https://dash.example.com/l.png"})", stored, true);
        REQUIRE(r.has_value());
        CHECK(r->metadata.client_name == "Dash 2");
        CHECK(r->metadata.logo_uri == "https://dash.example.com/l.png");
        CHECK(r->metadata.scope == stored.scope);
        CHECK(r->metadata.redirect_uris == stored.redirect_uris);
        CHECK(r->metadata.token_endpoint_auth_method == stored.token_endpoint_auth_method);
    }
    SECTION("null removes an optional member; a required one cannot be removed")
    {
        stored.logo_uri = "https://dash.example.com/l.png";
        auto r = validate_record_patch(R"({"logo_uri":null})", stored, true);
        REQUIRE(r.has_value());
        CHECK_FALSE(r->metadata.logo_uri);
        CHECK(validate_record_patch(R"({"name":null})", stored, true).error().field == "name");
    }
    SECTION("RFC 6749 3.1.2.2: dropping the redirect URIs while authorization_code stays is refused")
    {
        auto r = validate_record_patch(R"({"redirect_uris":[]})", stored, true);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind() == error::redirect_uris_missing);
    }
    SECTION("RFC 7591 2.1: response types follow a move to and from authorization_code")
    {
        auto off = validate_record_patch(R"({"allowed_grant_types":["client_credentials"],"redirect_uris":null})",
                                         stored, true);
        REQUIRE(off.has_value());
        CHECK(off->metadata.response_types.empty());
        CHECK(off->metadata.redirect_uris.empty());
        auto on = validate_record_patch(
            R"({"allowed_grant_types":["authorization_code"],"redirect_uris":["https://b.example/cb"]})", off->metadata,
            true);
        REQUIRE(on.has_value());
        CHECK(on->metadata.response_types == response_type_list{response_type::code});
        // back to authorization_code without redirect URIs: refused
        CHECK(validate_record_patch(R"({"allowed_grant_types":["authorization_code"]})", off->metadata, true)
                  .error()
                  .kind() == error::redirect_uris_missing);
    }
    SECTION("client_type cannot change; unknown members are refused")
    {
        auto r = validate_record_patch(R"({"client_type":"public"})", stored, true);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind() == error::unknown_member);
        CHECK(r.error().field == "client_type");
        CHECK(validate_record_patch(R"({"org_id":"other"})", stored, true).error().kind() == error::unknown_member);
    }
    SECTION("RFC 9700 2.1.1: a public client cannot turn PKCE off by a patch")
    {
        auto pub = create(public_app()).value().metadata;
        CHECK(validate_record_patch(R"({"require_pkce":false})", pub, true).error().kind() ==
              error::public_client_pkce);
        auto conf = validate_record_patch(R"({"require_pkce":false})", stored, true);
        REQUIRE(conf.has_value());
        CHECK(conf->require_pkce == false);
    }
    SECTION("an empty patch changes nothing")
    {
        auto r = validate_record_patch("{}", stored, true);
        REQUIRE(r.has_value());
        CHECK(r->metadata == stored);
    }
}

TEST_CASE("validate_metadata: the RFC 7591 rules on built metadata", "[record][validate]")
{
    auto md =
        validate_request(R"({"redirect_uris":["https://a.example/cb"],"client_name":"A",)"
                         R"("jwks":{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]},"client_name#fr":"B"})")
            .value();
    auto again = validate_metadata(md);
    REQUIRE(again.has_value());
    CHECK(*again == md); // valid metadata passes unchanged
    auto bad = md;
    bad.redirect_uris.push_back("https://a.example/cb#x");
    CHECK(validate_metadata(bad).error().field == "redirect_uris[1]");
    bad = md;
    bad.jwks = "not json";
    CHECK(validate_metadata(bad).error().kind() == error::invalid_jwks);
    bad = md;
    bad.token_endpoint_auth_method = auth_method::none;
    bad.grant_types = {grant_type::client_credentials};
    bad.response_types.clear();
    CHECK(validate_metadata(bad).error().kind() == error::public_client_credentials);
}
