// Embedding oauthreg in a host server, without any networking.
//
// The host owns HTTP, TLS and bearer-token checking; it hands us the method,
// the path, the identity it authenticated and the body, and sends back the
// status code and body we return. Routes, as RFC 7591/7592 and the reference
// API define them:
//   POST   /oauth/register          201 RFC 7591 response, 400 RFC 7591 error
//   GET    /oauth_clients/{id}      200 {"data": oauth_client}, 404
//   PUT    /oauth_clients/{id}      200 RFC 7592 2.2 response, 400, 404
//   DELETE /oauth_clients/{id}      204, 404
//   anything without an identity    401
#include <oauthreg/oauthreg.hpp>

#include <boost/json/serialize.hpp>

#include <cassert>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

struct identity {
    std::string org_id;
    std::string user_id;
};

struct http_response {
    int status;
    std::string body;
};

class registration_endpoint {
public:
    http_response handle(std::string_view method, std::string_view path, std::optional<identity> const& caller,
                         std::string_view body)
    {
        if (!caller) // the host found no valid bearer token
            return {401, R"({"error":"invalid_token"})"};
        if (method == "POST" && path == "/oauth/register") {
            auto r = reg_.register_client(body, {caller->org_id, caller->user_id});
            if (!r)
                return error(400, r.error());
            return {201, json(oauthreg::registration_response(r->record, r->client_secret))};
        }
        constexpr std::string_view prefix = "/oauth_clients/";
        if (!path.starts_with(prefix))
            return {404, R"({"error":"not_found"})"};
        auto id = path.substr(prefix.size());
        // Only the owner's organization may see or change a client.
        auto current = reg_.get(id);
        if (!current || current->owner.org_id != caller->org_id)
            return {404, R"({"error":"not_found","error_description":"client not found"})"};
        if (method == "GET")
            return {200, json(oauthreg::with_data_envelope(oauthreg::oauth_client(*current)))};
        if (method == "PUT") {
            auto r = reg_.update(id, body, current->version);
            if (!r)
                return error(r.error().rfc_code() == "conflict" ? 409 : 400, r.error());
            return {200, json(oauthreg::registration_response(r->record, r->client_secret))};
        }
        if (method == "DELETE") {
            auto r = reg_.remove(id);
            return r ? http_response{204, {}} : error(404, r.error());
        }
        return {405, R"({"error":"invalid_request"})"};
    }

private:
    static std::string json(boost::json::object const& o) { return boost::json::serialize(o); }
    static http_response error(int status, oauthreg::error_info const& e)
    {
        boost::json::object o{{"error", e.rfc_code()}, {"error_description", e.description}};
        return {status, json(o)};
    }

    oauthreg::registry reg_;
};

int main()
{
    registration_endpoint ep;
    identity alice{"org-1", "alice"}, mallory{"org-2", "mallory"};

    auto created =
        ep.handle("POST", "/oauth/register", alice,
                  R"({"redirect_uris":["https://app.example.com/callback"],"client_name":"My OAuth Application"})");
    std::cout << created.status << " " << created.body << "\n";
    assert(created.status == 201);
    auto id = std::string(boost::json::parse(created.body).at("client_id").as_string());

    auto bad = ep.handle("POST", "/oauth/register", alice, R"({"redirect_uris":["http://app.example.com/cb"]})");
    std::cout << bad.status << " " << bad.body << "\n";
    assert(bad.status == 400 && bad.body.find("invalid_redirect_uri") != std::string::npos);

    assert(ep.handle("POST", "/oauth/register", std::nullopt, "{}").status == 401);
    auto got = ep.handle("GET", "/oauth_clients/" + id, alice, "");
    std::cout << got.status << " " << got.body << "\n";
    assert(got.status == 200 && got.body.find("\"record_type\":\"oauth_client\"") != std::string::npos);
    assert(ep.handle("GET", "/oauth_clients/" + id, mallory, "").status == 404); // another organization
    assert(ep.handle("PUT", "/oauth_clients/" + id, alice, R"({"redirect_uris":["https://b.example/cb"]})").status ==
           200);
    assert(ep.handle("DELETE", "/oauth_clients/" + id, alice, "").status == 204);
    assert(ep.handle("GET", "/oauth_clients/" + id, alice, "").status == 404);
    std::cout << "embed_server: all routes answered as expected\n";
    return 0;
}
