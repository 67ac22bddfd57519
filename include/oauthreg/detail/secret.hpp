//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_DETAIL_SECRET_HPP
#define OAUTHREG_DETAIL_SECRET_HPP

#include <oauthreg/config.hpp>
#include <oauthreg/detail/base64url.hpp>
#include <oauthreg/record.hpp>
#include <oauthreg/rng/concept.hpp>
#include <oauthreg/secure_string.hpp>

#include <cryptopp/secblock.h>

#include <optional>
#include <string>
#include <string_view>

namespace oauthreg::detail {

/** Secret bytes that wipe themselves (Crypto++ SecByteBlock). */
using secure_bytes = CryptoPP::SecByteBlock;

/** `raw` base64url-encoded into a secure_string (generate_secret's text). */
OAUTHREG_DECL secure_string encode_secret(secure_bytes const& raw);

/** A fresh high-entropy secret: `bytes` random bytes from the RNG policy,
    base64url-encoded. 32 bytes give 256 bits (RFC 6749 10.10, RFC 6819 5.1.4.2.2).
    The raw bytes live in a SecByteBlock and the text in a secure_string, so
    both are zeroed when released. */
template <rng_policy Rng> secure_string generate_secret(Rng& rng, std::size_t bytes = 32)
{
    secure_bytes raw(bytes);
    rng.fill(raw.data(), raw.size());
    return encode_secret(raw);
}

/** Hashes secrets for storage: HMAC-SHA-256 keyed with a server-held pepper,
    or plain SHA-256 where no pepper is configured. Secrets are 256-bit random
    values, so a fast hash suffices (no password hashing needed: RFC 6819 5.1.4.1.3). */
class secret_hasher {
public:
    secret_hasher() = default;
    explicit secret_hasher(std::string_view pepper)
        : pepper_(reinterpret_cast<std::uint8_t const*>(pepper.data()), pepper.size())
    {}

    bool peppered() const noexcept { return pepper_.size() != 0; }

    /** The stored hash of `secret`. */
    OAUTHREG_DECL secret_hash operator()(std::string_view secret) const;

private:
    secure_bytes pepper_;
};

/** How many constant-time comparisons this thread has made: tests read it to
    prove that every authentication path compares through equal_constant_time. */
inline thread_local std::size_t constant_time_compares = 0;

/** Compares two digests in time independent of where they differ (Crypto++
    VerifyBufsEqual: it ORs the XOR of every byte pair, with no early exit). */
OAUTHREG_DECL bool equal_constant_time(secret_hash const& a, secret_hash const& b) noexcept;

} // namespace oauthreg::detail

#ifndef OAUTHREG_SEPARATE_COMPILATION
#include <oauthreg/impl/secret.ipp>
#endif

#endif
