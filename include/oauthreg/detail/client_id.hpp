//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_DETAIL_CLIENT_ID_HPP
#define OAUTHREG_DETAIL_CLIENT_ID_HPP

#include <oauthreg/rng/concept.hpp>

#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid.hpp>
#include <boost/uuid/uuid_io.hpp>

#include <array>
#include <cstdint>
#include <limits>
#include <string>

namespace oauthreg::detail {

/** Adapts an RNG policy to the UniformRandomBitGenerator Boost.Uuid expects,
    drawing 16 bytes (one UUID's worth) per call to the policy. */
template <rng_policy Rng> class uuid_bits {
public:
    using result_type = std::uint32_t;
    explicit uuid_bits(Rng& rng) noexcept : rng_(&rng) {}
    static constexpr result_type min() noexcept { return 0; }
    static constexpr result_type max() noexcept { return std::numeric_limits<result_type>::max(); }
    result_type operator()()
    {
        if (used_ == buf_.size()) {
            std::array<std::uint8_t, 16> bytes;
            rng_->fill(bytes.data(), bytes.size());
            for (std::size_t i = 0; i < buf_.size(); ++i)
                buf_[i] = static_cast<result_type>(bytes[4 * i]) | static_cast<result_type>(bytes[4 * i + 1]) << 8 |
                          static_cast<result_type>(bytes[4 * i + 2]) << 16 |
                          static_cast<result_type>(bytes[4 * i + 3]) << 24;
            used_ = 0;
        }
        return buf_[used_++];
    }

private:
    Rng* rng_;
    std::array<result_type, 4> buf_{};
    std::size_t used_ = 4;
};

/** A client_id: a random (version 4) UUID, RFC 4122 4.4, made by Boost.Uuid
    from the RNG policy's bytes; 122 random bits make ids unguessable. */
template <rng_policy Rng> std::string generate_client_id(Rng& rng)
{
    uuid_bits<Rng> bits(rng);
    boost::uuids::basic_random_generator<uuid_bits<Rng>> gen(bits);
    return boost::uuids::to_string(gen());
}

} // namespace oauthreg::detail

#endif
