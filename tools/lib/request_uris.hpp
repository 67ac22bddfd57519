// The URI-valued members of a registration request, shared by `oauthreg bench`
// and the micro-benchmarks so that both floors parse the URIs validation parses.
#ifndef OAUTHREG_TOOLS_LIB_REQUEST_URIS_HPP
#define OAUTHREG_TOOLS_LIB_REQUEST_URIS_HPP

#include <boost/json/object.hpp>

#include <string_view>

namespace oauthreg::cli {

/** Members whose string value validation parses as a URI (RFC 7591 2): the web
    URIs and their localized variants (2.2); `redirect_uris` holds an array of them. */
inline bool is_uri_member(std::string_view key) noexcept
{
    auto const base = key.substr(0, key.find('#'));
    return base == "client_uri" || base == "logo_uri" || base == "tos_uri" || base == "policy_uri" || key == "jwks_uri";
}

/** Calls `f(std::string_view)` with every URI string of the request `o`, in
    member order: each element of `redirect_uris`, and each member is_uri_member names. */
template <class F> void for_each_request_uri(boost::json::object const& o, F&& f)
{
    auto const visit = [&](boost::json::value const& v) {
        if (auto const* s = v.if_string())
            f(std::string_view(s->data(), s->size()));
    };
    for (auto const& m : o) {
        std::string_view const key(m.key().data(), m.key().size());
        if (key == "redirect_uris") {
            if (auto const* a = m.value().if_array())
                for (auto const& e : *a)
                    visit(e);
        } else if (is_uri_member(key)) {
            visit(m.value());
        }
    }
}

} // namespace oauthreg::cli

#endif
