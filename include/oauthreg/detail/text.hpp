//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_DETAIL_TEXT_HPP
#define OAUTHREG_DETAIL_TEXT_HPP

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

namespace oauthreg::detail {

/** `c` with an ASCII capital letter lowered; every other byte (UTF-8 included) as is. */
constexpr char ascii_lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

/** Whether `a` and `b` hold the same bytes from `at` on, ASCII letters
    compared case-insensitively; `b` must fit in `a` from `at`. */
constexpr bool ascii_iequals_at(std::string_view a, std::size_t at, std::string_view b) noexcept
{
    for (std::size_t i = 0; i < b.size(); ++i)
        if (ascii_lower(a[at + i]) != ascii_lower(b[i]))
            return false;
    return true;
}

/** Whether `a` and `b` are equal, ASCII letters compared case-insensitively
    (URI schemes, RFC 3986 3.1; language tags, RFC 5646 2.1.1). */
constexpr bool ascii_iequals(std::string_view a, std::string_view b) noexcept
{
    return a.size() == b.size() && ascii_iequals_at(a, 0, b);
}

/** Whether `needle` occurs in `hay`, ASCII letters compared case-insensitively
    and every other byte (UTF-8 included) exactly. */
constexpr bool ascii_icontains(std::string_view hay, std::string_view needle) noexcept
{
    if (needle.size() > hay.size())
        return false;
    for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i)
        if (ascii_iequals_at(hay, i, needle))
            return true;
    return false;
}

/** Whether `c` is a C0 control or DEL. */
constexpr bool is_control(char ch) noexcept
{
    auto const c = static_cast<unsigned char>(ch);
    return c < 0x20 || c == 0x7F;
}

/** Tests on the eight bytes of a word at once (the exact forms of the
    "bit twiddling hacks" byte tests). */
namespace word {
inline constexpr std::uint64_t ones = 0x0101010101010101u;
inline constexpr std::uint64_t highs = 0x8080808080808080u;

/** The eight bytes at `p`, the first in the low byte on a little-endian machine. */
inline std::uint64_t load(char const* p) noexcept
{
    std::uint64_t w;
    std::memcpy(&w, p, sizeof w);
    return w;
}

/** 0x80 in each byte of `w` that is zero, 0 in the others. */
constexpr std::uint64_t zero_bytes(std::uint64_t w) noexcept
{
    constexpr std::uint64_t low7 = ~highs;
    return ~(((w & low7) + low7) | w | low7);
}

/** 0x80 in each byte of `w` that is `c`, 0 in the others. */
constexpr std::uint64_t bytes_equal(std::uint64_t w, unsigned char c) noexcept { return zero_bytes(w ^ (ones * c)); }

/** Whether a byte of `w` is below `n` (at most 0x80). */
constexpr bool has_byte_below(std::uint64_t w, unsigned char n) noexcept { return ((w - ones * n) & ~w & highs) != 0; }

/** Whether a byte of `w` is a C0 control or DEL. */
constexpr bool has_control(std::uint64_t w) noexcept { return has_byte_below(w, 0x20) || bytes_equal(w, 0x7F) != 0; }
} // namespace word

/** Whether `s` holds a C0 control or DEL: a word at a time, the last word
    overlapping the one before, so no byte past `s` is read. */
inline bool has_control(std::string_view s) noexcept
{
    auto const n = s.size();
    if (n < 8) {
        for (char c : s)
            if (is_control(c))
                return true;
        return false;
    }
    for (std::size_t at = 0; at + 8 < n; at += 8)
        if (word::has_control(word::load(s.data() + at)))
            return true;
    return word::has_control(word::load(s.data() + n - 8));
}

/** Human-readable text: non-empty, no C0 controls or DEL (they enable log and
    header injection where the host displays the value). */
constexpr bool is_display_text(std::string_view s) noexcept
{
    if (s.empty())
        return false;
    if (!std::is_constant_evaluated())
        return !has_control(s);
    for (char c : s)
        if (is_control(c))
            return false;
    return true;
}

/** Cut attacker-supplied text for an error description: at most 64 bytes,
    never inside a UTF-8 sequence. */
inline std::string_view clip(std::string_view s) noexcept
{
    if (s.size() <= 64)
        return s;
    std::size_t n = 64;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80)
        --n;
    return s.substr(0, n);
}

} // namespace oauthreg::detail

#endif
