//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
// The bodies of detail/base64url.hpp, on Crypto++'s filters. Header-only, the
// header includes it; compiled (OAUTHREG_SEPARATE_COMPILATION), only src.hpp does.
//
#ifndef OAUTHREG_IMPL_BASE64URL_IPP
#define OAUTHREG_IMPL_BASE64URL_IPP

#include <cryptopp/base64.h>
#include <cryptopp/filters.h>

namespace oauthreg::detail {

std::string base64url_encode(std::uint8_t const* data, std::size_t n)
{
    std::string out;
    CryptoPP::StringSource(data, n, true, new CryptoPP::Base64URLEncoder(new CryptoPP::StringSink(out)));
    return out;
}

std::optional<std::string> base64url_decode(std::string_view s)
{
    for (char c : s)
        if (!is_base64url_char(c))
            return std::nullopt;
    if (s.size() % 4 == 1)
        return std::nullopt;
    std::string out;
    CryptoPP::StringSource(reinterpret_cast<std::uint8_t const*>(s.data()), s.size(), true,
                           new CryptoPP::Base64URLDecoder(new CryptoPP::StringSink(out)));
    return out;
}

} // namespace oauthreg::detail

#endif
