// libFuzzer target: raw HTTP/1.1 request bytes, split by a tiny parser into an
// oauthreg::http_request, answered by <oauthreg/http.hpp> over one in-memory
// registry that lives across inputs. Never a crash; every status is one of
// docs/http.md's; every body is one well-formed JSON object, or empty for 204.
#include <oauthreg/http.hpp>

#include <oauthreg/testing/deterministic_rng.hpp>
#include <oauthreg/storage/memory.hpp>

#include <boost/json/parse.hpp>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

using fuzz_registry = oauthreg::basic_registry<oauthreg::memory_storage_st,
                                               oauthreg::deterministic_rng_for_testing_only, oauthreg::manual_clock>;

namespace {

/** "Name: value" lines up to the blank line; the two headers the handler reads. */
oauthreg::http_request parse(std::string_view in)
{
    oauthreg::http_request req;
    auto const head_end = in.find("\r\n\r\n");
    std::string_view head = in.substr(0, head_end);
    req.body = head_end == std::string_view::npos ? std::string_view{} : in.substr(head_end + 4);
    auto const line_end = head.find("\r\n");
    std::string_view start = head.substr(0, line_end);
    head = line_end == std::string_view::npos ? std::string_view{} : head.substr(line_end + 2);
    auto const sp1 = start.find(' ');
    req.method = start.substr(0, sp1);
    if (sp1 != std::string_view::npos) {
        auto rest = start.substr(sp1 + 1);
        req.target = rest.substr(0, rest.find(' '));
    }
    bool seen_authorization = false;
    while (!head.empty()) {
        auto const e = head.find("\r\n");
        auto const line = head.substr(0, e);
        head = e == std::string_view::npos ? std::string_view{} : head.substr(e + 2);
        auto const colon = line.find(':');
        if (colon == std::string_view::npos)
            continue;
        std::string name(line.substr(0, colon));
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
        auto value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ')
            value.remove_prefix(1);
        if (name == "authorization") {
            // As serve does: the first value, and a flag when there are more.
            req.authorization_repeated = seen_authorization;
            if (!seen_authorization)
                req.authorization = value;
            seen_authorization = true;
        } else if (name == "content-type")
            req.content_type = value;
        else if (name == "x-over-limit") // lets the fuzzer play the host that stopped reading a body
            req.body_over_limit = true;
    }
    return req;
}

bool known_status(unsigned s)
{
    // 403: a key whose role does not fit the route (POST /oauth/client_check), or a quota;
    // 502: a Client ID Metadata Document that cannot be fetched.
    for (unsigned k : {200u, 201u, 204u, 400u, 401u, 403u, 404u, 409u, 413u, 415u, 422u, 500u, 502u})
        if (s == k)
            return true;
    return false;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    static std::unique_ptr<fuzz_registry> reg;
    static std::unique_ptr<oauthreg::basic_http_handler<fuzz_registry>> http;
    if (!reg || reg->storage().size() > 100000) {
        http.reset();
        reg = std::make_unique<fuzz_registry>(oauthreg::http_registry_options("https://reg.example.com/base"));
        oauthreg::api_keys keys;
        keys.add("k1", {"org-a", "u1"});
        keys.add("k2", {"org-b", "u2"});
        http = std::make_unique<oauthreg::basic_http_handler<fuzz_registry>>(*reg, std::move(keys),
                                                                             "https://reg.example.com/base/");
    }
    std::string_view const input(reinterpret_cast<char const*>(data), size);
    auto const res = (*http)(parse(input));
    if (!known_status(res.status))
        std::abort();
    if (res.status == 204) {
        if (!res.body.empty())
            std::abort();
        return 0;
    }
    boost::system::error_code ec;
    auto v = boost::json::parse(res.body, ec); // also refuses invalid UTF-8
    if (ec || !v.is_object())
        std::abort();
    bool const json_type = std::any_of(res.headers.begin(), res.headers.end(), [](auto const& h) {
        return h.first == "Content-Type" && h.second == "application/json";
    });
    if (!json_type)
        std::abort();
    return 0;
}
