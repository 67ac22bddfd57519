// Tests of the optional_string.hpp contract: absent or a non-empty value, in
// the footprint of one std::string, read like std::optional<std::string>.
#include <oauthreg/optional_string.hpp>

#include "support/catch.hpp"

#include <oauthreg/metadata.hpp>

#include <optional>
#include <string>

using namespace oauthreg;

TEST_CASE("optional_string: absent until given a non-empty value", "[optional_string]")
{
    optional_string s;
    CHECK_FALSE(s.has_value());
    CHECK_FALSE(s);
    CHECK(s == std::nullopt);
    CHECK(*s == ""); // defined, unlike std::optional
    CHECK_THROWS_AS(s.value(), std::bad_optional_access);
    CHECK(s.value_or("fallback") == "fallback");

    s = "Acme";
    REQUIRE(s);
    CHECK(*s == "Acme");
    CHECK(s->size() == 4);
    CHECK(s.value() == "Acme");
    CHECK(s == "Acme");
    CHECK(s == std::string("Acme"));
    CHECK(s == std::optional<std::string>("Acme"));
    CHECK_FALSE(s == std::nullopt);

    s = std::nullopt;
    CHECK_FALSE(s);
    CHECK(s.emplace(3, 'x') == "xxx");
    CHECK(s == "xxx");
    s.reset();
    CHECK_FALSE(s);
}

TEST_CASE("optional_string: RFC 7591 2 gives no member an empty value, so empty is absent", "[optional_string]")
{
    optional_string s = std::string();
    CHECK_FALSE(s);
    s = "v";
    *s = ""; // emptied in place
    CHECK_FALSE(s);
    // an absent value equals no string, not even the empty one
    CHECK_FALSE(optional_string() == "");
    CHECK(optional_string() == std::optional<std::string>());
    CHECK_FALSE(optional_string() == std::optional<std::string>(""));
    CHECK(optional_string(std::optional<std::string>("a")).to_optional() == std::optional<std::string>("a"));
    CHECK(optional_string().to_optional() == std::nullopt);
}

TEST_CASE("optional_string: the footprint of one std::string", "[optional_string]")
{
    STATIC_REQUIRE(sizeof(optional_string) == sizeof(std::string));
    STATIC_REQUIRE(sizeof(optional_string) < sizeof(std::optional<std::string>));
}

TEST_CASE("RFC 7591 2: grant and response type lists hold every registered value once, inline", "[metadata]")
{
    client_metadata md;
    for (int i = 0; i <= static_cast<int>(grant_type::token_exchange); ++i)
        md.grant_types.push_back(static_cast<grant_type>(i));
    CHECK(md.grant_types.size() == md.grant_types.capacity());
    // one more than there are grant types is refused, not written past the end
    CHECK_THROWS(md.grant_types.push_back(grant_type::implicit));
    md.response_types = {response_type::code, response_type::token};
    CHECK(md.response_types.size() == 2);
    CHECK_THROWS(md.response_types.push_back(response_type::code));
}
