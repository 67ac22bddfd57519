//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_DETAIL_HTTP_QUERY_HPP
#define OAUTHREG_DETAIL_HTTP_QUERY_HPP

#include <boost/url/encoding_opts.hpp>
#include <boost/url/parse_query.hpp>
#include <boost/url/pct_string_view.hpp>
#include <boost/url/rfc/pchars.hpp>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace oauthreg::detail {

/** One query parameter, name and value percent-decoded. */
struct query_param {
    std::string name;
    std::string value;
};

/** Why a query was refused: the parameter (decoded, may be empty) and the reason. */
struct query_problem {
    std::string parameter;
    std::string reason;
};

/** Text from a request made safe to echo in an error or a log: printable
    ASCII only (anything else becomes '?'), at most `max` bytes. */
inline std::string printable(std::string_view s, std::size_t max = 64)
{
    std::string out(s.substr(0, max));
    for (char& c : out)
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e)
            c = '?';
    return out;
}

/** Splits `raw` (the query, without '?') into parameters. Names and values are
    percent-decoded (RFC 3986 2.1) and '+' is a space, as HTML forms encode it;
    a malformed escape, a name given twice, or an empty name is a problem.
    An empty query has no parameters. */
inline std::optional<query_problem> parse_query_params(std::string_view raw, std::vector<query_param>& out)
{
    out.clear();
    if (raw.empty())
        return std::nullopt;
    // Clients send '[' and ']' unescaped (page[number]=2) although RFC 3986 3.4
    // reserves them: escape what the query grammar lacks, keep every '%' escape.
    // (boost::urls::encode cannot do this: its character set must not hold '%'.)
    static constexpr auto kept = boost::urls::pchars + '/' + '?' + '%';
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string escaped;
    escaped.reserve(raw.size());
    for (char c : raw) {
        auto const b = static_cast<unsigned char>(c);
        if (kept(b)) {
            escaped += c;
        } else {
            escaped += '%';
            escaped += hex[b >> 4];
            escaped += hex[b & 0xF];
        }
    }
    auto params = boost::urls::parse_query(escaped);
    if (!params)
        return query_problem{"", "malformed percent-encoding in the query"};
    boost::urls::encoding_opts opts;
    opts.space_as_plus = true;
    for (auto const& p : *params) {
        query_param q{p.key.decode(opts), p.has_value ? p.value.decode(opts) : std::string()};
        if (q.name.empty()) {
            if (!p.has_value && q.value.empty())
                continue; // "a=1&&b=2": an empty piece says nothing
            return query_problem{"", "a parameter without a name"};
        }
        bool const repeated =
            std::any_of(out.begin(), out.end(), [&](query_param const& o) { return o.name == q.name; });
        if (repeated)
            return query_problem{q.name, "parameter given more than once"};
        out.push_back(std::move(q));
    }
    return std::nullopt;
}

/** A decimal number in [lo, hi] with digits only (no sign, no space), else
    nullopt. Any number of digits is read: a value past SIZE_MAX counts as
    SIZE_MAX, so a huge page number is a page past the end, never an overflow. */
inline std::optional<std::size_t> parse_bounded(std::string_view s, std::size_t lo, std::size_t hi)
{
    if (s.empty())
        return std::nullopt;
    constexpr std::size_t max = static_cast<std::size_t>(-1);
    std::size_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9')
            return std::nullopt;
        auto const digit = static_cast<std::size_t>(c - '0');
        v = v > (max - digit) / 10 ? max : v * 10 + digit;
    }
    if (v < lo || v > hi)
        return std::nullopt;
    return v;
}

/** Whether a Content-Type names JSON: `application/json`, any case, with
    or without parameters such as `; charset=utf-8` (RFC 9110 8.3.1). */
inline bool is_json_media_type(std::string_view content_type)
{
    auto const semi = content_type.find(';');
    auto type = content_type.substr(0, semi);
    while (!type.empty() && (type.back() == ' ' || type.back() == '\t'))
        type.remove_suffix(1);
    while (!type.empty() && (type.front() == ' ' || type.front() == '\t'))
        type.remove_prefix(1);
    constexpr std::string_view json = "application/json";
    return type.size() == json.size() && std::equal(type.begin(), type.end(), json.begin(), [](char a, char b) {
               return std::tolower(static_cast<unsigned char>(a)) == b;
           });
}

/** The token of `Authorization: Bearer TOKEN` (scheme in any case, RFC 9110
    11.1; RFC 6750 2.1), or empty when the header holds no bearer token. */
inline std::string_view bearer_token(std::string_view authorization)
{
    constexpr std::string_view scheme = "bearer";
    if (authorization.size() <= scheme.size() ||
        !std::equal(scheme.begin(), scheme.end(), authorization.begin(),
                    [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); }))
        return {};
    auto rest = authorization.substr(scheme.size());
    if (rest.front() != ' ')
        return {};
    while (!rest.empty() && rest.front() == ' ')
        rest.remove_prefix(1);
    while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\t'))
        rest.remove_suffix(1);
    // RFC 6750 2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
    bool const ok = !rest.empty() && std::all_of(rest.begin(), rest.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("-._~+/=").find(c) != std::string_view::npos;
    });
    return ok ? rest : std::string_view{};
}

} // namespace oauthreg::detail

#endif
