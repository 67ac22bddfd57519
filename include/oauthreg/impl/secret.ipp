//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
// The bodies of detail/secret.hpp, on Crypto++'s SHA-256, HMAC and filters.
// Header-only, the header includes it; compiled
// (OAUTHREG_SEPARATE_COMPILATION), only src.hpp does.
//
#ifndef OAUTHREG_IMPL_SECRET_IPP
#define OAUTHREG_IMPL_SECRET_IPP

#include <cryptopp/base64.h> // Base64URLEncoder into a secure_string
#include <cryptopp/filters.h>
#include <cryptopp/hmac.h>
#include <cryptopp/misc.h>
#include <cryptopp/sha.h>

namespace oauthreg::detail {

secure_string encode_secret(secure_bytes const& raw)
{
    secure_string out;
    out.reserve((raw.size() * 4 + 2) / 3);
    CryptoPP::StringSource(raw.data(), raw.size(), true,
                           new CryptoPP::Base64URLEncoder(new CryptoPP::StringSinkTemplate<secure_string>(out)));
    return out;
}

secret_hash secret_hasher::operator()(std::string_view secret) const
{
    secret_hash out{};
    auto const* p = reinterpret_cast<std::uint8_t const*>(secret.data());
    if (peppered()) {
        CryptoPP::HMAC<CryptoPP::SHA256> mac(pepper_.data(), pepper_.size());
        mac.CalculateDigest(out.data(), p, secret.size());
    } else {
        CryptoPP::SHA256().CalculateDigest(out.data(), p, secret.size());
    }
    return out;
}

bool equal_constant_time(secret_hash const& a, secret_hash const& b) noexcept
{
    ++constant_time_compares;
    return CryptoPP::VerifyBufsEqual(a.data(), b.data(), a.size());
}

} // namespace oauthreg::detail

#endif
