// Tests of the optional_string.hpp contract: absent or a non-empty value, read
// like std::optional<std::string>, short values held in the object itself.
#include <oauthreg/optional_string.hpp>

#include "support/catch.hpp"

#include <oauthreg/metadata.hpp>

#include <optional>
#include <string>
#include <string_view>

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
    CHECK(s.emplace("xxx") == "xxx");
    CHECK(s == "xxx");
    s.reset();
    CHECK_FALSE(s);
}

TEST_CASE("optional_string: RFC 7591 2 gives no member an empty value, so empty is absent", "[optional_string]")
{
    optional_string s = std::string();
    CHECK_FALSE(s);
    s = "v";
    s.emplace("");
    CHECK_FALSE(s);
    CHECK(*s == "");
    // an absent value equals no string, not even the empty one
    CHECK_FALSE(optional_string() == "");
    CHECK(optional_string() == std::optional<std::string>());
    CHECK_FALSE(optional_string() == std::optional<std::string>(""));
    CHECK(optional_string(std::optional<std::string>("a")).to_optional() == std::optional<std::string>("a"));
    CHECK(optional_string().to_optional() == std::nullopt);
}

TEST_CASE("optional_string: values of every length around the inline capacity", "[optional_string]")
{
    STATIC_REQUIRE(optional_string::inline_capacity == 31);
    STATIC_REQUIRE(sizeof(optional_string) == 32); // no larger than the libstdc++ std::string it replaced
    // each length, both sides of the capacity, through every way in and out
    for (std::size_t n = 1; n <= 2 * optional_string::inline_capacity + 2; ++n) {
        INFO("length " << n);
        std::string const v = std::string(n - 1, 'x') + char('a' + n % 26);
        optional_string s = v;
        CHECK(*s == v);
        CHECK(s->size() == n);
        optional_string copy = s;
        CHECK(*copy == v);
        optional_string moved = std::move(copy);
        CHECK(*moved == v);
        CHECK_FALSE(copy); // NOLINT(bugprone-use-after-move): a moved-from value is absent
        optional_string assigned = "previous value, longer than the inline capacity of the type";
        assigned = moved;
        CHECK(*assigned == v);
        assigned = std::move(moved);
        CHECK(*assigned == v);
        CHECK(assigned == s);
        s = "short";
        CHECK(*assigned == v); // copies are independent
        CHECK(s == "short");
    }
}

TEST_CASE("optional_string: assigning a value a view of its own", "[optional_string]")
{
    // The new value is in place before the old storage goes (ASan sees it otherwise).
    std::string const long_value(60, 'L');
    optional_string s = long_value;
    s.emplace(s->substr(30)); // long to short, from its own buffer
    CHECK(*s == std::string(30, 'L'));
    s.emplace(s->substr(1)); // short to short, overlapping
    CHECK(*s == std::string(29, 'L'));
    s = long_value + "x";
    s.emplace(s->substr(1)); // long to long
    CHECK(*s == std::string(59, 'L') + "x");
    auto& same = s;
    s = same;
    CHECK(*s == std::string(59, 'L') + "x");
    s = std::move(same);
    CHECK(*s == std::string(59, 'L') + "x");
    s = optional_string("abc");
    s = same;
    CHECK(s == "abc");
}

#if !OAUTHREG_CHECK_STRING_VIEWS
#error "the tests build with OAUTHREG_CHECK_STRING_VIEWS=1 (tests/CMakeLists.txt, tests/meson.build)"
#endif

TEST_CASE("optional_string: a view kept past a move of a short value reads vacated bytes, not the value",
          "[optional_string]")
{
    // The view still points into the moved-from object (alive, so reading it
    // is defined): without the check it would read the old value, unchanged.
    auto vacated = [](std::string_view v) {
        return !v.empty() && v.find_first_not_of(optional_string::vacated) == std::string_view::npos;
    };
    std::string const uri = "https://client.example/cb"; // 25 bytes: in place
    optional_string s = uri;
    std::string_view view = *s;
    optional_string const moved = std::move(s);
    CHECK(*moved == uri); // the value went with the move
    CHECK(vacated(view));

    optional_string t = uri;
    view = *t;
    optional_string assigned;
    assigned = std::move(t);
    CHECK(*assigned == uri);
    CHECK(vacated(view));

    t = uri;
    view = *t;
    t.reset();
    CHECK(vacated(view));
    t = uri;
    view = *t;
    t = std::nullopt;
    CHECK(vacated(view));

    t = uri; // a shorter value over it: what is left of the old one is vacated
    view = *t;
    t = "https://a.example"; // a temporary, moved in
    CHECK(view.substr(0, 17) == "https://a.example");
    CHECK(vacated(view.substr(17)));
    t = uri;
    view = *t;
    t.emplace("https://b.example"); // copied in
    CHECK(view.substr(0, 17) == "https://b.example");
    CHECK(vacated(view.substr(17)));

    // a long value's buffer goes with the move, and a view of it follows
    std::string const long_uri = uri + "/and/more/than/thirty-one/bytes";
    optional_string l = long_uri;
    view = *l;
    optional_string const took = std::move(l);
    CHECK(view == long_uri);
    CHECK(view.data() == took->data());
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
