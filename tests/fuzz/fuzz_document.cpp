// libFuzzer target: the Client ID Metadata Document path and the client
// check's body. The input is four newline-separated parts: a Cache-Control
// value, an Expires value, a client id (used as the document's URL when it is
// a Client Identifier URL) and the document body, which is also read as a
// client check body and as a client assertion.
#include <oauthreg/client_check.hpp>
#include <oauthreg/detail/http_client_check.hpp>
#include <oauthreg/metadata_document.hpp>

#include <boost/json/object.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

std::string_view take_line(std::string_view& in)
{
    auto const nl = in.find('\n');
    auto const line = in.substr(0, nl);
    in = nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1);
    return line;
}

/** What every accepted document must be (draft section 4.1). */
void check_accepted(oauthreg::client_record const& rec, std::string_view url, std::size_t body_size)
{
    using namespace oauthreg;
    auto const method = rec.metadata.token_endpoint_auth_method;
    if (rec.client_id != url || body_size > 5120 || uses_client_secret(method) || rec.client_secret_hash ||
        rec.origin != client_origin::metadata_document || !rec.owner.org_id.empty())
        std::abort();
    auto const& grants = rec.metadata.grant_types;
    if (std::find(grants.begin(), grants.end(), grant_type::client_credentials) != grants.end())
        std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    using namespace oauthreg;
    std::string_view in(reinterpret_cast<char const*>(data), size);
    auto const cache_control = take_line(in), expires = take_line(in), id = take_line(in);
    std::string_view const url = is_client_id_url(id) ? id : "https://app.example/client.json";

    auto const ttl = detail::document_lifetime(cache_control, expires, 1700000000, 60, 86400);
    if (ttl < 60 || ttl > 86400)
        std::abort();

    fetched_resource got;
    got.status = 200;
    got.body = std::string(in);
    got.cache_control = std::string(cache_control);
    auto rec = read_metadata_document(url, got, profile::default_profile(), {}, 1700000000);
    if (rec)
        check_accepted(*rec, url, in.size());

    boost::json::object doc;
    client_check_request q;
    if (!detail::read_client_check(in, 32, doc, q) && q.client_id.empty())
        std::abort(); // a body read as good always names a client
    static boost::json::object const no_keys{{"keys", boost::json::array{}}};
    auto v = detail::verify_client_assertion(in, no_keys, {url, "https://as.example", 1700000000});
    if (v)
        std::abort(); // no key verifies anything
    return 0;
}
