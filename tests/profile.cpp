// Tests of the profile.hpp contract: the presets.
#include <oauthreg/profile.hpp>

#include "support/catch.hpp"

using namespace oauthreg;

TEST_CASE("the default profile is the reference API", "[profile]")
{
    auto p = profile::default_profile();
    CHECK(p.name == "default");
    CHECK(p.grant_types == enum_set<grant_type>{grant_type::authorization_code, grant_type::client_credentials,
                                                grant_type::refresh_token});
    // RFC 7523 2.2: private_key_jwt too, which the client check verifies (docs/client-check.md)
    CHECK(p.auth_methods == enum_set<auth_method>{auth_method::none, auth_method::client_secret_basic,
                                                  auth_method::client_secret_post, auth_method::private_key_jwt});
    CHECK(p.response_types == enum_set<response_type>{response_type::code});
    CHECK(p.limits.max_body_bytes == 64 * 1024);
}

TEST_CASE("the rfc7591 profile omits what RFC 9700 forbids", "[profile]")
{
    auto p = profile::rfc7591();
    CHECK(p.grant_types.contains(grant_type::device_code));
    CHECK(p.auth_methods.contains(auth_method::private_key_jwt));
    CHECK_FALSE(p.grant_types.contains(grant_type::password)); // RFC 9700 2.4
    CHECK_FALSE(p.grant_types.contains(grant_type::implicit)); // RFC 9700 2.1.2
    CHECK_FALSE(p.response_types.contains(response_type::token));
}

TEST_CASE("profiles by name", "[profile]")
{
    CHECK(profile::by_name("default")->name == "default");
    CHECK(profile::by_name("rfc7591")->name == "rfc7591");
    CHECK_FALSE(profile::by_name("nope"));
}
