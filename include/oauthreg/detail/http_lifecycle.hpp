//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_DETAIL_HTTP_LIFECYCLE_HPP
#define OAUTHREG_DETAIL_HTTP_LIFECYCLE_HPP

// The bodies of the initial access token routes (docs/open-registration.md):
// what `POST /oauth/initial_access_tokens` takes, and a token's JSON.

#include <oauthreg/clock.hpp>
#include <oauthreg/detail/strict_json.hpp>
#include <oauthreg/storage/lifecycle.hpp>

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace oauthreg {

/** Who may call `POST /oauth/register` (docs/open-registration.md). */
enum class registration_mode {
    api_key,             ///< an API key; the key's organization and user own the client
    open,                ///< anyone (RFC 7591 3); without a credential the client is anonymous
    initial_access_token ///< an API key or an initial access token (RFC 7591 3)
};

/** How the HTTP layer admits registrations. */
struct registration_policy {
    registration_mode mode = registration_mode::api_key; ///< who may register
    std::string open_org = "public"; ///< the organization of anonymous clients (`open`)
    std::string open_user = "anonymous"; ///< their user
};

namespace detail {

/** A mint request: `{"max_uses": N, "expires_in": SECONDS}`, both optional. */
struct token_request {
    std::uint32_t max_uses = 1;
    std::int64_t expires_in = 86400;
};

inline constexpr std::int64_t max_token_uses = 1000000;          ///< bound on max_uses
inline constexpr std::int64_t max_token_lifetime = 366 * 86400; ///< bound on expires_in: a year

/** Reads a mint request body (empty: the defaults).
    @param body the request body
    @return the request, or the member at fault and why */
inline std::variant<token_request, std::pair<std::string, std::string>> token_request_from(std::string_view body)
{
    token_request out;
    if (body.empty())
        return out;
    auto parsed = parse_strict(body, 4, 8);
    if (!parsed.value || !parsed.value->is_object())
        return std::pair<std::string, std::string>{"", "the body must be one JSON object without repeated members"};
    for (auto const& [name, v] : parsed.value->get_object()) {
        bool const uses = name == "max_uses";
        if (!uses && name != "expires_in")
            return std::pair<std::string, std::string>{std::string(name), "not a member of this request"};
        std::int64_t const most = uses ? max_token_uses : max_token_lifetime;
        if (!v.is_int64() || v.get_int64() < 1 || v.get_int64() > most)
            return std::pair<std::string, std::string>{std::string(name),
                                                       "an integer from 1 to " + std::to_string(most)};
        if (uses)
            out.max_uses = static_cast<std::uint32_t>(v.get_int64());
        else
            out.expires_in = v.get_int64();
    }
    return out;
}

/** A token as the routes show it; `token` only in the answer that minted it. */
inline boost::json::object token_object(initial_access_token_record const& t,
                                        std::optional<std::string_view> token = std::nullopt)
{
    boost::json::object o;
    o["id"] = t.id;
    if (token)
        o["token"] = *token;
    o["max_uses"] = t.max_uses;
    o["uses"] = t.uses;
    o["expires_at"] = to_rfc3339(t.expires_at);
    o["created_at"] = to_rfc3339(t.created_at);
    return o;
}

} // namespace detail
} // namespace oauthreg

#endif
