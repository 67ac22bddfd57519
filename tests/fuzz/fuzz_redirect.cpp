// libFuzzer target: redirect URI checks and matching. The input is split in
// two at the first newline: a registered URI and a requested one.
#include <oauthreg/detail/redirect_match.hpp>
#include <oauthreg/detail/uri_rules.hpp>

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    std::string_view in(reinterpret_cast<char const*>(data), size);
    auto nl = in.find('\n');
    auto registered = in.substr(0, nl);
    auto requested = nl == std::string_view::npos ? registered : in.substr(nl + 1);
    oauthreg::redirect_uri_rules rules;
    bool const valid = !oauthreg::detail::check_redirect_uri(registered, rules, 4096);
    (void)oauthreg::detail::check_web_uri(registered, false, 4096);
    // an exact copy always matches; a URI that passed the rules has no fragment
    if (!oauthreg::detail::redirect_uri_matches(registered, registered))
        std::abort();
    bool const m = oauthreg::detail::redirect_uri_matches(registered, requested);
    if (valid && m && requested.find('#') != std::string_view::npos)
        std::abort();
    return 0;
}
