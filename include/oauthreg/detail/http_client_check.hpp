//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_DETAIL_HTTP_CLIENT_CHECK_HPP
#define OAUTHREG_DETAIL_HTTP_CLIENT_CHECK_HPP

// The body of `POST /oauth/client_check` (docs/client-check.md) and what the
// RFC 8414 document says of it.

#include <oauthreg/client_check.hpp>
#include <oauthreg/detail/strict_json.hpp>
#include <oauthreg/profile.hpp>
#include <oauthreg/render.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace oauthreg::detail {

/** The members a client check takes, each an optional string but client_id. */
inline constexpr std::array<std::string_view, 5> client_check_members{
    "client_id", "client_secret", "client_assertion", "client_assertion_type", "redirect_uri"};

/** Reads a client check body into `doc` and `out` (views into `doc`, which
    must not change while `out` is used).
    @return nothing, or why the body is not one (an `invalid_request`) */
inline std::optional<std::string> read_client_check(std::string_view body, std::size_t max_depth,
                                                     boost::json::object& doc, client_check_request& out)
{
    auto parsed = parse_strict(body, max_depth);
    if (!parsed.value || !parsed.value->is_object())
        return "the body must be one JSON object without duplicate members";
    doc = std::move(parsed.value->as_object());
    for (auto const& m : doc) {
        std::string_view const name(m.key().data(), m.key().size());
        bool known = false;
        for (auto k : client_check_members)
            known = known || k == name;
        if (known && !m.value().is_string())
            return std::string(name) + ": must be a string";
    }
    auto text = [&](char const* name) -> std::optional<std::string_view> {
        auto const* v = doc.if_contains(name);
        if (!v)
            return std::nullopt;
        return std::string_view(v->get_string().data(), v->get_string().size());
    };
    auto id = text("client_id");
    if (!id || id->empty())
        return "client_id: required";
    out.client_id = *id;
    out.client_secret = text("client_secret");
    out.client_assertion = text("client_assertion");
    out.client_assertion_type = text("client_assertion_type");
    out.redirect_uri = text("redirect_uri");
    return std::nullopt;
}

/** A checked or resolved client as the client check answers it: the
    `oauth_client` record and the method it authenticates with. */
inline boost::json::object checked_client(client_record const& c)
{
    auto o = oauth_client(c);
    o["token_endpoint_auth_method"] = to_string(c.metadata.token_endpoint_auth_method);
    return o;
}

/** RFC 8414 2 members that follow from the client check: the signing
    algorithms of `private_key_jwt` (when the profile allows it) and whether
    Client ID Metadata Documents resolve (draft section 6). */
inline void add_client_check_metadata(boost::json::object& o, profile const& prof, bool documents)
{
    if (prof.auth_methods.contains(auth_method::private_key_jwt))
        o["token_endpoint_auth_signing_alg_values_supported"] = boost::json::array{"RS256", "PS256", "ES256", "EdDSA"};
    if (documents)
        o["client_id_metadata_document_supported"] = true;
}

} // namespace oauthreg::detail

#endif
