//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_UTF8_HPP
#define OAUTHREG_UTF8_HPP

#include <cstddef>
#include <string_view>

namespace oauthreg {

namespace detail {

/** The length of the well-formed UTF-8 sequence at `s[i]`, 0 for none: a
    lone continuation byte, a truncated sequence, an overlong form, a
    surrogate or a code point above U+10FFFF (RFC 3629 section 4's table). */
constexpr std::size_t utf8_sequence_length(std::string_view s, std::size_t i) noexcept
{
    auto const at = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    auto const lead = at(i);
    if (lead < 0x80)
        return 1;
    std::size_t const n = lead < 0xC2 ? 0 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : lead < 0xF5 ? 4 : 0;
    if (n == 0 || s.size() - i < n)
        return 0;
    // The second byte's range is narrower after E0, ED, F0 and F4 (RFC 3629 section 4).
    unsigned char const lo = lead == 0xE0 ? 0xA0 : lead == 0xF0 ? 0x90 : 0x80;
    unsigned char const hi = lead == 0xED ? 0x9F : lead == 0xF4 ? 0x8F : 0xBF;
    if (at(i + 1) < lo || at(i + 1) > hi)
        return 0;
    for (std::size_t k = i + 2; k < i + n; ++k)
        if (at(k) < 0x80 || at(k) > 0xBF)
            return 0;
    return n;
}

} // namespace detail

/** Whether `s` is well-formed UTF-8 (RFC 3629 section 4): no lone
    continuation byte, truncated sequence, overlong form, surrogate or code
    point above U+10FFFF. JSON text is UTF-8 (RFC 8259 section 8.1), so
    @ref encode_record refuses a record whose client_id, org_id or user_id is
    not; a custom store keeping ids in a text column can check them with it.
    @param s the bytes
    @return whether they are UTF-8 text

    @par Example
    <!-- example: body -->
    @code
    bool ok = oauthreg::valid_utf8("caf\xc3\xa9") && !oauthreg::valid_utf8("\xc0\xaf"); // overlong '/'
    @endcode
*/
constexpr bool valid_utf8(std::string_view s) noexcept
{
    for (std::size_t i = 0; i < s.size();) {
        auto const n = detail::utf8_sequence_length(s, i);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

} // namespace oauthreg

#endif
