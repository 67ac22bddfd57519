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

TEST_CASE("RFC 4648 4, 5: the decoded size, computed without decoding, is the size decoding gives", "[base64url]")
{
    // Encodings of 0 to 66 bytes (66: a P-521 coordinate), each judged both ways.
    std::string bytes;
    for (std::size_t n = 0; n <= 66; ++n, bytes += static_cast<char>(0xa5 ^ n)) {
        auto const text = base64url_encode(reinterpret_cast<std::uint8_t const*>(bytes.data()), bytes.size());
        INFO(text);
        CHECK(base64url_decoded_size(text) == n);
        CHECK(base64url_decode(text).value().size() == n);
    }
    static_assert(base64url_decoded_size("Zm9v") == 3);
    static_assert(base64url_decoded_size("") == 0);
    // Refused exactly where decoding refuses: a length of 4k+1, or a byte
    // outside the alphabet (padding, the standard alphabet's '+' and '/').
    for (std::string_view bad : {"Z", "Zm9vZ", "Zm9v=", "Zm8=", "a+b/", "Zm 9v", "Zm9v\n"}) {
        INFO(bad);
        CHECK_FALSE(base64url_decoded_size(bad));
        CHECK_FALSE(base64url_decode(bad));
    }
}
