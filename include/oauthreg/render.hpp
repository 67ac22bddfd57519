//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_RENDER_HPP
#define OAUTHREG_RENDER_HPP

#include <oauthreg/client_page.hpp>
#include <oauthreg/detail/strict_json.hpp>
#include <oauthreg/error.hpp>
#include <oauthreg/metadata.hpp>
#include <oauthreg/record.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace oauthreg {

namespace detail {

template <class Strings> boost::json::array string_array(Strings const& v)
{
    boost::json::array a;
    a.reserve(v.size());
    for (auto const& s : v)
        a.emplace_back(s);
    return a;
}

template <class List> boost::json::array enum_array(List const& v)
{
    boost::json::array a;
    a.reserve(v.size());
    for (auto e : v)
        a.emplace_back(to_string(e));
    return a;
}

/** `{"error": code, "error_description": description}`, the RFC 7591 3.2.2
    shape: the one builder behind @ref error_response and the HTTP layer's
    own errors on the RFC 7591/7592 routes. */
inline boost::json::object error_object(std::string_view code, std::string_view description)
{
    boost::json::object o;
    o["error"] = code;
    o["error_description"] = description;
    return o;
}

/** The members both renderings end with: keys, software identity, the
    statement, application_type, the localized values (RFC 7591 2, 2.2, 2.3)
    and the certificate subject (RFC 8705 2.1.2).
    @param o the object to add them to
    @param md the metadata */
inline void append_key_and_software_members(boost::json::object& o, client_metadata const& md)
{
    detail::put(o, "jwks_uri", md.jwks_uri);
    // Rendering never throws: decode_record refuses a stored jwks that is not
    // JSON, so only a record built by hand can hold one, and it is left out.
    if (md.jwks)
        if (auto jwks = parse_stored(*md.jwks))
            o["jwks"] = std::move(*jwks);
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
    if (md.tls_client_auth) // RFC 8705 2.1.2
        o[to_string(*md.tls_client_auth)] = *md.tls_client_auth_value;
}

} // namespace detail

/** Write the client metadata members (RFC 7591 section 2) into `o`, defaults
    applied, localized variants as `member#tag` (RFC 7591 2.2).
    @param o the object to add them to
    @param md the metadata */
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
    detail::append_key_and_software_members(o, md);
}

/** The normalized metadata as a JSON object (what `oauthreg validate` prints).
    @param md the metadata
    @return the object */
inline boost::json::object to_json(client_metadata const& md)
{
    boost::json::object o;
    append_metadata(o, md);
    return o;
}

namespace detail {

/** @return a view of `v`'s string, if it holds one */
template <class T> std::optional<std::string_view> view_of(std::optional<T> const& v)
{
    if (v)
        return std::string_view(*v);
    return std::nullopt;
}

/** The one writer of the client information response, behind both
    registration_response overloads. */
inline boost::json::object registration_object(client_record const& rec, std::optional<std::string_view> client_secret,
                                               std::optional<std::string_view> registration_access_token,
                                               std::optional<std::string_view> registration_client_uri)
{
    boost::json::object o;
    o["client_id"] = rec.client_id;
    o["client_id_issued_at"] = rec.created_at;
    if (rec.last_used_at != 0) // omitted until the first use (docs/open-registration.md)
        o["last_used_at"] = rec.last_used_at;
    if (client_secret)
        o["client_secret"] = *client_secret;
    if (rec.client_secret_hash)
        o["client_secret_expires_at"] = rec.client_secret_expires_at;
    if (registration_access_token)
        o["registration_access_token"] = *registration_access_token;
    if (registration_client_uri)
        o["registration_client_uri"] = *registration_client_uri;
    append_metadata(o, rec.metadata);
    return o;
}

} // namespace detail

/** The RFC 7591 3.2.1 client information response (and the RFC 7592 read and
    update response) for what a registry call returned: `client_id`,
    `client_id_issued_at`, the secret when this call issued one,
    `client_secret_expires_at` for clients with a secret, every registered
    metadata member, and `registration_access_token` with
    `registration_client_uri` when the registry has a `registration_base_uri`.
    Every credential the call made is in it, so none can be left out by
    mistake; to render a stored record without credentials, pass
    `registration{.record = rec}`.
    @param r what register_client, read_registration, update_registration
    (or update, register_metadata, create_client) returned
    @return the response object

    @par Specification
    RFC 7591 3.2.1; RFC 7592 3.

    @par Example
    <!-- example: body; given: oauthreg::registry reg; std::string_view body; -->
    @code
    auto r = reg.register_client(body);
    boost::json::object answer = r ? oauthreg::registration_response(*r) : oauthreg::error_response(r.error());
    @endcode
*/
inline boost::json::object registration_response(registration const& r)
{
    return detail::registration_object(r.record, detail::view_of(r.client_secret),
                                       detail::view_of(r.registration_access_token),
                                       detail::view_of(r.registration_client_uri));
}

/** The response of `registration_response(registration const&)` from its
    parts. Deprecated, removed in 0.3: called with a record and a secret, as
    it usually was, it silently leaves out `registration_access_token` and
    `registration_client_uri`, which RFC 7592 3 requires when the registry
    issues them.
    @param rec the stored client
    @param client_secret the secret, only from the call that issued it
    @param registration_access_token the RFC 7592 token, only from the call that issued it
    @param registration_client_uri the RFC 7592 client configuration endpoint
    @return the response object */
[[deprecated("pass the whole registration: registration_response(registration const&)")]] inline boost::json::object
registration_response(client_record const& rec, std::optional<std::string_view> client_secret = std::nullopt,
                      std::optional<std::string_view> registration_access_token = std::nullopt,
                      std::optional<std::string_view> registration_client_uri = std::nullopt)
{
    return detail::registration_object(rec, client_secret, registration_access_token, registration_client_uri);
}

/** The `oauth_client` record: the seed's members in its order, then the rest
    of the registered metadata. An absent optional member (a name, an owner
    left empty by the host, a logo_uri, ...) is left out, never `null`; the
    lists are always there, possibly empty. `client_secret` appears only when
    passed in, that is, in the answer to the registration that created it.
    @param rec the stored client
    @param client_secret the secret, only from the call that issued it
    @return the record object */
inline boost::json::object oauth_client(client_record const& rec,
                                        std::optional<std::string_view> client_secret = std::nullopt)
{
    auto const& md = rec.metadata;
    boost::json::object o;
    o["record_type"] = "oauth_client";
    o["client_id"] = rec.client_id;
    detail::put(o, "name", md.client_name);
    if (!rec.owner.org_id.empty())
        o["org_id"] = rec.owner.org_id;
    if (!rec.owner.user_id.empty())
        o["user_id"] = rec.owner.user_id;
    o["client_type"] = to_string(rec.type());
    o["require_pkce"] = rec.require_pkce;
    o["created_at"] = to_rfc3339(rec.created_at);
    o["updated_at"] = to_rfc3339(rec.updated_at);
    boost::json::array scopes;
    for (auto& t : md.scope_tokens())
        scopes.emplace_back(t);
    o["allowed_scopes"] = std::move(scopes);
    o["allowed_grant_types"] = detail::enum_array(md.grant_types);
    o["redirect_uris"] = detail::string_array(md.redirect_uris);
    detail::put(o, "logo_uri", md.logo_uri);
    detail::put(o, "tos_uri", md.tos_uri);
    detail::put(o, "policy_uri", md.policy_uri);
    // The rest of the registered metadata (RFC 7591 2), so nothing registered is hidden.
    o["token_endpoint_auth_method"] = to_string(md.token_endpoint_auth_method);
    o["response_types"] = detail::enum_array(md.response_types);
    detail::put(o, "client_uri", md.client_uri);
    if (!md.contacts.empty())
        o["contacts"] = detail::string_array(md.contacts);
    detail::append_key_and_software_members(o, md);
    o["client_id_issued_at"] = rec.created_at;
    if (rec.client_secret_hash)
        o["client_secret_expires_at"] = rec.client_secret_expires_at;
    o["origin"] = to_string(rec.origin);
    if (rec.last_used_at != 0) // omitted until the first use (docs/open-registration.md)
        o["last_used_at"] = to_rfc3339(rec.last_used_at);
    if (client_secret)
        o["client_secret"] = *client_secret;
    return o;
}

/** `{"data": record}`, the envelope of the retrieve-client API.
    @param record what goes in `data`
    @return the envelope */
inline boost::json::object with_data_envelope(boost::json::object record)
{
    boost::json::object o;
    o["data"] = std::move(record);
    return o;
}

/** A page of the record API: `{"data": [oauth_client...], "meta":
    {"page_number", "page_size", "total_pages", "total_results"}}`.
    @param page the page, as @ref page_clients returned it
    @return the response object; each client rendered by @ref oauth_client, without secret */
inline boost::json::object page_response(client_page const& page)
{
    boost::json::array data;
    data.reserve(page.clients.size());
    for (auto const& c : page.clients)
        data.emplace_back(oauth_client(c));
    boost::json::object meta;
    meta["page_number"] = page.page_number;
    meta["page_size"] = page.page_size;
    meta["total_pages"] = page.total_pages;
    meta["total_results"] = page.total_results;
    boost::json::object o;
    o["data"] = std::move(data);
    o["meta"] = std::move(meta);
    return o;
}

/** The RFC 7591 3.2.2 error response: `{"error", "error_description"}`.
    @param e the error
    @return the response object: `error` is the wire code, `error_description` the description */
inline boost::json::object error_response(error_info const& e)
{
    return detail::error_object(e.rfc_code(), e.description);
}

/** An error's field as an RFC 6901 JSON pointer: `redirect_uris[1]` is
    `/redirect_uris/1`, `name` is `/name`, no field is "" (the whole body).
    `~` and `/` in a member name are escaped as `~0` and `~1` (RFC 6901 3).
    @param field the error's field, as error_info names it
    @return the JSON pointer, "" for an empty field */
inline std::string json_pointer(std::string_view field)
{
    std::string out;
    if (field.empty())
        return out;
    out.reserve(field.size() + 4);
    out += '/';
    for (std::size_t i = 0; i < field.size(); ++i) {
        char const c = field[i];
        if (c == '[') { // an index, "[12]", is a reference token of its own
            auto const close = field.find(']', i);
            auto const digits = field.substr(i + 1, close == field.npos ? 0 : close - i - 1);
            if (!digits.empty() && digits.find_first_not_of("0123456789") == digits.npos) {
                out += '/';
                out += digits;
                i = close;
                continue;
            }
        }
        if (c == '~')
            out += "~0";
        else if (c == '/')
            out += "~1";
        else
            out += c;
    }
    return out;
}

/** The record API's error document, from the same error_info:
    `{"errors": [{"code", "title", "detail", "source": {"pointer"}}]}`;
    `code` is the wire code (`invalid_redirect_uri`), `title` the error's
    message, `detail` the description; `source` only when a field is at fault.
    @param e the error
    @return the document, with one error in `errors` */
inline boost::json::object errors_document(error_info const& e)
{
    boost::json::object item;
    item["code"] = e.rfc_code();
    item["title"] = e.code.message();
    item["detail"] = e.description;
    if (!e.field.empty()) {
        boost::json::object source;
        source["pointer"] = json_pointer(e.field);
        item["source"] = std::move(source);
    }
    boost::json::array errors;
    errors.emplace_back(std::move(item));
    boost::json::object o;
    o["errors"] = std::move(errors);
    return o;
}

} // namespace oauthreg

#endif
