// Embedding the whole registration API in a host server, without any networking.
//
// The host owns sockets, TLS and its HTTP parser (Beast, Drogon, Crow, a
// FastCGI bridge...). For each request it fills an oauthreg::http_request
// (method, target, the Authorization and Content-Type headers, the body) and
// sends back the status, headers and body of the oauthreg::http_response.
// Routes, keys, statuses and error envelopes are those of docs/http.md.
#include <oauthreg/http.hpp>
#include <oauthreg/registry.hpp>

#include <boost/json/parse.hpp>

#include <cstdlib>
#include <iostream>
#include <string>

// Checks that run in every build type (assert vanishes under NDEBUG).
static void expect(bool ok, char const* what)
{
    if (!ok) {
        std::cerr << "embed_server: unexpected answer: " << what << "\n";
        std::exit(1);
    }
}

int main()
{
    std::string const public_url = "https://reg.example.com";
    oauthreg::registry reg(oauthreg::http_registry_options(public_url));
    oauthreg::api_keys keys;
    keys.add("alice-key-0123456789", {"org-1", "alice"});
    keys.add("mallory-key-0123456789", {"org-2", "mallory"});
    oauthreg::basic_http_handler http(reg, std::move(keys), public_url);

    // What a host does with each request its own stack parsed.
    auto serve = [&](std::string_view method, std::string_view target, std::string_view key, std::string_view body = {}) {
        std::string const auth = key.empty() ? "" : "Bearer " + std::string(key);
        auto res = http({.method = method,
                         .target = target,
                         .authorization = auth,
                         .content_type = body.empty() ? "" : "application/json",
                         .body = body});
        std::cout << method << " " << target << " -> " << res.status << " " << res.body << "\n";
        return res;
    };

    auto created = serve("POST", "/oauth/register", "alice-key-0123456789",
                         R"({"redirect_uris":["https://app.example.com/callback"],"client_name":"My OAuth Application"})");
    expect(created.status == 201, "register");
    auto const reg_json = boost::json::parse(created.body).as_object();
    std::string const id(reg_json.at("client_id").as_string());
    std::string const token(reg_json.at("registration_access_token").as_string());
    std::string const alice = "alice-key-0123456789", mallory = "mallory-key-0123456789";

    auto bad = serve("POST", "/oauth/register", alice, R"({"redirect_uris":["http://app.example.com/cb"]})");
    expect(bad.status == 400, "RFC 7591 3.2.2 invalid_redirect_uri");
    expect(serve("POST", "/oauth/register", "", "{}").status == 401, "no key");
    expect(serve("GET", "/oauth_clients/" + id, alice).status == 200, "retrieve");
    expect(serve("GET", "/oauth_clients/" + id, mallory).status == 404, "another organization's client");
    expect(serve("PUT", "/oauth_clients/" + id, alice, R"({"name":"Renamed"})").status == 200, "partial update");
    expect(serve("GET", "/oauth_clients?page%5Bsize%5D=10", alice).status == 200, "list");
    expect(serve("GET", "/oauth/register/" + id, token).status == 200, "RFC 7592 read");
    expect(serve("DELETE", "/oauth_clients/" + id, alice).status == 204, "delete");
    expect(serve("GET", "/oauth_clients/" + id, alice).status == 404, "deleted");
    expect(serve("GET", "/.well-known/oauth-authorization-server", "").status == 200, "RFC 8414 metadata");
    std::cout << "embed_server: all routes answered as expected\n";
    return 0;
}
