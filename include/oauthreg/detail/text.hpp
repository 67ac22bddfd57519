//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_DETAIL_TEXT_HPP
#define OAUTHREG_DETAIL_TEXT_HPP

#include <cstddef>
#include <string_view>

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

/** Human-readable text: non-empty, no C0 controls or DEL (they enable log and
    header injection where the host displays the value). */
constexpr bool is_display_text(std::string_view s) noexcept
{
    if (s.empty())
        return false;
    for (char ch : s)
        if (auto c = static_cast<unsigned char>(ch); c < 0x20 || c == 0x7F)
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
