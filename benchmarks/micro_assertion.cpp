// RFC 7523 client assertions (private_key_jwt): verify_client_assertion per
// algorithm, beside the secret check of micro.cpp (authenticate_scaling). One
// assertion a run, signed once with a fresh key; the key set holds the four
// keys, the header's "kid" selects one.
#include <oauthreg/detail/client_assertion.hpp>

#include "../tests/support/jws_signing.hpp"

#include <benchmark/benchmark.h>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <string>

namespace {

using namespace oauthreg;
using namespace oauthreg::test_support;

constexpr unix_seconds now = 1700000000;
constexpr char const* client_id = "https://app.example/client.json";
constexpr char const* audience = "https://registry.example";

struct assertion_fixture {
    signer keys[4] = {rsa_signer<CryptoPP::PKCS1v15>("RS256", 2048, "RS256"),
                      rsa_signer<CryptoPP::PSS>("PS256", 2048, "PS256"), es256_signer("ES256"), eddsa_signer("EdDSA")};
    boost::json::object set;

    assertion_fixture()
    {
        std::string text = R"({"keys":[)";
        for (auto const& k : keys)
            text += (&k == keys ? "" : ",") + k.jwk;
        set = detail::parse_strict(text + "]}").value->as_object();
    }

    std::string assertion(int i) const
    {
        boost::json::object claims{{"iss", client_id}, {"sub", client_id}, {"aud", audience},
                                   {"exp", now + 300}, {"iat", now},       {"jti", "a1b2c3d4e5f6"}};
        auto const& k = keys[i];
        return make_jwt(k, boost::json::serialize(claims), R"({"alg":")" + k.alg + R"(","kid":")" + k.alg + "\"}");
    }
};

assertion_fixture const& fixture()
{
    static assertion_fixture const f;
    return f;
}

void verify_client_assertion(benchmark::State& state, int key)
{
    auto const& f = fixture();
    auto const jwt = f.assertion(key);
    detail::assertion_check const check{client_id, audience, now};
    if (!detail::verify_client_assertion(jwt, f.set, check)) {
        state.SkipWithError("the assertion does not verify");
        return;
    }
    for (auto _ : state)
        benchmark::DoNotOptimize(detail::verify_client_assertion(jwt, f.set, check));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK_CAPTURE(verify_client_assertion, RS256, 0)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(verify_client_assertion, PS256, 1)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(verify_client_assertion, ES256, 2)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(verify_client_assertion, EdDSA, 3)->Unit(benchmark::kMicrosecond);

} // namespace
