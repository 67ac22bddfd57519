//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
// The rules of RFC 7591 client metadata, as an ordered list of steps
// (apply_rules) over views of a parsed request, each citing the section it
// enforces; one instance fills a client_metadata (validate_request,
// validate_metadata), another only the registered values a verdict needs
// (check_request). No software statement is verified here (impl/validate.ipp
// does that before the rules run), so this needs no public-key cryptography.
//
#ifndef OAUTHREG_IMPL_RULES_IPP
#define OAUTHREG_IMPL_RULES_IPP

#include <oauthreg/detail/jwk.hpp>
#include <oauthreg/detail/language_tag.hpp>
#include <oauthreg/detail/request_parser.hpp>
#include <oauthreg/detail/strict_json.hpp>
#include <oauthreg/detail/text.hpp>
#include <oauthreg/detail/tls_client_auth.hpp>
#include <oauthreg/detail/uri_rules.hpp>

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace oauthreg {
namespace detail {

inline std::string indexed(std::string_view member, std::size_t i)
{
    std::string s(member);
    s += '[';
    s += std::to_string(i);
    s += ']';
    return s;
}

/** RFC 6749 3.3: scope = scope-token *( SP scope-token ),
    scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). Returns the token count, or 0. */
inline std::size_t count_scope_tokens(std::string_view s) noexcept
{
    std::size_t tokens = 0;
    bool in_token = false;
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        if (c == ' ') {
            if (!in_token)
                return 0; // leading or doubled space
            in_token = false;
        } else if (c == 0x21 || (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c <= 0x7E)) {
            if (!in_token)
                ++tokens;
            in_token = true;
        } else {
            return 0;
        }
    }
    return in_token ? tokens : 0; // trailing space or empty
}

/** Parses a list of registered values into `out`, which has room for each
    value once: a repeated value is dropped, so it cannot overflow. */
template <class List, class E, class Parse>
inline std::optional<error_info> parse_enum_list(std::vector<std::string_view> const& in, std::string_view member,
                                                 enum_set<E> allowed, error unsupported, Parse parse, List& out)
{
    for (std::size_t i = 0; i < in.size(); ++i) {
        auto v = parse(in[i]);
        if (!v || !allowed.contains(*v))
            return make_error(unsupported, indexed(member, i), clip(in[i]));
        add_once(out, *v); // a repeated value adds nothing; the first is kept
    }
    return std::nullopt;
}

/** What the steps fill for a verdict alone (check_request): the registered
    values they decide, under the names client_metadata gives them, and none
    of the request's strings. Small and trivially destructible, so judging a
    request allocates nothing. */
struct decided_metadata {
    grant_type_list grant_types;
    response_type_list response_types;
    auth_method token_endpoint_auth_method = auth_method::client_secret_basic;
    std::optional<application_type> app_type;
    std::optional<tls_client_auth_subject> tls_client_auth;

    bool is_public() const noexcept { return token_endpoint_auth_method == auth_method::none; }
    bool has_grant(grant_type g) const noexcept
    {
        return std::find(grant_types.begin(), grant_types.end(), g) != grant_types.end();
    }
};

/** Keeps a checked string in the metadata being built; a verdict alone keeps none.
    @{ */
inline void keep(client_metadata& md, optional_string client_metadata::*m, std::optional<std::string_view> const& v)
{
    if (v)
        (md.*m).emplace(*v);
}
inline void keep(decided_metadata&, optional_string client_metadata::*, std::optional<std::string_view> const&) noexcept {}
inline void keep(client_metadata& md, string_list client_metadata::*m, raw_list const& v)
{
    (md.*m).assign(v.items.begin(), v.items.end());
}
inline void keep(decided_metadata&, string_list client_metadata::*, raw_list const&) noexcept {}
/** @} */

// The steps of apply_rules. Each reads the request, checks one rule of the
// profile and fills its part of the metadata (client_metadata when building,
// decided_metadata for a verdict alone), or returns the problem found.

/** RFC 7591 2.3: a statement reaches here only once validate_request_impl has
    verified it and merged its claims; it is returned unmodified (3.2.1). */
template <class Md>
inline std::optional<error_info> take_software_statement(raw_request const& raw, profile const& prof, Md& md)
{
    if (!raw.software_statement && prof.require_software_statement)
        return make_error(error::software_statement_required, "software_statement");
    keep(md, &client_metadata::software_statement, raw.software_statement);
    return std::nullopt;
}

/** RFC 6749 3.1.2, RFC 8252 7, RFC 9700 2.1: each redirect URI on its own. */
template <class Md>
inline std::optional<error_info> take_redirect_uris(raw_request const& raw, profile const& prof, Md& md)
{
    auto const& uris = raw.redirect_uris.items;
    for (std::size_t i = 0; i < uris.size(); ++i)
        if (auto p = check_redirect_uri(uris[i], prof.redirect_uris, prof.limits.max_uri_length))
            return make_error(p->code, indexed("redirect_uris", i), p->reason);
    keep(md, &client_metadata::redirect_uris, raw.redirect_uris);
    return std::nullopt;
}

/** RFC 7591 2: token_endpoint_auth_method defaults to client_secret_basic. */
template <class Md>
inline std::optional<error_info> take_auth_method(raw_request const& raw, profile const& prof, Md& md)
{
    if (!raw.token_endpoint_auth_method) {
        if (!prof.auth_methods.contains(auth_method::client_secret_basic))
            return make_error(error::unsupported_auth_method, "token_endpoint_auth_method",
                              "the default client_secret_basic is not allowed; name a method");
        return std::nullopt;
    }
    auto m = parse_auth_method(*raw.token_endpoint_auth_method);
    if (!m || !prof.auth_methods.contains(*m))
        return make_error(error::unsupported_auth_method, "token_endpoint_auth_method",
                          clip(*raw.token_endpoint_auth_method));
    md.token_endpoint_auth_method = *m;
    return std::nullopt;
}

/** The table of RFC 7591 2.1: a grant type and the response type that
    require each other. */
struct grant_response_pair {
    grant_type grant;
    response_type response;
    std::string_view why;
};
inline constexpr grant_response_pair grant_response_pairs[] = {
    {grant_type::authorization_code, response_type::code,
     "authorization_code and code require each other (RFC 7591 2.1)"},
    {grant_type::implicit, response_type::token, "implicit and token require each other (RFC 7591 2.1)"},
};

/** RFC 7591 2: grant_types defaults to ["authorization_code"]. */
template <class Md>
inline std::optional<error_info> take_grant_types(raw_request const& raw, profile const& prof, Md& md)
{
    if (!raw.grant_types.present) {
        if (!prof.grant_types.contains(grant_type::authorization_code))
            return make_error(error::unsupported_grant_type, "grant_types",
                              "the default authorization_code is not allowed; name grant types");
        md.grant_types = {grant_type::authorization_code};
        return std::nullopt;
    }
    if (auto e = parse_enum_list(
            raw.grant_types.items, "grant_types", prof.grant_types, error::unsupported_grant_type,
            [](std::string_view s) { return parse_grant_type(s); }, md.grant_types))
        return e;
    if (md.grant_types.empty())
        return make_error(error::empty_grant_types, "grant_types", "omit it for the default");
    return std::nullopt;
}

/** RFC 7591 2: response_types defaults to ["code"]; here the default follows
    the grant types through the table, so the defaults never contradict each
    other (RFC 7591 2.1). */
template <class Md>
inline std::optional<error_info> take_response_types(raw_request const& raw, profile const& prof, Md& md)
{
    if (raw.response_types.present)
        return parse_enum_list(
            raw.response_types.items, "response_types", prof.response_types, error::unsupported_response_type,
            [](std::string_view s) { return parse_response_type(s); }, md.response_types);
    for (auto const& pair : grant_response_pairs)
        if (md.has_grant(pair.grant))
            md.response_types.push_back(pair.response);
    return std::nullopt;
}

/** RFC 7591 2.1: each pair of the table is registered whole or not at all. */
template <class Md>
inline std::optional<error_info> check_grant_response_pairs(raw_request const&, profile const&, Md& md)
{
    auto const& types = md.response_types;
    for (auto const& pair : grant_response_pairs)
        if (md.has_grant(pair.grant) != (std::find(types.begin(), types.end(), pair.response) != types.end()))
            return make_error(error::grant_response_mismatch, "response_types", pair.why);
    return std::nullopt;
}

/** The rules of the OAuth flows the grants allow. */
template <class Md>
inline std::optional<error_info> check_flow_rules(raw_request const& raw, profile const&, Md& md)
{
    // RFC 6749 3.1.2.2 (and RFC 9700 2.1): redirect-based grants need registered redirect URIs.
    bool const redirect_flow = md.has_grant(grant_type::authorization_code) || md.has_grant(grant_type::implicit);
    if (redirect_flow && raw.redirect_uris.items.empty())
        return make_error(error::redirect_uris_missing, "redirect_uris",
                          "required with the authorization_code or implicit grant (RFC 6749 3.1.2.2)");
    // RFC 6749 4.4: the client credentials grant MUST only be used by confidential clients.
    if (md.is_public() && md.has_grant(grant_type::client_credentials))
        return make_error(error::public_client_credentials, "token_endpoint_auth_method",
                          "client_credentials needs an authenticating method (RFC 6749 4.4)");
    return std::nullopt;
}

/** OpenID Connect Dynamic Client Registration 1.0 section 2: `web` or `native`. */
template <class Md>
inline std::optional<error_info> take_application_type(raw_request const& raw, profile const&, Md& md)
{
    if (!raw.application_type)
        return std::nullopt;
    auto a = parse_application_type(*raw.application_type);
    if (!a)
        return make_error(error::invalid_application_type, "application_type", clip(*raw.application_type));
    md.app_type = a;
    return std::nullopt;
}

inline std::optional<error_info> check_display_text(std::optional<std::string_view> const& in, std::string_view member)
{
    if (in && !is_display_text(*in))
        return make_error(error::invalid_string, member);
    return std::nullopt;
}

/** RFC 7591 2: the human-readable strings, shown to people (is_display_text). */
template <class Md>
inline std::optional<error_info> take_display_strings(raw_request const& raw, profile const&, Md& md)
{
    if (auto e = check_display_text(raw.client_name, "client_name"))
        return e;
    if (auto e = check_display_text(raw.software_id, "software_id"))
        return e;
    if (auto e = check_display_text(raw.software_version, "software_version"))
        return e;
    auto const& contacts = raw.contacts.items;
    for (std::size_t i = 0; i < contacts.size(); ++i)
        if (!is_display_text(contacts[i]))
            return make_error(error::invalid_string, indexed("contacts", i));
    keep(md, &client_metadata::client_name, raw.client_name);
    keep(md, &client_metadata::software_id, raw.software_id);
    keep(md, &client_metadata::software_version, raw.software_version);
    keep(md, &client_metadata::contacts, raw.contacts);
    return std::nullopt;
}

/** RFC 6749 3.3 scope syntax, within the profile's token limit and allowlist. */
template <class Md>
inline std::optional<error_info> take_scope(raw_request const& raw, profile const& prof, Md& md)
{
    if (!raw.scope)
        return std::nullopt;
    auto n = count_scope_tokens(*raw.scope);
    if (n == 0)
        return make_error(error::invalid_scope, "scope", "RFC 6749 3.3");
    if (n > prof.limits.max_scope_tokens)
        return make_error(error::too_many_scope_tokens, "scope");
    if (prof.scope_allowlist) {
        std::string_view refused;
        if (!each_scope_token(*raw.scope, [&](std::string_view tok) {
                refused = tok;
                return prof.scope_allowlist->contains(std::string(tok));
            }))
            return make_error(error::scope_not_allowed, "scope", clip(refused));
    }
    keep(md, &client_metadata::scope, raw.scope);
    return std::nullopt;
}

inline std::optional<error_info> check_web_uri_member(std::optional<std::string_view> const& in, std::string_view member,
                                                      std::size_t max_uri_length)
{
    if (!in)
        return std::nullopt;
    if (auto p = check_web_uri(*in, false, max_uri_length))
        return make_error(p->code, member, p->reason);
    return std::nullopt;
}

/** RFC 7591 2: client_uri, logo_uri, tos_uri, policy_uri and jwks_uri are URLs. */
template <class Md>
inline std::optional<error_info> take_web_uris(raw_request const& raw, profile const& prof, Md& md)
{
    auto const max = prof.limits.max_uri_length;
    if (auto e = check_web_uri_member(raw.client_uri, "client_uri", max))
        return e;
    if (auto e = check_web_uri_member(raw.logo_uri, "logo_uri", max))
        return e;
    if (auto e = check_web_uri_member(raw.tos_uri, "tos_uri", max))
        return e;
    if (auto e = check_web_uri_member(raw.policy_uri, "policy_uri", max))
        return e;
    if (auto e = check_web_uri_member(raw.jwks_uri, "jwks_uri", max))
        return e;
    keep(md, &client_metadata::client_uri, raw.client_uri);
    keep(md, &client_metadata::logo_uri, raw.logo_uri);
    keep(md, &client_metadata::tos_uri, raw.tos_uri);
    keep(md, &client_metadata::policy_uri, raw.policy_uri);
    keep(md, &client_metadata::jwks_uri, raw.jwks_uri);
    return std::nullopt;
}

/** RFC 7591 2: "The jwks_uri and jwks parameters MUST NOT both be present";
    jwks is a JWK Set of public keys (RFC 7517 5, jwk_set_problem). */
template <class Md>
inline std::optional<error_info> take_jwks(raw_request const& raw, profile const&, Md& md)
{
    if (!raw.jwks)
        return std::nullopt;
    if (raw.jwks_uri)
        return make_error(error::jwks_and_jwks_uri, "jwks");
    if (auto why = jwk_set_problem(*raw.jwks))
        return make_error(error::invalid_jwks, "jwks", *why);
    if constexpr (std::is_same_v<Md, client_metadata>)
        md.jwks = boost::json::serialize(*raw.jwks); // compact JSON text
    return std::nullopt;
}

/** RFC 7523 2.2 / RFC 8705 2.2: key-based authentication needs the client's keys. */
template <class Md>
inline std::optional<error_info> check_auth_method_keys(raw_request const& raw, profile const&, Md& md)
{
    auto const m = md.token_endpoint_auth_method;
    if ((m == auth_method::private_key_jwt || m == auth_method::self_signed_tls_client_auth) && !raw.jwks &&
        !raw.jwks_uri)
        return make_error(error::auth_method_requires_keys, "token_endpoint_auth_method", to_string(m));
    return std::nullopt;
}

/** RFC 8705 2.1.2: a `tls_client_auth` client names exactly one certificate
    subject member, of its form, noted in `md`. The members are for that method
    only ("used with tls_client_auth"); with another one they are refused
    rather than dropped, so a client never believes a binding it does not have. */
template <class Md>
inline std::optional<error_info> take_tls_client_auth_subject(raw_request const& raw, profile const&, Md& md)
{
    std::optional<tls_client_auth_subject> which;
    for (std::size_t i = 0; i < std::size(raw.tls_client_auth); ++i) {
        if (!raw.tls_client_auth[i])
            continue;
        auto const m = static_cast<tls_client_auth_subject>(i);
        if (which)
            return make_error(error::tls_client_auth_subject_ambiguous, to_string(m),
                              std::string("and ") + std::string(to_string(*which)) + "; exactly one (RFC 8705 2.1.2)");
        which = m;
    }
    bool const tls = md.token_endpoint_auth_method == auth_method::tls_client_auth;
    if (!which && tls)
        return make_error(error::tls_client_auth_subject_missing, "token_endpoint_auth_method",
                          "name tls_client_auth_subject_dn, _san_dns, _san_uri, _san_ip or _san_email "
                          "(RFC 8705 2.1.2)");
    if (!which)
        return std::nullopt;
    if (!tls)
        return make_error(error::tls_client_auth_subject_unexpected, to_string(*which),
                          "used with token_endpoint_auth_method tls_client_auth only (RFC 8705 2.1.2)");
    auto const value = *raw.tls_client_auth[static_cast<std::size_t>(*which)];
    if (auto why = tls_client_auth_subject_problem(*which, value))
        return make_error(error::invalid_tls_client_auth_subject, to_string(*which), *why);
    md.tls_client_auth = which;
    keep(md, &client_metadata::tls_client_auth_value, value);
    return std::nullopt;
}

/** The field a localized value's error names: `client_name#fr`. */
inline std::string localized_field(raw_localized const& lv)
{
    std::string f(to_string(lv.member));
    f += '#';
    f += clip(lv.language_tag);
    return f;
}

/** The localized value `raw.localized[i]`: a well-formed language tag
    (RFC 5646), not repeated for its member, and a value of its member's kind. */
inline std::optional<error_info> check_localized_value(raw_request const& raw, std::size_t i,
                                                       std::size_t max_uri_length)
{
    auto const& lv = raw.localized[i];
    if (!is_language_tag(lv.language_tag))
        return make_error(error::invalid_language_tag, localized_field(lv), "RFC 5646");
    // BCP 47 tags compare case-insensitively (RFC 5646 2.1.1): "fr" and "FR" are one tag.
    for (std::size_t j = 0; j < i; ++j)
        if (raw.localized[j].member == lv.member && ascii_iequals(raw.localized[j].language_tag, lv.language_tag))
            return make_error(error::duplicate_member, localized_field(lv), "the same language tag twice");
    if (lv.member == localizable::client_name) {
        if (!is_display_text(lv.value))
            return make_error(error::invalid_string, localized_field(lv));
    } else if (auto p = check_web_uri(lv.value, false, max_uri_length)) {
        return make_error(p->code, localized_field(lv), p->reason);
    }
    return std::nullopt;
}

/** RFC 7591 2.2: localized human-readable values (`client_name#fr`). */
template <class Md>
inline std::optional<error_info> take_localized_values(raw_request const& raw, profile const& prof, Md& md)
{
    if (raw.localized.size() > prof.limits.max_localized_values)
        return make_error(error::too_many_localized_values, "", "");
    for (std::size_t i = 0; i < raw.localized.size(); ++i)
        if (auto e = check_localized_value(raw, i, prof.limits.max_uri_length))
            return e;
    if constexpr (std::is_same_v<Md, client_metadata>) {
        md.localized.reserve(raw.localized.size());
        for (auto const& lv : raw.localized)
            md.localized.push_back({lv.member, std::string(lv.language_tag), std::string(lv.value)});
    }
    return std::nullopt;
}

/** Runs the steps in order and returns the first problem found, if any. */
template <auto Step, auto... Rest, class Md>
inline std::optional<error_info> first_problem(raw_request const& raw, profile const& prof, Md& md)
{
    if (auto e = Step(raw, prof, md))
        return e;
    if constexpr (sizeof...(Rest) == 0)
        return std::nullopt;
    else
        return first_problem<Rest...>(raw, prof, md);
}

/** Applies every rule of the profile to a parsed request, filling `md`.
    The order of the steps is the order of the checks, so it decides which
    error is reported when several members are bad (the validate, corpus and
    CLI tests pin it). */
template <class Md>
inline std::optional<error_info> apply_rules(raw_request const& raw, profile const& prof, Md& md)
{
    return first_problem<take_software_statement<Md>,      // RFC 7591 2.3
                         take_redirect_uris<Md>,           // RFC 6749 3.1.2, RFC 8252 7, RFC 9700 2.1
                         take_auth_method<Md>,             // RFC 7591 2
                         take_grant_types<Md>,             // RFC 7591 2
                         take_response_types<Md>,          // RFC 7591 2, 2.1
                         check_grant_response_pairs<Md>,   // RFC 7591 2.1
                         check_flow_rules<Md>,             // RFC 6749 3.1.2.2, 4.4
                         take_application_type<Md>,        // OpenID Connect Registration 2
                         take_display_strings<Md>,         // RFC 7591 2
                         take_scope<Md>,                   // RFC 6749 3.3
                         take_web_uris<Md>,                // RFC 7591 2
                         take_jwks<Md>,                    // RFC 7591 2, RFC 7517 5
                         check_auth_method_keys<Md>,       // RFC 7523 2.2, RFC 8705 2.2
                         take_tls_client_auth_subject<Md>, // RFC 8705 2.1.2
                         take_localized_values<Md>         // RFC 7591 2.2
                         >(raw, prof, md);
}

/** The rules, building the metadata as they pass. */
inline result<client_metadata> validate_raw(raw_request const& raw, profile const& prof)
{
    // Built in the result it is returned in (one named return value): a
    // client_metadata is some 500 bytes, and moving it out cost a copy and
    // the moved-from object's destruction on every accepted request.
    result<client_metadata> out(boost::system::in_place_value);
    if (auto problem = apply_rules(raw, prof, *out))
        out = std::move(*problem);
    return out;
}

/** The rules alone: the verdict, nothing built. */
inline result<void> check_raw(raw_request const& raw, profile const& prof)
{
    decided_metadata d;
    if (auto problem = apply_rules(raw, prof, d))
        return std::move(*problem);
    return {};
}

/** A built client_metadata seen as a parsed request: views into `md` (and the
    JWK Set parsed into `jwks`), so the rules of validate_raw run on it. */
inline raw_request raw_view(client_metadata const& md)
{
    raw_request raw;
    auto list = [](raw_list& out, auto const& in) {
        out.present = true;
        for (auto const& v : in) {
            if constexpr (std::is_enum_v<std::decay_t<decltype(v)>>)
                out.items.push_back(to_string(v));
            else
                out.items.push_back(v);
        }
    };
    if (!md.redirect_uris.empty())
        list(raw.redirect_uris, md.redirect_uris);
    list(raw.grant_types, md.grant_types);
    list(raw.response_types, md.response_types);
    if (!md.contacts.empty())
        list(raw.contacts, md.contacts);
    raw.token_endpoint_auth_method = to_string(md.token_endpoint_auth_method);
    if (md.app_type)
        raw.application_type = to_string(*md.app_type);
    auto str = [](std::optional<std::string_view>& out, optional_string const& in) {
        if (in)
            out = std::string_view(*in);
    };
    str(raw.client_name, md.client_name);
    str(raw.client_uri, md.client_uri);
    str(raw.logo_uri, md.logo_uri);
    str(raw.scope, md.scope);
    str(raw.tos_uri, md.tos_uri);
    str(raw.policy_uri, md.policy_uri);
    str(raw.jwks_uri, md.jwks_uri);
    str(raw.software_id, md.software_id);
    str(raw.software_version, md.software_version);
    str(raw.software_statement, md.software_statement);
    for (auto const& lv : md.localized)
        raw.localized.push_back({lv.member, lv.language_tag, lv.value});
    if (md.tls_client_auth && md.tls_client_auth_value) // RFC 8705 2.1.2: the subject goes with the method
        raw.tls_client_auth[static_cast<std::size_t>(*md.tls_client_auth)] =
            std::string_view(*md.tls_client_auth_value);
    if (md.jwks) {
        auto v = parse_strict(*md.jwks);
        raw.jwks = v.value ? std::move(*v.value) : boost::json::value(); // not JSON: invalid_jwks
    }
    return raw;
}
} // namespace detail

result<client_metadata> validate_metadata(client_metadata const& md, profile const& prof)
{
    return detail::validate_raw(detail::raw_view(md), prof);
}

} // namespace oauthreg

#endif
