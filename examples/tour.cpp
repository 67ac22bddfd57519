#include <oauthreg/oauthreg.hpp>

#include <boost/json/serialize.hpp>

#include <iostream>

int main()
{
    // 1. Validate a registration request (RFC 7591) under the default profile.
    auto md = oauthreg::validate_request(R"({"redirect_uris":["https://app.example.com/cb#x"]})");
    if (!md) // error_info: the RFC 7591 code, the field, a description
        std::cout << md.error().rfc_code() << ": " << md.error().description << "\n";

    // 2. Register, authenticate and look up clients (in-memory store, OS CSPRNG).
    oauthreg::registry reg;
    auto r = reg.register_client(R"({"redirect_uris":["https://app.example.com/cb"],"client_name":"Demo"})",
                                 {.org_id = "org-1", .user_id = "user-1"});
    if (!r)
        return 1;
    std::cout << boost::json::serialize(oauthreg::registration_response(*r)) << "\n";

    bool ok = reg.authenticate(r->record.client_id, *r->client_secret).has_value();
    bool redirect_ok = reg.match_redirect_uri(r->record.client_id, "https://app.example.com/cb").value();
    auto record = reg.find(r->record.client_id).value(); // no secret in here: only its hash
    std::cout << boost::json::serialize(oauthreg::with_data_envelope(oauthreg::oauth_client(record))) << "\n";

    // 3. The record's own API: create in the oauth_client shape, patch, list a page.
    oauthreg::owner const caller{.org_id = "org-1", .user_id = "user-1"};
    auto c = reg.create_client(R"({"name":"CLI","allowed_scopes":["read"],"client_type":"public",)"
                               R"("allowed_grant_types":["authorization_code"],"redirect_uris":["http://127.0.0.1/cb"]})",
                               caller);
    auto bad = reg.patch(c->record.client_id, R"({"redirect_uris":[]})", caller); // code grant needs one
    std::cout << boost::json::serialize(oauthreg::errors_document(bad.error())) << "\n"; // pointer /redirect_uris
    oauthreg::client_page_query q;
    q.owner.org_id = "org-1"; // the caller's organization
    q.name_contains = "cli";  // ASCII case-insensitive
    auto page = reg.page(q).value();
    std::cout << boost::json::serialize(oauthreg::page_response(page)) << "\n";
    return ok && redirect_ok && c && page.total_results == 1 ? 0 : 1;
}
