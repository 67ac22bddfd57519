// Tests of detail/base64url.hpp: RFC 4648 5 base64url without padding.
#include <oauthreg/detail/base64url.hpp>

#include "../support/catch.hpp"

using namespace oauthreg::detail;

TEST_CASE("RFC 4648 5: base64url without padding", "[base64url]")
{
    auto enc = [](std::string_view s) {
        return base64url_encode(reinterpret_cast<std::uint8_t const*>(s.data()), s.size());
    };
    CHECK(enc("") == "");
    CHECK(enc("f") == "Zg");
    CHECK(enc("fo") == "Zm8");
    CHECK(enc("foo") == "Zm9v");
    CHECK(enc("\xfb\xff") == "-_8"); // the URL-safe alphabet
    CHECK(base64url_decode("Zm9v") == "foo");
    CHECK(base64url_decode("-_8") == "\xfb\xff");
    CHECK_FALSE(base64url_decode("Zm9v="));
    CHECK_FALSE(base64url_decode("a+b/"));
    CHECK_FALSE(base64url_decode("Z"));
}

TEST_CASE("RFC 4648 5: the base64url alphabet is letters, digits, '-' and '_'", "[base64url]")
{
    std::string alphabet;
    for (int c = 0; c < 256; ++c)
        if (is_base64url_char(static_cast<char>(c)))
            alphabet += static_cast<char>(c);
    CHECK(alphabet == "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz");
}
