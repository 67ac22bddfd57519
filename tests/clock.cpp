// Tests of clock.hpp: RFC 3339 timestamps and the manual clock.
#include <oauthreg/clock.hpp>

#include "support/catch.hpp"

#include <limits>

using namespace oauthreg;

TEST_CASE("RFC 3339 5.6: UTC timestamps with seconds", "[clock]")
{
    CHECK(to_rfc3339(0) == "1970-01-01T00:00:00Z");
    CHECK(to_rfc3339(1699335116) == "2023-11-07T05:31:56Z"); // the reference record's example
    CHECK(to_rfc3339(951782400) == "2000-02-29T00:00:00Z");  // a leap day
    CHECK(to_rfc3339(4102444799) == "2099-12-31T23:59:59Z");
}

TEST_CASE("manual_clock moves only when told", "[clock]")
{
    manual_clock c(100);
    CHECK(c.now() == 100);
    c.advance(5);
    CHECK(c.now() == 105);
    c.set(7);
    CHECK(c.now() == 7);
    CHECK(system_clock().now() > 1700000000);
}

TEST_CASE("saturating_add clamps at the ends of unix_seconds instead of overflowing", "[clock]")
{
    constexpr auto max = std::numeric_limits<unix_seconds>::max(), min = std::numeric_limits<unix_seconds>::min();
    CHECK(saturating_add(1700000000, 60) == 1700000060);
    CHECK(saturating_add(1700000000, -60) == 1699999940);
    CHECK(saturating_add(max - 59, 60) == max);
    CHECK(saturating_add(max - 60, 60) == max);
    CHECK(saturating_add(max - 61, 60) == max - 1);
    CHECK(saturating_add(max, max) == max);
    CHECK(saturating_add(min + 59, -60) == min);
    CHECK(saturating_add(min, min) == min);
    CHECK(saturating_add(min, max) == -1);
    CHECK(saturating_add(max, min) == -1);
}

TEST_CASE("RFC 3339 5.6: a time beyond a four-digit year is clamped, not overflowed", "[clock]")
{
    CHECK(to_rfc3339(std::numeric_limits<unix_seconds>::max()) == "9999-12-31T23:59:59Z");
    CHECK(to_rfc3339(std::numeric_limits<unix_seconds>::min()) == "0000-01-01T00:00:00Z");
    CHECK(to_rfc3339(253402300799) == "9999-12-31T23:59:59Z");
    CHECK(to_rfc3339(-62167219200) == "0000-01-01T00:00:00Z");
}

TEST_CASE("RFC 3339 5.6: parse_rfc3339 reads date-time with Z, an offset, fractions, refuses the rest", "[clock]")
{
    CHECK(parse_rfc3339("2023-11-07T05:31:56Z") == unix_seconds{1699335116});
    CHECK(parse_rfc3339("2023-11-07t05:31:56z") == unix_seconds{1699335116}); // 5.6 NOTE: either case
    CHECK(parse_rfc3339("2023-11-07T05:31:56.123456Z") == unix_seconds{1699335116});
    CHECK(parse_rfc3339("2023-11-07T07:31:56+02:00") == unix_seconds{1699335116});
    CHECK(parse_rfc3339("2023-11-07T00:01:56-05:30") == unix_seconds{1699335116});
    CHECK(parse_rfc3339("1970-01-01T00:00:00Z") == unix_seconds{0});
    CHECK(parse_rfc3339("2016-12-31T23:59:60Z") == unix_seconds{1483228800}); // 5.7: a leap second
    CHECK(parse_rfc3339(to_rfc3339(1796542150)) == unix_seconds{1796542150});
    for (char const* bad : {"", "2023-11-07", "2023-11-07T05:31:56", "2023-02-30T00:00:00Z", "2023-13-01T00:00:00Z",
                            "2023-11-07T24:00:00Z", "2023-11-07T05:60:00Z", "2023-11-07T05:31:61Z",
                            "2023-11-07T05:31:56.Z", "2023-11-07T05:31:56+0200", "2023-11-07 05:31:56Z",
                            "2023-11-07T05:31:56Zx", "+023-11-07T05:31:56Z", "2023-11-07T05:31:56+24:00"}) {
        INFO(bad);
        CHECK_FALSE(parse_rfc3339(bad).has_value());
    }
}
