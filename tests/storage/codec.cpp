// Tests of storage/codec.hpp: the stored record text round-trips every member,
// and text that is not what encode_record wrote is a storage_failure naming
// the bad member, never a guess or a crash.
#include <oauthreg/storage/codec.hpp>

#include "../support/catch.hpp"

#include <oauthreg/testing/storage_conformance.hpp>

#include <boost/locale/utf.hpp>

#include <string>
#include <string_view>

using namespace oauthreg;

namespace {

/** Bytes that are not UTF-8 (RFC 3629 4): overlong forms, surrogates, lone
    continuation bytes, truncated sequences, code points past U+10FFFF. */
std::string_view const not_utf8[] = {
    "\xc0\xaf",
    "\xc1\xbf",
    "\xe0\x80\xaf",
    "\xe0\x9f\xbf",
    "\xf0\x80\x80\xaf",
    "\xf0\x8f\xbf\xbf",
    "\xed\xa0\x80",
    "\xed\xbf\xbf",
    "\x80",
    "\xbf",
    "a\x80"
    "b",
    "\xc3",
    "\xe2\x82",
    "\xf0\x9f\x98",
    "\xc3(",
    "\xe2\x28\xa1",
    "\xf4\x90\x80\x80",
    "\xf5\x80\x80\x80",
    "\xfe",
    "\xff",
    "ok\xe2\x82",
};

/** boost::locale's decoder, the oracle. */
bool locale_utf8(std::string_view s)
{
    using traits = boost::locale::utf::utf_traits<char>;
    for (auto p = s.begin(); p != s.end();) {
        auto c = traits::decode(p, s.end());
        if (c == boost::locale::utf::illegal || c == boost::locale::utf::incomplete)
            return false;
    }
    return true;
}

} // namespace

TEST_CASE("RFC 3629 4: valid_utf8 takes UTF-8 text and nothing else", "[storage][codec]")
{
    for (std::string_view ok : {"", "client-1", "caf\xc3\xa9", "\xdf\xbf", "\xe0\xa0\x80", "\xed\x9f\xbf",
                                "\xee\x80\x80", "\xef\xbf\xbf", "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf"})
        CHECK(valid_utf8(ok));
    for (auto bad : not_utf8) {
        INFO(bad.size());
        CHECK_FALSE(valid_utf8(bad));
    }
    // Every string of up to two bytes, and every lead and second byte of the longer forms, as the oracle says.
    std::string s;
    for (int a = 0; a < 256; ++a)
        for (int b = -1; b < 256; ++b)
            for (char tail : {'\x80', '\xbf', 'a'}) {
                s.assign(1, static_cast<char>(a));
                if (b >= 0)
                    s += static_cast<char>(b);
                if (valid_utf8(s) != locale_utf8(s))
                    FAIL_CHECK(static_cast<int>(s.size()) << " bytes: " << a << " " << b);
                s += tail;
                s += tail;
                if (valid_utf8(s) != locale_utf8(s))
                    FAIL_CHECK(a << " " << b << " " << static_cast<int>(static_cast<unsigned char>(tail)));
            }
}

TEST_CASE("RFC 8259 8.1: a record whose ids are not UTF-8 is refused by encode_record, never written as JSON "
          "that would not read back",
          "[storage][codec]")
{
    for (auto bad : not_utf8) {
        for (auto const* field : {"client_id", "org_id", "user_id"}) {
            INFO(field << " " << bad.size());
            auto rec = testing::full_record("c");
            std::string const value = "id-" + std::string(bad);
            (std::string_view(field) == "client_id" ? rec.client_id
             : std::string_view(field) == "org_id"  ? rec.owner.org_id
                                                    : rec.owner.user_id) = value;
            auto text = encode_record(rec);
            REQUIRE_FALSE(text.has_value());
            CHECK(text.error().kind() == error::invalid_identifier);
            CHECK(text.error().field == field);
            CHECK(text.error().rfc_code() == "invalid_request");
        }
    }
    auto rec = testing::full_record("client-\xf0\x9f\x94\x91", "org-\xc3\xa9", std::string("user\0nul", 8));
    auto back = decode_record(encode_record(rec).value()); // UTF-8, and a NUL, which JSON escapes
    REQUIRE(back.has_value());
    CHECK(*back == rec);
}

TEST_CASE("codec: every member of a record round-trips byte for byte", "[storage][codec]")
{
    auto rec = testing::full_record("client-\xe2\x82\xac", "org \"quoted\"", "user\\back");
    rec.metadata.jwks_uri = "https://app.example.com/jwks.json";
    rec.metadata.jwks.reset();
    rec.metadata.software_statement = "eyJhbGciOiJFZERTQSJ9.e30.c2ln";
    rec.metadata.app_type = application_type::native;
    rec.version = 42;
    auto text = encode_record(rec).value();
    auto back = decode_record(text);
    REQUIRE(back.has_value());
    CHECK(*back == rec);
    CHECK(encode_record(*back).value() == text); // stable: re-encoding changes nothing
    CHECK(text.find("\"format\":1") != std::string::npos);
}

TEST_CASE("codec: the JWK Set is kept as its exact text", "[storage][codec]")
{
    auto rec = testing::full_record("c");
    rec.metadata.jwks = R"({"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]})";
    auto back = decode_record(encode_record(rec).value());
    REQUIRE(back.has_value());
    CHECK(back->metadata.jwks == rec.metadata.jwks);
}

TEST_CASE("codec: stored text that is not a record is a storage_failure naming the member", "[storage][codec]")
{
    auto good = encode_record(testing::full_record("c")).value();
    auto with = [&](std::string const& from, std::string const& to) {
        auto s = good;
        auto at = s.find(from);
        REQUIRE(at != std::string::npos);
        return s.replace(at, from.size(), to);
    };
    struct row {
        std::string text;
        char const* named;
    };
    row const rows[] = {
        {"", "not a JSON object"},
        {"[1,2]", "not a JSON object"},
        {with("\"format\":1", "\"format\":2"), "format version"},
        {with("\"client_id\":\"c\"", "\"client_id\":7"), "client_id"},
        {with("\"version\":1", "\"version\":0"), "version"},
        {with("\"token_endpoint_auth_method\":\"client_secret_post\"", "\"token_endpoint_auth_method\":\"magic\""),
         "token_endpoint_auth_method"},
        {with("\"refresh_token\"", "\"teleport\""), "grant_types"},
        {with("\"response_types\":[\"code\"]", "\"response_types\":\"code\""), "response_types"},
        {with("\"application_type\":\"web\"", "\"application_type\":\"desktop\""), "application_type"},
        {with("\"localized\":[[\"client_name\"", "\"localized\":[[\"nickname\""), "localized"},
        {with("\"client_secret_hash\":\"", "\"client_secret_hash\":\"AA"), "client_secret_hash"},
        {with("\"require_pkce\":true", "\"require_pkce\":1"), "require_pkce"},
        // what main stored for a jwks holding 1e400: its render threw (issue 14)
        {with("{\\\"keys\\\"", "{\\\"n\\\":Infinity,\\\"keys\\\""), "jwks"},
        {with("{\\\"keys\\\"", "{\\\"n\\\":1e400,\\\"keys\\\""), "jwks"},
    };
    for (auto const& r : rows) {
        INFO(r.text);
        auto got = decode_record(r.text);
        REQUIRE_FALSE(got.has_value());
        CHECK(got.error().kind() == error::storage_failure);
        CHECK(got.error().description.find(r.named) != std::string::npos);
        // Only a row of another format version is not corrupt: written by
        // another release sharing the database, it must stay a store failure
        // (500), never an unknown client (404/401) to its holders.
        bool const other_release = std::string_view(r.named) == "format version";
        CHECK(is_unreadable_record(got.error()) == !other_release);
    }
    // Once the record reads as JSON, the error names the client it belongs to.
    CHECK(decode_record(std::end(rows)[-1].text).error().description.find("'c'") != std::string::npos);
}

TEST_CASE("codec: rows from before optional_string and inline lists stay readable", "[storage][codec]")
{
    // A record built by hand (not validated) could be stored with an empty
    // string or a repeated grant type; neither may make its row unreadable.
    auto rec = testing::full_record("c");
    auto text = encode_record(rec).value();
    auto with = [&](std::string s, std::string const& from, std::string const& to) {
        auto at = s.find(from);
        REQUIRE(at != std::string::npos);
        return s.replace(at, from.size(), to);
    };
    // RFC 7591 2 gives no metadata string an empty value: it reads as absent.
    auto empty_name = with(text, "\"client_name\":\"", "\"client_name\":\"\",\"x\":\"");
    auto back = decode_record(empty_name);
    REQUIRE(back.has_value());
    CHECK_FALSE(back->metadata.client_name.has_value());
    CHECK(back->metadata.client_uri == rec.metadata.client_uri);
    // A repeated value adds nothing (validation drops it too), however often it repeats.
    std::string many = "\"response_types\":[\"code\"";
    for (int i = 0; i < 50; ++i)
        many += ",\"code\"";
    back = decode_record(
        with(with(text, "\"refresh_token\"", "\"authorization_code\""), "\"response_types\":[\"code\"", many));
    REQUIRE(back.has_value());
    CHECK(back->metadata.grant_types == grant_type_list{grant_type::authorization_code});
    CHECK(back->metadata.response_types == response_type_list{response_type::code});
}

TEST_CASE("codec: the RFC 8705 2.1.2 certificate subject round-trips, and rows from before it stay readable",
          "[storage][codec]")
{
    auto rec = testing::full_record("c");
    rec.metadata.token_endpoint_auth_method = auth_method::tls_client_auth;
    rec.metadata.tls_client_auth = tls_client_auth_subject::san_uri;
    rec.metadata.tls_client_auth_value = "spiffe://example.org/app";
    auto text = encode_record(rec).value();
    CHECK(text.find(R"("tls_client_auth_san_uri":"spiffe://example.org/app")") != std::string::npos);
    auto back = decode_record(text);
    REQUIRE(back.has_value());
    CHECK(*back == rec);

    // What encode_record wrote before the member existed, for a tls_client_auth client.
    std::string const old =
        R"({"format":1,"client_id":"c1","org_id":"","user_id":"","created_at":1700000000,"updated_at":1700000000,)"
        R"("client_secret_hash":null,"client_secret_expires_at":0,"registration_token_hash":null,"require_pkce":true,)"
        R"("version":1,"metadata":{"redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":)"
        R"("tls_client_auth","grant_types":["authorization_code"],"response_types":["code"],"client_name":"Old",)"
        R"("contacts":[],"localized":[]}})";
    auto old_rec = decode_record(old);
    REQUIRE(old_rec.has_value());
    CHECK(old_rec->metadata.token_endpoint_auth_method == auth_method::tls_client_auth);
    CHECK_FALSE(old_rec->metadata.tls_client_auth);
    CHECK(old_rec->metadata.client_name == "Old");

    // Two of them is not what encode_record writes.
    auto two = text;
    two.insert(two.find("\"tls_client_auth_san_uri\""), R"("tls_client_auth_san_dns":"a.example",)");
    auto bad = decode_record(two);
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().kind() == error::storage_failure);
}
