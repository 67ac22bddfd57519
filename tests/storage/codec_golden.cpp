// The stored record text of format 1, as committed in golden/records_v1.jsonl:
// SQLite and PostgreSQL rows hold it, so every later version of the codec must
// decode it to the same record. Each field is checked against a literal value.
#include <oauthreg/storage/codec.hpp>

#include "../support/catch.hpp"

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <map>
#include <string>
#include <vector>

using namespace oauthreg;

namespace {

/** The golden rows by client_id (each line is one stored text). */
std::map<std::string, std::string> const& golden_rows()
{
    static std::map<std::string, std::string> const rows = [] {
        std::map<std::string, std::string> out;
        std::ifstream in(OAUTHREG_GOLDEN_DIR "/records_v1.jsonl");
        std::string line;
        while (std::getline(in, line)) {
            auto const key = line.find("\"client_id\":\"");
            if (key == std::string::npos)
                continue;
            auto const start = key + 13;
            out[line.substr(start, line.find('"', start) - start)] = line;
        }
        return out;
    }();
    return rows;
}

client_record decoded(std::string const& id)
{
    auto const& rows = golden_rows();
    auto it = rows.find(id);
    INFO("golden row " << id << " in " OAUTHREG_GOLDEN_DIR "/records_v1.jsonl");
    REQUIRE(it != rows.end());
    auto rec = decode_record(it->second);
    INFO((rec ? std::string() : rec.error().description));
    REQUIRE(rec.has_value());
    return *rec;
}

/** A digest whose bytes are first, first + 1, ..., first + 31. */
secret_hash counting_bytes(std::uint8_t first)
{
    secret_hash h{};
    for (std::size_t i = 0; i < h.size(); ++i)
        h[i] = static_cast<std::uint8_t>(first + i);
    return h;
}

std::vector<grant_type> grants(client_metadata const& m) { return {m.grant_types.begin(), m.grant_types.end()}; }
std::vector<response_type> responses(client_metadata const& m)
{
    return {m.response_types.begin(), m.response_types.end()};
}

} // namespace

TEST_CASE("codec format 1: the golden file holds the four rows", "[storage][codec][golden]")
{
    CHECK(golden_rows().size() == 4);
}

TEST_CASE("codec format 1: a client with every member decodes field by field", "[storage][codec][golden]")
{
    auto const r = decoded("5c1c6a4e-8b1f-4d8e-9a43-0f2f4b7a9d10");
    CHECK(r.client_id == "5c1c6a4e-8b1f-4d8e-9a43-0f2f4b7a9d10");
    CHECK(r.owner.org_id == "org-7");
    CHECK(r.owner.user_id == "user-42");
    CHECK(r.created_at == 1700000000);
    CHECK(r.updated_at == 1700003600);
    CHECK(r.client_secret_hash == counting_bytes(0x00)); // base64url "AAECAwQF..."
    CHECK(r.client_secret_expires_at == 1800000000);
    CHECK(r.registration_token_hash == counting_bytes(0x80)); // base64url "gIGCg4SF..."
    CHECK_FALSE(r.require_pkce);
    CHECK(r.version == 3);
    auto const& m = r.metadata;
    CHECK(m.redirect_uris == std::vector<std::string>{"https://app.example.com/cb?x=1", "http://127.0.0.1:8080/cb"});
    CHECK(m.token_endpoint_auth_method == auth_method::private_key_jwt);
    CHECK(grants(m) == std::vector<grant_type>{grant_type::authorization_code, grant_type::refresh_token,
                                               grant_type::client_credentials});
    CHECK(responses(m) == std::vector<response_type>{response_type::code});
    CHECK(m.client_name == "Caf\xc3\xa9 \"quoted\" \\ back");
    CHECK(m.client_uri == "https://app.example.com/");
    CHECK(m.logo_uri == "https://cdn.example.com/logo.png");
    CHECK(m.scope == "openid profile api:read");
    CHECK(m.contacts == std::vector<std::string>{"ops@example.com", "dev+oauth@example.com"});
    CHECK(m.tos_uri == "https://app.example.com/tos");
    CHECK(m.policy_uri == "https://app.example.com/privacy");
    CHECK_FALSE(m.jwks_uri);
    CHECK(m.jwks == R"({"keys":[{"kty":"EC","crv":"P-256","x":"AQ","y":"Ag","kid":"k1"}]})");
    CHECK(m.software_id == "4NRB1-0XZABZI9E6-5SM3R");
    CHECK(m.software_version == "2.1");
    CHECK(m.software_statement == "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJodHRwczovL2lzc3Vlci5leGFtcGxlIn0.c2ln");
    CHECK(m.app_type == application_type::web);
    CHECK_FALSE(m.tls_client_auth);
    CHECK_FALSE(m.tls_client_auth_value);
    REQUIRE(m.localized.size() == 2);
    CHECK(m.localized[0].member == localizable::client_name);
    CHECK(m.localized[0].language_tag == "ja-Jpan-JP");
    CHECK(m.localized[0].value == "\xe3\x83\x80\xe3\x83\x83\xe3\x82\xb7\xe3\x83\xa5");
    CHECK(m.localized[1].member == localizable::tos_uri);
    CHECK(m.localized[1].language_tag == "fr");
    CHECK(m.localized[1].value == "https://app.example.com/fr/tos");
}

TEST_CASE("codec format 1: a minimal public client decodes field by field", "[storage][codec][golden]")
{
    auto const r = decoded("min");
    CHECK(r.owner.org_id.empty());
    CHECK(r.owner.user_id.empty());
    CHECK(r.created_at == 1);
    CHECK(r.updated_at == 1);
    CHECK_FALSE(r.client_secret_hash);
    CHECK(r.client_secret_expires_at == 0);
    CHECK_FALSE(r.registration_token_hash);
    CHECK(r.require_pkce);
    CHECK(r.version == 1);
    auto const& m = r.metadata;
    CHECK(m.redirect_uris == std::vector<std::string>{"com.example.app:/cb"});
    CHECK(m.token_endpoint_auth_method == auth_method::none);
    CHECK(r.type() == client_type::public_client);
    CHECK(grants(m) == std::vector<grant_type>{grant_type::authorization_code});
    CHECK(responses(m) == std::vector<response_type>{response_type::code});
    for (auto const* s :
         {&m.client_name, &m.client_uri, &m.logo_uri, &m.scope, &m.tos_uri, &m.policy_uri, &m.jwks_uri, &m.jwks,
          &m.software_id, &m.software_version, &m.software_statement, &m.tls_client_auth_value})
        CHECK_FALSE(*s);
    CHECK(m.contacts.empty());
    CHECK_FALSE(m.app_type);
    CHECK_FALSE(m.tls_client_auth);
    CHECK(m.localized.empty());
}

TEST_CASE("codec format 1: a tls_client_auth client keeps its RFC 8705 2.1.2 subject", "[storage][codec][golden]")
{
    auto const r = decoded("tls-1");
    CHECK(r.owner.org_id == "org-1");
    CHECK(r.owner.user_id == "user-1");
    CHECK(r.created_at == 1700000000);
    CHECK(r.updated_at == 1700000000);
    CHECK_FALSE(r.client_secret_hash);
    CHECK(r.registration_token_hash == counting_bytes(0x40));
    CHECK(r.require_pkce);
    CHECK(r.version == 1);
    auto const& m = r.metadata;
    CHECK(m.redirect_uris == std::vector<std::string>{"https://tls.example.com/cb"});
    CHECK(m.token_endpoint_auth_method == auth_method::tls_client_auth);
    CHECK(m.tls_client_auth == tls_client_auth_subject::san_dns);
    CHECK(m.tls_client_auth_value == "client.tls.example.com");
    CHECK(m.jwks_uri == "https://tls.example.com/jwks.json");
    CHECK_FALSE(m.jwks);
    CHECK_FALSE(m.client_name);
}

TEST_CASE("codec format 1: a row from before the tls subject was stored still decodes", "[storage][codec][golden]")
{
    auto const r = decoded("old-tls");
    CHECK(r.created_at == 1600000000);
    CHECK(r.updated_at == 1600000500);
    CHECK(r.version == 2);
    auto const& m = r.metadata;
    CHECK(m.token_endpoint_auth_method == auth_method::tls_client_auth);
    CHECK_FALSE(m.tls_client_auth); // none was stored; the row stays readable
    CHECK_FALSE(m.tls_client_auth_value);
    CHECK_FALSE(m.client_name); // an empty stored string reads as absent
    CHECK(m.redirect_uris == std::vector<std::string>{"https://old.example.com/cb"});
}
