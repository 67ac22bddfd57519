//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_DETAIL_CACHE_LIFETIME_HPP
#define OAUTHREG_DETAIL_CACHE_LIFETIME_HPP

#include <oauthreg/clock.hpp>
#include <oauthreg/detail/text.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace oauthreg::detail {

/** `s` without leading and trailing optional whitespace (RFC 9110 5.6.3: SP / HTAB). */
constexpr std::string_view trim_ows(std::string_view s) noexcept
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil). */
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept
{
    y -= m <= 2;
    std::int64_t const era = (y >= 0 ? y : y - 399) / 400;
    auto const yoe = static_cast<unsigned>(y - era * 400);
    unsigned const doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

/** A fixed-width run of digits, or nullopt. */
constexpr std::optional<unsigned> digits_at(std::string_view s, std::size_t at, std::size_t n) noexcept
{
    if (at + n > s.size())
        return std::nullopt;
    unsigned v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
        if (s[i] < '0' || s[i] > '9')
            return std::nullopt;
        v = v * 10 + static_cast<unsigned>(s[i] - '0');
    }
    return v;
}

/** The month of a three-letter name (case-sensitive, RFC 9110 5.6.7), 1..12, or 0. */
constexpr unsigned month_of(std::string_view s) noexcept
{
    constexpr std::array<std::string_view, 12> names{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (unsigned i = 0; i < names.size(); ++i)
        if (s == names[i])
            return i + 1;
    return 0;
}

/** "HH:MM:SS" at `at`, as seconds of the day, or nullopt. */
constexpr std::optional<std::int64_t> time_of_day_at(std::string_view s, std::size_t at) noexcept
{
    auto h = digits_at(s, at, 2), m = digits_at(s, at + 3, 2), sec = digits_at(s, at + 6, 2);
    if (!h || !m || !sec || s.substr(at + 2, 1) != ":" || s.substr(at + 5, 1) != ":" || *h > 23 || *m > 59 ||
        *sec > 60)
        return std::nullopt;
    return std::int64_t{*h} * 3600 + *m * 60 + *sec;
}

/** A date's seconds since the epoch, if the day exists in that month. */
constexpr std::optional<unix_seconds> civil_seconds(std::int64_t y, unsigned mon, unsigned d,
                                                    std::int64_t tod) noexcept
{
    constexpr std::array<unsigned, 12> days{31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mon == 0 || d == 0 || d > days[mon - 1])
        return std::nullopt;
    bool const leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mon == 2 && d == 29 && !leap)
        return std::nullopt;
    return days_from_civil(y, mon, d) * 86400 + tod;
}

/** An HTTP-date (RFC 9110 5.6.7) in any of its three forms, which a recipient
    MUST accept: IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", the obsolete
    RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT" (a two-digit year read as the
    nearest to 1970..2069) and asctime "Sun Nov  6 08:49:37 1994". */
constexpr std::optional<unix_seconds> parse_http_date(std::string_view s) noexcept
{
    if (s.size() == 29 && s.substr(3, 2) == ", " && s.substr(25) == " GMT") { // IMF-fixdate
        auto d = digits_at(s, 5, 2), y = digits_at(s, 12, 4);
        auto tod = time_of_day_at(s, 17);
        if (d && y && tod && s[7] == ' ' && s[11] == ' ' && s[16] == ' ')
            return civil_seconds(*y, month_of(s.substr(8, 3)), *d, *tod);
        return std::nullopt;
    }
    if (auto comma = s.find(", "); comma != std::string_view::npos && s.size() == comma + 24) { // RFC 850
        auto r = s.substr(comma + 2);
        auto d = digits_at(r, 0, 2), yy = digits_at(r, 7, 2);
        auto tod = time_of_day_at(r, 10);
        if (d && yy && tod && r[2] == '-' && r[6] == '-' && r[9] == ' ' && r.substr(18) == " GMT")
            return civil_seconds(*yy < 70 ? 2000 + *yy : 1900 + *yy, month_of(r.substr(3, 3)), *d, *tod);
        return std::nullopt;
    }
    if (s.size() == 24 && s[3] == ' ' && s[7] == ' ' && s[10] == ' ' && s[19] == ' ') { // asctime
        auto d = digits_at(s, 8, 2);
        if (!d && s[8] == ' ')
            d = digits_at(s, 9, 1);
        auto tod = time_of_day_at(s, 11);
        auto y = digits_at(s, 20, 4);
        if (d && tod && y)
            return civil_seconds(*y, month_of(s.substr(4, 3)), *d, *tod);
    }
    return std::nullopt;
}

/** What Cache-Control says about a response's freshness (RFC 9111 5.2.2). */
struct cache_directives {
    bool no_store = false;               ///< no-store, or no-cache (which forbids reuse unvalidated)
    bool conflicting = false;            ///< max-age given twice, or not a delta-seconds
    std::optional<std::int64_t> max_age; ///< max-age=N
};

/** Reads the directives of a Cache-Control field value (RFC 9111 5.2:
    comma-separated, case-insensitive names, a token or quoted-string
    argument). Directives this client cache does not use are skipped. */
inline cache_directives parse_cache_control(std::string_view v) noexcept
{
    cache_directives out;
    while (!v.empty()) {
        std::size_t const comma = v.find(',');
        std::string_view item = trim_ows(v.substr(0, comma));
        v = comma == std::string_view::npos ? std::string_view{} : v.substr(comma + 1);
        std::size_t const eq = item.find('=');
        std::string_view const name = trim_ows(item.substr(0, eq));
        std::string_view arg = eq == std::string_view::npos ? std::string_view{} : trim_ows(item.substr(eq + 1));
        if (arg.size() >= 2 && arg.front() == '"' && arg.back() == '"')
            arg = arg.substr(1, arg.size() - 2);
        if (ascii_iequals(name, "no-store") || ascii_iequals(name, "no-cache")) {
            out.no_store = true;
        } else if (ascii_iequals(name, "max-age")) {
            // RFC 9111 1.2.2: delta-seconds is 1*DIGIT; too large a value is 2^31.
            std::int64_t n = 0;
            bool ok = !arg.empty();
            for (char c : arg) {
                ok = ok && c >= '0' && c <= '9';
                n = ok ? std::min<std::int64_t>(n * 10 + (c - '0'), std::int64_t{1} << 31) : 0;
            }
            out.conflicting = out.conflicting || !ok || out.max_age.has_value();
            out.max_age = n;
        }
    }
    return out;
}

/** How long a good document is kept: max-age, else Expires minus `now` (RFC
    9111 4.2.1), clamped to [min_ttl, max_ttl]. no-store, a conflicting or
    invalid value, or nothing at all keeps it for the minimum (RFC 9111 4.2.1:
    a duplicated directive may be taken as stale; 5.3: an invalid Expires is
    in the past). */
inline std::int64_t document_lifetime(std::string_view cache_control, std::string_view expires, unix_seconds now,
                                      std::int64_t min_ttl, std::int64_t max_ttl) noexcept
{
    auto const cc = parse_cache_control(cache_control);
    std::int64_t ttl = 0;
    if (cc.no_store || cc.conflicting)
        ttl = 0;
    else if (cc.max_age)
        ttl = *cc.max_age;
    else if (auto t = parse_http_date(trim_ows(expires)))
        ttl = *t - now;
    return std::clamp(ttl, min_ttl, std::max(min_ttl, max_ttl));
}

} // namespace oauthreg::detail

#endif
