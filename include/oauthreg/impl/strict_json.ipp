//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
// The body of detail/strict_json.hpp's parse_strict: the one instantiation of
// Boost.JSON's basic_parser over strict_value_handler. Header-only, the header
// includes it; compiled (OAUTHREG_SEPARATE_COMPILATION), only src.hpp does.
//
#ifndef OAUTHREG_IMPL_STRICT_JSON_IPP
#define OAUTHREG_IMPL_STRICT_JSON_IPP

#include <boost/json/basic_parser_impl.hpp>

namespace oauthreg::detail {

strict_parse_result parse_strict(std::string_view text, std::size_t max_depth, std::size_t max_members)
{
    boost::json::parse_options opt;
    opt.max_depth = max_depth;
    boost::json::basic_parser<strict_value_handler> p(opt);
    p.handler().max_members = max_members;
    strict_parse_result out;
    auto n = p.write_some(false, text.data(), text.size(), out.ec);
    if (p.handler().too_many_members) {
        out.too_many_members = true;
        return out;
    }
    if (p.handler().duplicate) {
        out.duplicate = std::move(p.handler().duplicate);
        return out;
    }
    if (out.ec)
        return out;
    if (n != text.size()) {
        out.ec = boost::json::error::extra_data;
        return out;
    }
    out.value = p.handler().st.release();
    return out;
}

} // namespace oauthreg::detail

#endif
