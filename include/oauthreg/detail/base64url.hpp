//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_DETAIL_BASE64URL_HPP
#define OAUTHREG_DETAIL_BASE64URL_HPP

#include <oauthreg/config.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace oauthreg::detail {

/** Whether `c` is in the base64url alphabet (RFC 4648 5): letters, digits, '-' and '_'. */
constexpr bool is_base64url_char(char c) noexcept
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/** RFC 4648 5 base64url without padding (RFC 7515 2), by Crypto++. */
OAUTHREG_DECL std::string base64url_encode(std::uint8_t const* data, std::size_t n);

/** The number of bytes `s` decodes to, without decoding it; nullopt when
    `decode` would refuse it (a character outside the alphabet, or a length
    of 4k+1, which no byte string encodes to: RFC 4648 4, 5). */
constexpr std::optional<std::size_t> base64url_decoded_size(std::string_view s) noexcept
{
    for (char c : s)
        if (!is_base64url_char(c))
            return std::nullopt;
    constexpr std::size_t tail[] = {0, 0, 1, 2}; // bytes of a final group of 0, -, 2, 3 characters
    if (s.size() % 4 == 1)
        return std::nullopt;
    return s.size() / 4 * 3 + tail[s.size() % 4];
}

/** Decodes base64url; nullopt when `s` holds anything but the alphabet. */
OAUTHREG_DECL std::optional<std::string> base64url_decode(std::string_view s);

} // namespace oauthreg::detail

#ifndef OAUTHREG_SEPARATE_COMPILATION
#include <oauthreg/impl/base64url.ipp>
#endif

#endif
