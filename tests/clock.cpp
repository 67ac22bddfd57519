// Tests of clock.hpp: RFC 3339 timestamps and the manual clock.
#include <oauthreg/clock.hpp>

#include "support/catch.hpp"

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
