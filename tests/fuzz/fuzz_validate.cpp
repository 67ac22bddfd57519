// libFuzzer target: registration parsing and validation, under both profiles.
// Any input must give a value or an error_info, never a crash or UB, and
// check_request must give validate_request's verdict: the same first problem.
#include <oauthreg/render.hpp>
#include <oauthreg/validate.hpp>

#include <boost/json/serialize.hpp>

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    static auto const dflt = oauthreg::profile::default_profile();
    static auto const full = oauthreg::profile::rfc7591();
    std::string_view body(reinterpret_cast<char const*>(data), size);
    for (auto const* prof : {&dflt, &full}) {
        auto r = oauthreg::validate_request(body, *prof);
        auto verdict = oauthreg::check_request(body, *prof);
        if (verdict.has_value() != r.has_value() ||
            (!r && (verdict.error().code != r.error().code || verdict.error().field != r.error().field ||
                    verdict.error().description != r.error().description)))
            std::abort();
        if (r) {
            // a valid request renders, and its rendering validates to the same metadata
            // (a rendering that is not JSON, as Infinity once was, fails here too)
            auto text = boost::json::serialize(oauthreg::to_json(*r));
            auto roomy = *prof; // the defaults the rendering adds may push it past the body limit
            roomy.limits.max_body_bytes *= 2;
            auto again = oauthreg::validate_request(text, roomy);
            if (!again || !(*again == *r))
                std::abort();
        } else if (r.error().description.empty() || r.error().rfc_code() == "server_error") {
            std::abort();
        }
    }
    return 0;
}
