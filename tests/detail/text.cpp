// Tests of detail/text.hpp: ASCII case folding and the display-text rule.
#include <oauthreg/detail/text.hpp>

#include "../support/catch.hpp"

using namespace oauthreg::detail;

TEST_CASE("ASCII case-insensitive equality folds letters only (RFC 3986 3.1, RFC 5646 2.1.1)", "[text]")
{
    CHECK(ascii_iequals("HTTPS", "https"));
    CHECK(ascii_iequals("zh-Hant", "ZH-hANT"));
    CHECK(ascii_iequals("", ""));
    CHECK_FALSE(ascii_iequals("https", "http"));
    CHECK_FALSE(ascii_iequals("@", "`")); // 0x40 and 0x60 are not letters
    CHECK_FALSE(ascii_iequals("[", "{"));
    CHECK_FALSE(ascii_iequals("\xc3\x89", "\xc3\xa9")); // UTF-8 bytewise: "É" is not "é"
}

TEST_CASE("display text: non-empty, no C0 control and no DEL", "[text]")
{
    CHECK(is_display_text("Example App"));
    CHECK(is_display_text("Caf\xc3\xa9")); // UTF-8 is display text
    CHECK_FALSE(is_display_text(""));
    CHECK_FALSE(is_display_text("a\nb"));
    CHECK_FALSE(is_display_text(std::string_view("a\0b", 3)));
    CHECK_FALSE(is_display_text("a\x1f"));
    CHECK_FALSE(is_display_text("a\x7f"));
    CHECK(is_display_text(" \x80")); // C1 bytes occur inside UTF-8 sequences
}

TEST_CASE("display text: a control byte is found at every position of strings of every length", "[text]")
{
    // Wherever the byte sits, whatever the length (a vectorized loop would split them into a body and a tail).
    for (std::size_t n = 1; n <= 80; ++n) {
        std::string s(n, 'a');
        CHECK(is_display_text(s));
        for (std::size_t i = 0; i < n; ++i)
            for (char bad : {'\0', '\n', '\x1f', '\x7f'}) {
                s[i] = bad;
                INFO("length " << n << ", position " << i << ", byte " << int(bad));
                CHECK_FALSE(is_display_text(s));
                s[i] = 'a';
            }
    }
    for (int c = 0; c < 256; ++c) // each byte alone: C0 and DEL refused, the rest kept
        CHECK(is_display_text(std::string(1, static_cast<char>(c))) == (c >= 0x20 && c != 0x7F));
}
