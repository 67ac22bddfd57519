//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
// The bodies of validate.hpp: one pass of this thread's parser over the
// body, a software statement verified and merged (RFC 7591 2.3), then the
// rules of impl/rules.ipp.
//
#ifndef OAUTHREG_IMPL_VALIDATE_IPP
#define OAUTHREG_IMPL_VALIDATE_IPP

#include <oauthreg/detail/jws.hpp>
#include <oauthreg/detail/request_parser.hpp>
#include <oauthreg/detail/strict_json.hpp>
#include <oauthreg/impl/rules.ipp>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/serialize.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace oauthreg {
namespace detail {

/** Parses a request body in one pass with this thread's parser: one JSON
    object (RFC 7591 3.1) within the limits. On success `out` points at the
    request, which views the body and the parser's arena: it lives until this
    thread's next parse. */
inline std::optional<error_info> parse_request(std::string_view body, limits const& lim, raw_request const*& out)
{
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
    out = &h.out;
    return std::nullopt;
}

/** RFC 7591 2.3 and 3.1.1: verifies the statement, then writes the request
    out again with the statement's claims in place of the same members of the
    body. The merge is validated like any other request, so a claim cannot
    smuggle in bad metadata.

    It builds a new body (a copy of the request, then the text) rather than
    handing back views: the caller validates the merge with this thread's
    parser, and reusing it drops the views into the first pass's request. */
inline result<std::string> merge_software_statement(std::string_view body, std::string_view statement,
                                                    profile const& prof, unix_seconds now)
{
    auto claims = verify_software_statement(statement, prof.software_statements, now);
    if (!claims)
        return claims.error();
    auto merged = parse_strict(body, prof.limits.max_depth + 1);
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
    return boost::json::serialize(obj);
}

/** validate_request (Out = client_metadata) or check_request (Out = void),
    also reporting a string `client_id` member of the body. Without `now`,
    the system clock is read, and only for a statement. */
template <class Out = client_metadata>
inline result<Out> validate_request_impl(std::string_view body, profile const& prof,
                                         std::optional<std::string>* client_id, std::optional<unix_seconds> now,
                                         bool statement_verified = false)
{
    raw_request const* parsed = nullptr;
    if (auto e = parse_request(body, prof.limits, parsed))
        return std::move(*e);
    auto const& raw = *parsed;
    if (client_id) {
        if (raw.client_id)
            client_id->emplace(*raw.client_id);
        else
            client_id->reset();
    }
    if (!raw.software_statement || statement_verified) {
        if constexpr (std::is_void_v<Out>)
            return check_raw(raw, prof);
        else
            return validate_raw(raw, prof);
    }
    if (!now)
        now = system_clock{}.now();
    auto merged = merge_software_statement(body, *raw.software_statement, prof, *now);
    if (!merged)
        return merged.error();
    profile roomy = prof; // the claims may lengthen the body past its limit
    roomy.limits.max_body_bytes += prof.limits.max_software_statement;
    return validate_request_impl<Out>(*merged, roomy, nullptr, now, true);
}

result<client_metadata> validate_request_with_id(std::string_view body, profile const& prof,
                                                std::optional<std::string>* client_id, unix_seconds now)
{
    return validate_request_impl(body, prof, client_id, now);
}

} // namespace detail

result<client_metadata> validate_request(std::string_view body, profile const& prof, unix_seconds now)
{
    return detail::validate_request_impl(body, prof, nullptr, now);
}

result<client_metadata> validate_request(std::string_view body, profile const& prof)
{
    return detail::validate_request_impl(body, prof, nullptr, std::nullopt);
}

result<void> check_request(std::string_view body, profile const& prof, unix_seconds now)
{
    return detail::validate_request_impl<void>(body, prof, nullptr, now);
}

result<void> check_request(std::string_view body, profile const& prof)
{
    return detail::validate_request_impl<void>(body, prof, nullptr, std::nullopt);
}

} // namespace oauthreg

#endif
