// Test helper: fresh signing keys of each JWS algorithm the engine accepts
// (RS256, PS256, ES256, EdDSA), made with Crypto++, with their public JWKs,
// and compact JWSs signed with them. For software statements, client
// assertions and their benchmark.
#ifndef OAUTHREG_TESTS_SUPPORT_JWS_SIGNING_HPP
#define OAUTHREG_TESTS_SUPPORT_JWS_SIGNING_HPP

#include <oauthreg/detail/base64url.hpp>

#include <cryptopp/eccrypto.h>
#include <cryptopp/oids.h>
#include <cryptopp/osrng.h>
#include <cryptopp/pssr.h>
#include <cryptopp/rsa.h>
#include <cryptopp/sha.h>
#include <cryptopp/xed25519.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace oauthreg::test_support {

inline std::string b64(std::string_view s)
{
    return detail::base64url_encode(reinterpret_cast<std::uint8_t const*>(s.data()), s.size());
}

/** An integer as `len` big-endian bytes, base64url-encoded (RFC 7518 6.2.1.2, 6.3.1.1). */
inline std::string b64(CryptoPP::Integer const& i, std::size_t len)
{
    std::string bytes(len, '\0');
    i.Encode(reinterpret_cast<CryptoPP::byte*>(bytes.data()), len);
    return b64(bytes);
}

/** A signing key of one algorithm, with its public JWK. */
struct signer {
    std::string alg;
    std::string jwk; // public JWK, JSON text
    std::function<std::string(std::string const&)> sign;
};

inline CryptoPP::AutoSeededRandomPool& rng()
{
    static CryptoPP::AutoSeededRandomPool r;
    return r;
}

/** RS256 (Scheme PKCS1v15) or PS256 (Scheme PSS: MGF1 SHA-256, salt of 32 bytes). */
template <class Scheme> signer rsa_signer(char const* alg, unsigned bits, std::string const& kid)
{
    auto key = std::make_shared<CryptoPP::InvertibleRSAFunction>();
    key->GenerateRandomWithKeySize(rng(), bits);
    signer s;
    s.alg = alg;
    auto n = key->GetModulus();
    s.jwk = R"({"kty":"RSA","kid":")" + kid + R"(","n":")" + b64(n, n.ByteCount()) + R"(","e":")" +
            b64(key->GetPublicExponent(), key->GetPublicExponent().ByteCount()) + "\"}";
    s.sign = [key](std::string const& input) {
        typename CryptoPP::RSASS<Scheme, CryptoPP::SHA256>::Signer sg(*key);
        std::string sig(sg.MaxSignatureLength(), '\0');
        auto len = sg.SignMessage(rng(), reinterpret_cast<CryptoPP::byte const*>(input.data()), input.size(),
                                  reinterpret_cast<CryptoPP::byte*>(sig.data()));
        sig.resize(len);
        return sig;
    };
    return s;
}

inline signer es256_signer(std::string const& kid)
{
    auto key = std::make_shared<CryptoPP::ECDSA<CryptoPP::ECP, CryptoPP::SHA256>::PrivateKey>();
    key->Initialize(rng(), CryptoPP::ASN1::secp256r1());
    CryptoPP::ECDSA<CryptoPP::ECP, CryptoPP::SHA256>::PublicKey pub;
    key->MakePublicKey(pub);
    auto const& q = pub.GetPublicElement();
    signer s;
    s.alg = "ES256";
    s.jwk = R"({"kty":"EC","crv":"P-256","kid":")" + kid + R"(","x":")" + b64(q.x, 32) + R"(","y":")" + b64(q.y, 32) +
            "\"}";
    s.sign = [key](std::string const& input) {
        CryptoPP::ECDSA<CryptoPP::ECP, CryptoPP::SHA256>::Signer sg(*key);
        std::string sig(sg.MaxSignatureLength(), '\0'); // IEEE P1363 R || S, as JWS wants
        auto len = sg.SignMessage(rng(), reinterpret_cast<CryptoPP::byte const*>(input.data()), input.size(),
                                  reinterpret_cast<CryptoPP::byte*>(sig.data()));
        sig.resize(len);
        return sig;
    };
    return s;
}

inline signer eddsa_signer(std::string const& kid)
{
    auto key = std::make_shared<CryptoPP::ed25519::Signer>(rng());
    CryptoPP::ed25519::Verifier ver(*key);
    auto const& pub = dynamic_cast<CryptoPP::ed25519PublicKey const&>(ver.GetPublicKey());
    signer s;
    s.alg = "EdDSA";
    s.jwk = R"({"kty":"OKP","crv":"Ed25519","kid":")" + kid + R"(","x":")" +
            b64(std::string_view(reinterpret_cast<char const*>(pub.GetPublicKeyBytePtr()), 32)) + "\"}";
    s.sign = [key](std::string const& input) {
        std::string sig(64, '\0');
        key->SignMessage(rng(), reinterpret_cast<CryptoPP::byte const*>(input.data()), input.size(),
                         reinterpret_cast<CryptoPP::byte*>(sig.data()));
        return sig;
    };
    return s;
}

/** A compact JWS of `claims` signed by `s`; the header defaults to {"alg": s.alg, "typ": "JWT"}. */
inline std::string make_jwt(signer const& s, std::string const& claims, std::string header = {})
{
    if (header.empty())
        header = R"({"alg":")" + s.alg + R"(","typ":"JWT"})";
    auto input = b64(header) + "." + b64(claims);
    return input + "." + b64(s.sign(input));
}

} // namespace oauthreg::test_support

#endif
