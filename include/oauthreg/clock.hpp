//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_CLOCK_HPP
#define OAUTHREG_CLOCK_HPP

#include <algorithm>
#include <atomic>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace oauthreg {

/** Seconds since the Unix epoch, as RFC 7591 3.2.1 counts `client_id_issued_at`. */
using unix_seconds = std::int64_t;

/** `t + d`, clamped to the range of unix_seconds instead of overflowing
    (undefined behaviour): times and durations may come from a request, a
    store or a configuration file, and an `exp` near the end of time stays
    far in the future. Every sum of times goes through here.
    @param t a time
    @param d a duration in seconds, possibly negative
    @return `t + d`, or the largest (smallest) unix_seconds when that overflows */
constexpr unix_seconds saturating_add(unix_seconds t, std::int64_t d) noexcept
{
    constexpr auto hi = std::numeric_limits<unix_seconds>::max(), lo = std::numeric_limits<unix_seconds>::min();
    if (d > 0 && t > hi - d)
        return hi;
    if (d < 0 && t < lo - d)
        return lo;
    return t + d;
}

/** The clock policy: the current time in Unix seconds.

    @par Models
    oauthreg::system_clock (the default), oauthreg::manual_clock (tests).
*/
template <class C>
concept clock_policy = requires(C const& c)
{
    {
        c.now()
        } -> std::convertible_to<unix_seconds>;
};

/** The system's wall clock. */
struct system_clock {
    /** @return the current time in Unix seconds */
    unix_seconds now() const noexcept
    {
        return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    }
};

/** A clock that moves only when told to; copies share nothing. */
class manual_clock {
public:
    /** @param start the time it shows until told otherwise */
    explicit manual_clock(unix_seconds start = 1700000000) noexcept : now_(start) {}
    /** A clock at the same time as @p o, moving independently of it. @param o the clock to copy */
    manual_clock(manual_clock const& o) noexcept : now_(o.now_.load()) {}
    /** @return the time it was set to */
    unix_seconds now() const noexcept { return now_.load(); }
    /** @param t the new time */
    void set(unix_seconds t) noexcept { now_.store(t); }
    /** @param s seconds to move forward (negative: backward) */
    void advance(unix_seconds s) noexcept { now_.fetch_add(s); }

private:
    std::atomic<unix_seconds> now_;
};

static_assert(clock_policy<system_clock>);
static_assert(clock_policy<manual_clock>);

/** RFC 3339 section 5.6 UTC timestamp with seconds, e.g. "2023-11-07T05:31:56Z".
    Its date-fullyear has four digits, so a time outside years 0000 to 9999 (a
    foreign stored row, a clock set to the end of time) is clamped to that range.
    @param t seconds since the Unix epoch
    @return the timestamp */
inline std::string to_rfc3339(unix_seconds t)
{
    using namespace std::chrono;
    t = std::clamp<unix_seconds>(t, -62167219200, 253402300799); // 0000-01-01T00:00:00Z, 9999-12-31T23:59:59Z
    sys_seconds tp{seconds{t}};
    auto days = floor<std::chrono::days>(tp);
    year_month_day ymd{days};
    hh_mm_ss<seconds> hms{tp - days};
    char buf[32];
    auto n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                           static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                           static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                           static_cast<int>(hms.seconds().count()));
    return std::string(buf, static_cast<std::size_t>(n));
}

/** Reads an RFC 3339 section 5.6 `date-time`: "2023-11-07T05:31:56Z", with
    optional fractional seconds (dropped) and a numeric offset ("+02:00");
    "T" and "Z" in either case (section 5.6, NOTE). A leap second (":60") is
    read as the second after ":59" (section 5.7).
    @param s the text
    @return the time, or nullopt when it is not a valid date-time */
inline std::optional<unix_seconds> parse_rfc3339(std::string_view s)
{
    using namespace std::chrono;
    auto digits = [&](std::size_t at, std::size_t n) -> int {
        int v = 0;
        for (std::size_t i = at; i < at + n; ++i) {
            if (i >= s.size() || s[i] < '0' || s[i] > '9')
                return -1;
            v = v * 10 + (s[i] - '0');
        }
        return v;
    };
    int const y = digits(0, 4), mo = digits(5, 2), d = digits(8, 2), h = digits(11, 2), mi = digits(14, 2),
              sec = digits(17, 2);
    bool const seps = s.size() >= 20 && s[4] == '-' && s[7] == '-' && (s[10] == 'T' || s[10] == 't') &&
                      s[13] == ':' && s[16] == ':';
    if (!seps || y < 0 || mo < 1 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60)
        return std::nullopt;
    year_month_day const ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (!ymd.ok())
        return std::nullopt;
    std::size_t i = 19;
    if (s[i] == '.') { // time-secfrac = "." 1*DIGIT
        std::size_t const from = ++i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9')
            ++i;
        if (i == from)
            return std::nullopt;
    }
    long offset = 0;
    if (i + 1 == s.size() && (s[i] == 'Z' || s[i] == 'z')) {
        // UTC
    } else if (i + 6 == s.size() && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
        int const oh = digits(i + 1, 2), om = digits(i + 4, 2);
        if (oh < 0 || oh > 23 || om < 0 || om > 59)
            return std::nullopt;
        offset = (s[i] == '+' ? 1 : -1) * (oh * 3600L + om * 60L);
    } else {
        return std::nullopt;
    }
    auto const days_since = sys_days{ymd}.time_since_epoch().count();
    return static_cast<unix_seconds>(days_since) * 86400 + h * 3600 + mi * 60 + sec - offset;
}

} // namespace oauthreg

#endif
