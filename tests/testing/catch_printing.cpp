// Tests of testing/catch_printing.hpp: Catch2 prints oauthreg's errors and
// results by name, so a failed REQUIRE(r) or a comparison of errors says what
// went wrong instead of "{?}" or "59 == 50".
#include <oauthreg/testing/catch_printing.hpp>

#include "../support/catch.hpp"

#include <boost/system/errc.hpp>

#include <algorithm>
#include <cctype>
#include <set>
#include <string>

using namespace oauthreg;

TEST_CASE("catch printing: every error enumerator prints as its name", "[testing]")
{
    CHECK(testing::name_of(error::body_too_large) == "body_too_large");
    CHECK(testing::name_of(error::client_not_found) == "client_not_found");
    CHECK(testing::name_of(error::storage_failure) == "storage_failure");
    CHECK(testing::name_of(detail::last_error) == testing::detail::error_names.back());
    CHECK(testing::name_of(static_cast<error>(0)) == "error 0");
    CHECK(testing::name_of(static_cast<error>(static_cast<int>(detail::last_error) + 1)) ==
          "error " + std::to_string(static_cast<int>(detail::last_error) + 1));
    std::set<std::string> seen;
    for (int i = 1; i <= static_cast<int>(detail::last_error); ++i) {
        auto const name = testing::name_of(static_cast<error>(i));
        INFO("error " << i << ": \"" << name << "\"");
        CHECK(!name.empty());
        CHECK(std::all_of(name.begin(), name.end(),
                          [](char c) { return std::islower(c) || std::isdigit(c) || c == '_'; }));
        CHECK(seen.insert(name).second);
    }
    CHECK(Catch::Detail::stringify(error::client_not_found) == "client_not_found");
}

TEST_CASE("catch printing: an error_info prints its name, wire code and description", "[testing]")
{
    CHECK(Catch::Detail::stringify(make_error(error::client_not_found, "client-a")) ==
          "client_not_found (not_found): client-a: client not found");
    CHECK(Catch::Detail::stringify(make_error(error::string_too_long, "jwks", "keys[0].kid")) ==
          "string_too_long (invalid_client_metadata): jwks: string too long: keys[0].kid");
    // a custom store's own code: its category and value
    error_info other{make_error_code(boost::system::errc::io_error), "", "disk on fire"};
    CHECK(Catch::Detail::stringify(other) == "generic error 5 (server_error): disk on fire");
}

TEST_CASE("catch printing: a result prints ok, its value, or its error", "[testing]")
{
    // usable in REQUIRE and CHECK at all: without the header, Catch2 cannot print a result (it does not compile)
    REQUIRE(result<int>(7));
    CHECK_FALSE(result<void>(make_error(error::client_not_found, "client-a")));
    CHECK(Catch::Detail::stringify(result<void>()) == "ok");
    CHECK(Catch::Detail::stringify(result<int>(7)) == "ok: 7");
    CHECK(Catch::Detail::stringify(result<std::string>(make_error(error::version_conflict, "client-a"))) ==
          "error: version_conflict (conflict): client-a: client was modified concurrently");
}
