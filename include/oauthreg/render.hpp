//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_RENDER_HPP
#define OAUTHREG_RENDER_HPP

#include <oauthreg/metadata.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace oauthreg {

namespace detail {

inline boost::json::array string_array(std::vector<std::string> const& v)
{
    boost::json::array a;
    a.reserve(v.size());
    for (auto const& s : v)
        a.emplace_back(s);
    return a;
}

template <class E> boost::json::array enum_array(std::vector<E> const& v)
{
    boost::json::array a;
    a.reserve(v.size());
    for (auto e : v)
        a.emplace_back(to_string(e));
    return a;
}

inline void put(boost::json::object& o, std::string_view k, std::optional<std::string> const& v)
{
    if (v)
        o[k] = *v;
}

} // namespace detail

/** Write the client metadata members (RFC 7591 section 2) into `o`, defaults
    applied, localized variants as `member#tag` (RFC 7591 2.2). */
inline void append_metadata(boost::json::object& o, client_metadata const& md)
{
    if (!md.redirect_uris.empty())
        o["redirect_uris"] = detail::string_array(md.redirect_uris);
    o["token_endpoint_auth_method"] = to_string(md.token_endpoint_auth_method);
    o["grant_types"] = detail::enum_array(md.grant_types);
    o["response_types"] = detail::enum_array(md.response_types);
    detail::put(o, "client_name", md.client_name);
    detail::put(o, "client_uri", md.client_uri);
    detail::put(o, "logo_uri", md.logo_uri);
    detail::put(o, "scope", md.scope);
    if (!md.contacts.empty())
        o["contacts"] = detail::string_array(md.contacts);
    detail::put(o, "tos_uri", md.tos_uri);
    detail::put(o, "policy_uri", md.policy_uri);
    detail::put(o, "jwks_uri", md.jwks_uri);
    if (md.jwks)
        o["jwks"] = boost::json::parse(*md.jwks);
    detail::put(o, "software_id", md.software_id);
    detail::put(o, "software_version", md.software_version);
    detail::put(o, "software_statement", md.software_statement);
    if (md.app_type)
        o["application_type"] = to_string(*md.app_type);
    for (auto const& lv : md.localized) {
        std::string k(to_string(lv.member));
        k += '#';
        k += lv.language_tag;
        o[k] = lv.value;
    }
}

/** The normalized metadata as a JSON object (what `oauthreg validate` prints). */
inline boost::json::object to_json(client_metadata const& md)
{
    boost::json::object o;
    append_metadata(o, md);
    return o;
}

} // namespace oauthreg

#endif
