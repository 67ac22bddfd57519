//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
// The bodies of record_request.hpp: the record body read as strictly as an
// RFC 7591 one, then the rules of impl/rules.ipp. Header-only, the header
// includes it; compiled (OAUTHREG_SEPARATE_COMPILATION), only src.hpp does.
//
#ifndef OAUTHREG_IMPL_RECORD_REQUEST_IPP
#define OAUTHREG_IMPL_RECORD_REQUEST_IPP

#include <oauthreg/detail/request_parser.hpp>
#include <oauthreg/detail/strict_json.hpp>
#include <oauthreg/validate_metadata.hpp>

// The rules' helpers (indexed, count_scope_tokens), after the declaration of
// validate_metadata that rules.ipp defines.
#include <oauthreg/impl/rules.ipp>

#include <boost/json/error.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace oauthreg {

namespace detail {

enum class record_mode : std::uint8_t { create, patch };

/** The record's members (the seed's `oauth_client`): the four required ones first. */
inline constexpr std::array<std::string_view, 9> record_members{
    "name",     "allowed_scopes", "client_type", "allowed_grant_types", "redirect_uris",
    "logo_uri", "tos_uri",        "policy_uri",  "require_pkce"};

/** An error of the RFC 7591 rules, named in the record's terms: `client_name`
    is `name`, `scope` is `allowed_scopes`, `grant_types[2]` is
    `allowed_grant_types[2]`, the auth method is `client_type`. */
inline error_info in_record_terms(error_info e)
{
    std::string_view const f = e.field;
    std::string to;
    if (f == "client_name")
        to = "name";
    else if (f == "scope")
        to = "allowed_scopes";
    else if (f.starts_with("grant_types"))
        to = "allowed_" + std::string(f);
    else if (f.starts_with("response_types"))
        to = "allowed_grant_types"; // response types follow the grant types here
    else if (f == "token_endpoint_auth_method")
        to = "client_type";
    else
        return e;
    if (e.description.starts_with(f))
        e.description.replace(0, f.size(), to);
    e.field = std::move(to);
    return e;
}

/** The secret-using method a confidential client gets: the first the profile allows. */
inline std::optional<auth_method> confidential_auth_method(profile const& prof) noexcept
{
    for (auto m : {auth_method::client_secret_basic, auth_method::client_secret_post, auth_method::client_secret_jwt})
        if (prof.auth_methods.contains(m))
            return m;
    return std::nullopt;
}

/** RFC 7591 2.1 as the record applies it: response types follow the grant
    types, `code` with authorization_code and `token` with implicit. */
inline void derive_response_types(client_metadata& md)
{
    md.response_types.clear();
    if (md.has_grant(grant_type::authorization_code))
        md.response_types.push_back(response_type::code);
    if (md.has_grant(grant_type::implicit))
        md.response_types.push_back(response_type::token);
}

/** Reads the record's members into `md` and `out`: types and limits here,
    the metadata rules later, by validate_metadata. `null` leaves an optional
    member out (create) or removes it (patch). */
class record_body_reader {
public:
    record_body_reader(profile const& prof, record_mode mode, client_metadata& md, record_request& out)
        : prof_(prof), lim_(prof.limits), mode_(mode), md_(md), out_(out)
    {}

    std::optional<error_info> read(boost::json::object const& body)
    {
        for (auto const& kv : body) {
            std::string_view const k(kv.key().data(), kv.key().size());
            if (auto e = member(k, kv.value()))
                return e;
        }
        if (mode_ == record_mode::create)
            for (std::size_t i = 0; i < 4; ++i)
                if (auto const* v = body.if_contains(record_members[i]); !v || v->is_null())
                    return make_error(error::member_missing, record_members[i]);
        return std::nullopt;
    }

    bool grants_changed = false;
    std::optional<client_type> type;

private:
    std::optional<error_info> member(std::string_view k, boost::json::value const& v)
    {
        if (k == "client_type" && mode_ == record_mode::patch)
            return make_error(error::unknown_member, k, "client_type cannot be changed");
        if (v.is_null()) {
            if (k == "redirect_uris")
                md_.redirect_uris.clear();
            else if (auto* s = uri_member(k))
                s->reset();
            else if (std::find(record_members.begin(), record_members.end(), k) == record_members.end())
                return make_error(error::unknown_member, clip(k));
            else if (mode_ == record_mode::patch)
                return make_error(error::wrong_type, k,
                                  "only logo_uri, tos_uri, policy_uri and redirect_uris can be removed");
            return std::nullopt;
        }
        if (k == "name")
            return name(v);
        if (k == "allowed_scopes")
            return scopes(v);
        if (k == "client_type")
            return client_type_of(v);
        if (k == "allowed_grant_types")
            return grants(v);
        if (k == "redirect_uris")
            return redirect_uris(v);
        if (k == "require_pkce") {
            if (!v.is_bool())
                return make_error(error::wrong_type, k, "expected true or false");
            out_.require_pkce = v.get_bool();
            return std::nullopt;
        }
        if (auto* s = uri_member(k)) {
            auto const* str = v.if_string();
            if (!str)
                return make_error(error::wrong_type, k, "expected a string");
            if (str->size() > lim_.max_uri_length)
                return make_error(error::invalid_uri, k, "longer than the profile allows");
            s->emplace(std::string_view(*str));
            return std::nullopt;
        }
        return make_error(error::unknown_member, clip(k));
    }

    optional_string* uri_member(std::string_view k) noexcept
    {
        return k == "logo_uri"     ? &md_.logo_uri
               : k == "tos_uri"    ? &md_.tos_uri
               : k == "policy_uri" ? &md_.policy_uri
                                   : nullptr;
    }

    std::optional<error_info> name(boost::json::value const& v)
    {
        auto const* s = v.if_string();
        if (!s)
            return make_error(error::wrong_type, "name", "expected a string");
        if (s->size() > lim_.max_string_length)
            return make_error(error::string_too_long, "name", "longer than the profile allows");
        md_.client_name.emplace(std::string_view(*s)); // display-text rule: validate_metadata
        return std::nullopt;
    }

    /** The array of a list member, within `max` elements, each a string. */
    std::optional<error_info> string_array(boost::json::value const& v, std::string_view member, std::size_t max,
                                           error too_long, error wrong, boost::json::array const*& out)
    {
        out = v.if_array();
        if (!out)
            return make_error(wrong, member, "expected an array of strings");
        if (out->size() > max)
            return make_error(too_long, member, "longer than the profile allows");
        for (std::size_t i = 0; i < out->size(); ++i)
            if (!(*out)[i].is_string())
                return make_error(wrong, indexed(member, i), "expected a string");
        return std::nullopt;
    }

    std::optional<error_info> scopes(boost::json::value const& v)
    {
        boost::json::array const* a = nullptr;
        if (auto e = string_array(v, "allowed_scopes", lim_.max_scope_tokens, error::too_many_scope_tokens,
                                  error::wrong_type, a))
            return e;
        std::string joined;
        for (std::size_t i = 0; i < a->size(); ++i) {
            std::string_view const tok((*a)[i].get_string());
            // RFC 6749 3.3: each element is one scope-token.
            if (tok.size() > lim_.max_string_length || count_scope_tokens(tok) != 1)
                return make_error(error::invalid_scope, indexed("allowed_scopes", i),
                                  "not a scope token (RFC 6749 3.3)");
            if (prof_.scope_allowlist && !prof_.scope_allowlist->contains(std::string(tok)))
                return make_error(error::scope_not_allowed, indexed("allowed_scopes", i), clip(tok));
            if (scope_listed(joined, tok))
                continue; // a repeated scope adds nothing
            if (!joined.empty())
                joined += ' ';
            joined += tok;
        }
        if (joined.size() > lim_.max_string_length)
            return make_error(error::string_too_long, "allowed_scopes", "longer than the profile allows");
        if (joined.empty())
            md_.scope.reset();
        else
            md_.scope.emplace(joined);
        return std::nullopt;
    }

    static bool scope_listed(std::string_view joined, std::string_view tok) noexcept
    {
        return !each_scope_token(joined, [&](std::string_view t) { return t != tok; });
    }

    std::optional<error_info> client_type_of(boost::json::value const& v)
    {
        auto const* s = v.if_string();
        if (!s)
            return make_error(error::wrong_type, "client_type", "expected a string");
        if (*s == "public")
            type = client_type::public_client;
        else if (*s == "confidential")
            type = client_type::confidential;
        else
            return make_error(error::invalid_client_type, "client_type", clip(std::string_view(*s)));
        return std::nullopt;
    }

    std::optional<error_info> grants(boost::json::value const& v)
    {
        boost::json::array const* a = nullptr;
        if (auto e = string_array(v, "allowed_grant_types", lim_.max_array_length, error::array_too_long,
                                  error::wrong_type, a))
            return e;
        grant_type_list list;
        for (std::size_t i = 0; i < a->size(); ++i) {
            std::string_view const s((*a)[i].get_string());
            auto g = parse_grant_type(s);
            if (!g || !prof_.grant_types.contains(*g))
                return make_error(error::unsupported_grant_type, indexed("allowed_grant_types", i), clip(s));
            add_once(list, *g);
        }
        if (list.empty())
            return make_error(error::empty_grant_types, "allowed_grant_types", "name at least one grant type");
        md_.grant_types = list;
        grants_changed = true;
        return std::nullopt;
    }

    std::optional<error_info> redirect_uris(boost::json::value const& v)
    {
        boost::json::array const* a = nullptr;
        if (auto e = string_array(v, "redirect_uris", lim_.max_redirect_uris, error::too_many_redirect_uris,
                                  error::redirect_uris_wrong_type, a))
            return e;
        std::vector<std::string_view> uris;
        uris.reserve(a->size());
        for (auto const& u : *a)
            uris.emplace_back(u.get_string());
        md_.redirect_uris.assign(uris.begin(), uris.end()); // URI rules: validate_metadata
        return std::nullopt;
    }

    profile const& prof_;
    limits const& lim_;
    record_mode mode_;
    client_metadata& md_;
    record_request& out_;
};

/** Parses a record body as strictly as an RFC 7591 one: one JSON object
    within the profile's limits, valid UTF-8, no member named twice. */
inline result<boost::json::object> parse_record_body(std::string_view body, limits const& lim)
{
    if (body.size() > lim.max_body_bytes)
        return make_error(error::body_too_large, "", "larger than the profile's max_body_bytes");
    auto parsed = parse_strict(body, lim.max_depth, lim.max_members);
    if (parsed.too_many_members)
        return make_error(error::too_many_members, "", "");
    if (parsed.duplicate)
        return make_error(error::duplicate_member, clip(parsed.duplicate->name), "");
    if (parsed.ec == boost::json::error::too_deep)
        return make_error(error::nesting_too_deep, "", "deeper than the profile's max_depth");
    if (!parsed.value)
        return make_error(error::malformed_json, "", parsed.ec.message());
    if (!parsed.value->is_object())
        return make_error(error::body_not_object, "", "");
    return std::move(parsed.value->as_object());
}

/** Reads a record body into `md` (empty for create, the stored metadata for a
    patch) and runs the RFC 7591 rules on the result. */
inline result<record_request> read_record(std::string_view body, profile const& prof, record_mode mode,
                                          client_metadata md, bool stored_require_pkce = true)
{
    auto obj = parse_record_body(body, prof.limits);
    if (!obj)
        return obj.error();
    record_request out;
    record_body_reader reader(prof, mode, md, out);
    if (auto e = reader.read(*obj))
        return *e;
    if (reader.type == client_type::public_client) {
        // A public client does not authenticate: token_endpoint_auth_method none (RFC 7591 2).
        md.token_endpoint_auth_method = auth_method::none;
    } else if (reader.type == client_type::confidential) {
        auto m = confidential_auth_method(prof);
        if (!m)
            return make_error(error::unsupported_auth_method, "client_type", "the profile allows no secret method");
        md.token_endpoint_auth_method = *m;
    }
    if (reader.grants_changed)
        derive_response_types(md);
    // RFC 9700 2.1.1: public clients MUST use PKCE.
    bool const pkce = out.require_pkce.value_or(mode == record_mode::patch ? stored_require_pkce : true);
    if (md.is_public() && !pkce)
        return make_error(error::public_client_pkce, "require_pkce", "RFC 9700 2.1.1");
    auto valid = validate_metadata(md, prof);
    if (!valid)
        return in_record_terms(valid.error());
    out.metadata = std::move(*valid);
    return out;
}

} // namespace detail

result<record_request> validate_record(std::string_view body, profile const& prof)
{
    return detail::read_record(body, prof, detail::record_mode::create, client_metadata{});
}

result<record_request> validate_record_patch(std::string_view body, client_metadata const& stored,
                                             bool stored_require_pkce, profile const& prof)
{
    return detail::read_record(body, prof, detail::record_mode::patch, stored, stored_require_pkce);
}

} // namespace oauthreg

#endif
