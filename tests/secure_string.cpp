// Tests of secret hygiene: secure_string, and that every authentication path
// compares digests with the constant-time routine.
#include <oauthreg/secure_string.hpp>

#include "support/catch.hpp"

#include <oauthreg/registry.hpp>

#include <type_traits>

using namespace oauthreg;

static_assert(std::is_same_v<secure_string::allocator_type, CryptoPP::AllocatorWithCleanup<char>>,
              "secrets live in buffers that Crypto++ zeroes before freeing");
static_assert(std::is_same_v<decltype(registration::client_secret), std::optional<secure_string>>);
static_assert(std::is_same_v<decltype(registration::registration_access_token), std::optional<secure_string>>);
static_assert(std::is_same_v<decltype(rotated_secret::client_secret), secure_string>);

TEST_CASE("secure_string: secrets are longer than any small-string buffer", "[secret]")
{
    os_rng rng;
    auto s = detail::generate_secret(rng);
    CHECK(s.size() == 43);
    CHECK(s.size() > secure_string().capacity()); // so the text is in the wiped heap buffer
    std::string_view v = s;
    CHECK(v.size() == 43);
}

TEST_CASE("RFC 6749 2.3.1: every authentication path compares in constant time, once", "[secret]")
{
    registry_options o;
    o.profile.client_secret_lifetime = 10;
    o.registration_base_uri = "https://as.example/register";
    basic_registry<memory_storage_st, os_rng, manual_clock> reg(o);
    auto conf = reg.register_client(R"({"grant_types":["client_credentials"]})").value();
    auto pub = reg.register_client(R"({"redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":"none"})")
                   .value();
    auto const& id = conf.record.client_id;
    std::string_view secret = *conf.client_secret;
    auto compares_for = [&](auto&& call) {
        auto before = detail::constant_time_compares;
        call();
        return detail::constant_time_compares - before;
    };
    CHECK(compares_for([&] { CHECK(reg.authenticate(id, secret).has_value()); }) == 1);
    CHECK(compares_for([&] { CHECK_FALSE(reg.authenticate(id, "wrong").has_value()); }) == 1);
    CHECK(compares_for([&] { CHECK_FALSE(reg.authenticate("no-such-client", secret).has_value()); }) == 1);
    CHECK(compares_for([&] { CHECK_FALSE(reg.authenticate(pub.record.client_id, "").has_value()); }) == 1);
    CHECK(compares_for([&] { CHECK(reg.check_registration_token(id, *conf.registration_access_token).has_value()); }) ==
          1);
    CHECK(compares_for([&] { CHECK_FALSE(reg.check_registration_token("no-such-client", "t").has_value()); }) == 1);
    reg.clock().advance(10);
    CHECK(compares_for([&] { CHECK_FALSE(reg.authenticate(id, secret).has_value()); }) == 1); // expired
}
