// Tests of detail/text.hpp: ASCII case folding, the display-text rule and the
// eight-bytes-at-a-time tests it is scanned with.
#include <oauthreg/detail/text.hpp>

#include "../support/catch.hpp"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <string>

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

TEST_CASE("display text: every byte at every position of a word-sized scan, tail included", "[text]")
{
    // has_control reads eight bytes at a time and the last eight overlapping:
    // each byte value, in each position of strings of 1 to 24 bytes, agrees
    // with the byte-by-byte rule.
    std::size_t wrong = 0;
    for (std::size_t n = 1; n <= 24; ++n)
        for (std::size_t i = 0; i < n; ++i)
            for (int c = 0; c < 256; ++c) {
                std::string s(n, 'a');
                s[i] = static_cast<char>(c);
                wrong += has_control(s) != is_control(static_cast<char>(c));
            }
    CHECK(wrong == 0);
}

TEST_CASE("word tests: exact per byte, whatever the bytes around", "[text]")
{
    // The borrow of the plain "has a zero byte" test can mark a byte above a
    // zero one; zero_bytes, which the word loops rely on, marks exactly.
    unsigned char const around[] = {0x00, 0x01, 0x1F, 0x20, 0x21, 0x7E, 0x7F, 0x80, 0xFF};
    std::size_t wrong = 0;
    for (unsigned char fill : around)
        for (std::size_t k = 0; k < 8; ++k)
            for (int b = 0; b < 256; ++b) {
                unsigned char bytes[8];
                std::fill(std::begin(bytes), std::end(bytes), fill);
                bytes[k] = static_cast<unsigned char>(b);
                std::uint64_t const w = word::load(reinterpret_cast<char const*>(bytes));
                for (unsigned char c : {0x00, 0x20, 0x22, 0x5C, 0x7F}) {
                    char marks[8]; // 0x80 where the byte is c, loaded as the word was
                    for (std::size_t j = 0; j < 8; ++j)
                        marks[j] = static_cast<char>(bytes[j] == c ? 0x80 : 0);
                    wrong += word::bytes_equal(w, c) != word::load(marks);
                }
                bool below = false;
                for (unsigned char x : bytes)
                    below = below || x < 0x20;
                wrong += word::has_byte_below(w, 0x20) != below;
            }
    CHECK(wrong == 0);
}
