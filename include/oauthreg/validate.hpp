//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_VALIDATE_HPP
#define OAUTHREG_VALIDATE_HPP

#include <oauthreg/clock.hpp>
#include <oauthreg/detail/jws.hpp>
#include <oauthreg/detail/language_tag.hpp>
#include <oauthreg/detail/request_parser.hpp>
#include <oauthreg/detail/strict_json.hpp>
#include <oauthreg/detail/text.hpp>
#include <oauthreg/detail/tls_client_auth.hpp>
#include <oauthreg/detail/uri_rules.hpp>
#include <oauthreg/error.hpp>
#include <oauthreg/metadata.hpp>
#include <oauthreg/profile.hpp>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/serialize.hpp>

#include <string>
#include <string_view>
#include <type_traits>

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

/** RFC 8705 2.1.2: a `tls_client_auth` client names exactly one certificate
    subject member, of its form, kept in `md`. The members are for that method
    only ("used with tls_client_auth"); with another one they are refused
    rather than dropped, so a client never believes a binding it does not have. */
inline std::optional<error_info> take_tls_client_auth_subject(raw_request const& raw, client_metadata& md)
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
    md.tls_client_auth_value.emplace(value);
    return std::nullopt;
}

/** Apply every rule of the profile to a parsed request. */
inline result<client_metadata> validate_raw(raw_request const& raw, profile const& prof)
{
    auto const& lim = prof.limits;
    client_metadata md;

    // RFC 7591 2.3: a statement reaches here only once validate_request_impl
    // has verified it and merged its claims; it is returned unmodified (3.2.1).
    if (raw.software_statement)
        md.software_statement.emplace(*raw.software_statement);
    else if (prof.require_software_statement)
        return make_error(error::software_statement_required, "software_statement");

    // RFC 6749 3.1.2, RFC 8252 7, RFC 9700 2.1: each redirect URI on its own.
    if (raw.redirect_uris.present) {
        auto const& uris = raw.redirect_uris.items;
        for (std::size_t i = 0; i < uris.size(); ++i)
            if (auto p = check_redirect_uri(uris[i], prof.redirect_uris, lim.max_uri_length))
                return make_error(p->code, indexed("redirect_uris", i), p->reason);
        md.redirect_uris.assign(uris.begin(), uris.end());
    }

    if (raw.token_endpoint_auth_method) {
        auto m = parse_auth_method(*raw.token_endpoint_auth_method);
        if (!m || !prof.auth_methods.contains(*m))
            return make_error(error::unsupported_auth_method, "token_endpoint_auth_method",
                              clip(*raw.token_endpoint_auth_method));
        md.token_endpoint_auth_method = *m;
    } else if (!prof.auth_methods.contains(auth_method::client_secret_basic)) {
        return make_error(error::unsupported_auth_method, "token_endpoint_auth_method",
                          "the default client_secret_basic is not allowed; name a method");
    }

    // RFC 7591 2: grant_types defaults to ["authorization_code"].
    if (raw.grant_types.present) {
        if (auto e = parse_enum_list(
                raw.grant_types.items, "grant_types", prof.grant_types, error::unsupported_grant_type,
                [](std::string_view s) { return parse_grant_type(s); }, md.grant_types))
            return *e;
        if (md.grant_types.empty())
            return make_error(error::empty_grant_types, "grant_types", "omit it for the default");
    } else {
        if (!prof.grant_types.contains(grant_type::authorization_code))
            return make_error(error::unsupported_grant_type, "grant_types",
                              "the default authorization_code is not allowed; name grant types");
        md.grant_types = {grant_type::authorization_code};
    }

    // RFC 7591 2: response_types defaults to ["code"]; here the default follows the
    // grant types, so the defaults never contradict each other (RFC 7591 2.1).
    if (raw.response_types.present) {
        if (auto e = parse_enum_list(
                raw.response_types.items, "response_types", prof.response_types, error::unsupported_response_type,
                [](std::string_view s) { return parse_response_type(s); }, md.response_types))
            return *e;
    } else {
        if (md.has_grant(grant_type::authorization_code))
            md.response_types.push_back(response_type::code);
        if (md.has_grant(grant_type::implicit))
            md.response_types.push_back(response_type::token);
    }

    // RFC 7591 2.1: "code" needs "authorization_code" and back; "token" needs "implicit" and back.
    auto has_response = [&](response_type t) {
        for (auto x : md.response_types)
            if (x == t)
                return true;
        return false;
    };
    if (md.has_grant(grant_type::authorization_code) != has_response(response_type::code))
        return make_error(error::grant_response_mismatch, "response_types",
                          "authorization_code and code require each other (RFC 7591 2.1)");
    if (md.has_grant(grant_type::implicit) != has_response(response_type::token))
        return make_error(error::grant_response_mismatch, "response_types",
                          "implicit and token require each other (RFC 7591 2.1)");

    // RFC 6749 3.1.2.2 (and RFC 9700 2.1): redirect-based grants need registered redirect URIs.
    bool const redirect_flow = md.has_grant(grant_type::authorization_code) || md.has_grant(grant_type::implicit);
    if (redirect_flow && md.redirect_uris.empty())
        return make_error(error::redirect_uris_missing, "redirect_uris",
                          "required with the authorization_code or implicit grant (RFC 6749 3.1.2.2)");

    // RFC 6749 4.4: the client credentials grant MUST only be used by confidential clients.
    if (md.is_public() && md.has_grant(grant_type::client_credentials))
        return make_error(error::public_client_credentials, "token_endpoint_auth_method",
                          "client_credentials needs an authenticating method (RFC 6749 4.4)");

    if (raw.application_type) {
        auto a = parse_application_type(*raw.application_type);
        if (!a)
            return make_error(error::invalid_application_type, "application_type", clip(*raw.application_type));
        md.app_type = a;
    }

    auto text = [&](std::optional<std::string_view> const& in, optional_string& out,
                    std::string_view member) -> std::optional<error_info> {
        if (!in)
            return std::nullopt;
        if (!is_display_text(*in))
            return make_error(error::invalid_string, member);
        out.emplace(*in);
        return std::nullopt;
    };
    if (auto e = text(raw.client_name, md.client_name, "client_name"))
        return *e;
    if (auto e = text(raw.software_id, md.software_id, "software_id"))
        return *e;
    if (auto e = text(raw.software_version, md.software_version, "software_version"))
        return *e;
    if (raw.contacts.present) {
        auto const& contacts = raw.contacts.items;
        for (std::size_t i = 0; i < contacts.size(); ++i)
            if (!is_display_text(contacts[i]))
                return make_error(error::invalid_string, indexed("contacts", i));
        md.contacts.assign(contacts.begin(), contacts.end());
    }

    if (raw.scope) {
        auto n = count_scope_tokens(*raw.scope);
        if (n == 0)
            return make_error(error::invalid_scope, "scope", "RFC 6749 3.3");
        if (n > lim.max_scope_tokens)
            return make_error(error::too_many_scope_tokens, "scope");
        md.scope.emplace(*raw.scope);
        if (prof.scope_allowlist) {
            for (auto const& tok : md.scope_tokens())
                if (!prof.scope_allowlist->contains(tok))
                    return make_error(error::scope_not_allowed, "scope", clip(tok));
        }
    }

    // RFC 7591 2: client_uri, logo_uri, tos_uri, policy_uri and jwks_uri are URLs.
    auto web = [&](std::optional<std::string_view> const& in, optional_string& out,
                   std::string_view member) -> std::optional<error_info> {
        if (!in)
            return std::nullopt;
        if (auto p = check_web_uri(*in, false, lim.max_uri_length))
            return make_error(p->code, member, p->reason);
        out.emplace(*in);
        return std::nullopt;
    };
    if (auto e = web(raw.client_uri, md.client_uri, "client_uri"))
        return *e;
    if (auto e = web(raw.logo_uri, md.logo_uri, "logo_uri"))
        return *e;
    if (auto e = web(raw.tos_uri, md.tos_uri, "tos_uri"))
        return *e;
    if (auto e = web(raw.policy_uri, md.policy_uri, "policy_uri"))
        return *e;
    if (auto e = web(raw.jwks_uri, md.jwks_uri, "jwks_uri"))
        return *e;

    // RFC 7591 2: "The jwks_uri and jwks parameters MUST NOT both be present".
    if (raw.jwks && md.jwks_uri)
        return make_error(error::jwks_and_jwks_uri, "jwks");
    if (raw.jwks) {
        if (auto why = jwk_set_problem(*raw.jwks))
            return make_error(error::invalid_jwks, "jwks", *why);
        md.jwks = boost::json::serialize(*raw.jwks);
    }
    // RFC 7523 2.2 / RFC 8705 2.2: key-based authentication needs the client's keys.
    if ((md.token_endpoint_auth_method == auth_method::private_key_jwt ||
         md.token_endpoint_auth_method == auth_method::self_signed_tls_client_auth) &&
        !md.jwks && !md.jwks_uri)
        return make_error(error::auth_method_requires_keys, "token_endpoint_auth_method",
                          to_string(md.token_endpoint_auth_method));
    if (auto e = take_tls_client_auth_subject(raw, md))
        return *e;

    // RFC 7591 2.2: localized human-readable values.
    if (raw.localized.size() > lim.max_localized_values)
        return make_error(error::too_many_localized_values, "", "");
    for (std::size_t i = 0; i < raw.localized.size(); ++i) {
        auto const& lv = raw.localized[i];
        auto field = [&] {
            std::string f(to_string(lv.member));
            f += '#';
            f += clip(lv.language_tag);
            return f;
        };
        if (!is_language_tag(lv.language_tag))
            return make_error(error::invalid_language_tag, field(), "RFC 5646");
        // BCP 47 tags compare case-insensitively (RFC 5646 2.1.1): "fr" and "FR" are one tag.
        for (std::size_t j = 0; j < i; ++j)
            if (raw.localized[j].member == lv.member && ascii_iequals(raw.localized[j].language_tag, lv.language_tag))
                return make_error(error::duplicate_member, field(), "the same language tag twice");
        if (lv.member == localizable::client_name) {
            if (!is_display_text(lv.value))
                return make_error(error::invalid_string, field());
        } else if (auto p = check_web_uri(lv.value, false, lim.max_uri_length)) {
            return make_error(p->code, field(), p->reason);
        }
    }
    md.localized.reserve(raw.localized.size());
    for (auto const& lv : raw.localized)
        md.localized.push_back({lv.member, std::string(lv.language_tag), std::string(lv.value)});
    return md;
}

} // namespace detail

/** Parse one registration request body and validate it under a profile.

    The body must be a single JSON object (RFC 7591 3.1) within the profile's
    limits. Unknown members are ignored; `client_id`, `client_secret` and the
    other server-assigned members are ignored too (RFC 7591 3.2.1).

    @param body the request body, as received
    @param prof what this server allows; the default profile when omitted
    @return the normalized metadata with defaults applied, or the first
    problem found, whose condition is the RFC 7591 3.2.2 error code.

    @par Example
    @code
    auto md = oauthreg::validate_request(R"({"redirect_uris":["https://app.example/cb"]})");
    if (!md) std::cerr << md.error().rfc_code() << ": " << md.error().description;
    @endcode

    @par Specification
    RFC 7591 sections 2, 2.1, 2.2, 2.3, 3.2.2; RFC 6749 3.1.2, 3.3;
    RFC 8252 7.1, 7.3, 8.3; RFC 9700 2.1.
*/
inline result<client_metadata> validate_request(std::string_view body, profile const& prof = profile{});

namespace detail {

/** validate_request, also reporting a string `client_id` member of the body. */
inline result<client_metadata> validate_request_impl(std::string_view body, profile const& prof,
                                                     std::optional<std::string>* client_id, unix_seconds now,
                                                     bool statement_verified = false)
{
    auto const& lim = prof.limits;
    if (body.size() > lim.max_body_bytes)
        return make_error(error::body_too_large, "", "larger than the profile's max_body_bytes");

    // One parser per thread, reused: its buffers outlive the request, so a
    // steady stream of requests allocates nothing here.
    thread_local boost::json::basic_parser<request_handler> p(
        [] {
            boost::json::parse_options opt;
            opt.max_depth = 1024; // a backstop; the handler enforces the profile's max_depth
            return opt;
        }(),
        lim);
    p.reset();
    p.handler().reset(lim, body);
    boost::system::error_code ec;
    auto n = p.write_some(false, body.data(), body.size(), ec);
    auto& h = p.handler();
    if (h.failure)
        return std::move(*h.failure);
    if (ec) {
        if (ec == boost::json::error::too_deep)
            return make_error(error::nesting_too_deep, "", "deeper than the profile's max_depth");
        return make_error(error::malformed_json, "", ec.message());
    }
    if (n != body.size())
        return make_error(error::malformed_json, "", "data after the JSON object");
    if (client_id) {
        if (h.out.client_id)
            client_id->emplace(*h.out.client_id);
        else
            client_id->reset();
    }
    if (h.out.software_statement && !statement_verified) {
        // RFC 7591 2.3 and 3.1.1: verify the statement, then its claims take
        // precedence over the same members in the body. The merged request is
        // validated like any other, so a claim cannot smuggle in bad metadata.
        std::string const statement(*h.out.software_statement);
        auto claims = verify_software_statement(statement, prof.software_statements, now);
        if (!claims)
            return claims.error();
        auto merged = parse_strict(body, lim.max_depth + 1);
        if (!merged.value || !merged.value->is_object())
            return make_error(error::malformed_json, "", "request body changed during validation");
        auto& obj = merged.value->as_object();
        // The merge is written out as JSON, and a number beyond a double's
        // range (1e400) cannot be: in the body it can only sit in a member the
        // first pass ignores (jwks refuses it), so that member goes; in a
        // claim it is refused.
        for (auto it = obj.begin(); it != obj.end();)
            it = holds_non_finite(it->value()) ? obj.erase(it) : std::next(it);
        for (auto const& kv : *claims) {
            std::string_view k(kv.key().data(), kv.key().size());
            if (is_registered_jwt_claim(k) || k == "software_statement")
                continue;
            if (holds_non_finite(kv.value()))
                return make_error(error::malformed_software_statement, "software_statement",
                                  "a claim holds a number out of range");
            obj[kv.key()] = kv.value();
        }
        auto text = boost::json::serialize(obj);
        profile roomy = prof; // the claims may lengthen the body past its limit
        roomy.limits.max_body_bytes += lim.max_software_statement;
        return validate_request_impl(text, roomy, nullptr, now, true);
    }
    return validate_raw(h.out, prof);
}
} // namespace detail

/** As above, judging software statement validity times at `now`.
    @param body the request body, as received
    @param prof what this server allows
    @param now the time to judge "exp", "nbf" and "iat" of a software statement at
    @return the normalized metadata, or the first problem found */
inline result<client_metadata> validate_request(std::string_view body, profile const& prof, unix_seconds now)
{
    return detail::validate_request_impl(body, prof, nullptr, now);
}

inline result<client_metadata> validate_request(std::string_view body, profile const& prof)
{
    return detail::validate_request_impl(body, prof, nullptr, system_clock{}.now());
}

namespace detail {

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
        raw.tls_client_auth[static_cast<std::size_t>(*md.tls_client_auth)] = std::string_view(*md.tls_client_auth_value);
    if (md.jwks) {
        auto v = parse_strict(*md.jwks);
        raw.jwks = v.value ? std::move(*v.value) : boost::json::value(); // not JSON: invalid_jwks
    }
    return raw;
}

} // namespace detail

/** Run every rule of the profile on metadata built by other means than an
    RFC 7591 body: the record-shaped API, a merged partial update, a host's
    own front end. The same rules as @ref validate_request, with the same
    errors; a software statement in `md` is taken as already verified.

    @param md the metadata to check
    @param prof the validation profile
    @return the normalized metadata, or the first problem found.

    @par Specification
    RFC 7591 sections 2, 2.1, 2.2; RFC 6749 3.1.2, 3.3; RFC 8252; RFC 9700 2.1.
*/
inline result<client_metadata> validate_metadata(client_metadata const& md, profile const& prof = profile{})
{
    return detail::validate_raw(detail::raw_view(md), prof);
}

} // namespace oauthreg

#endif
