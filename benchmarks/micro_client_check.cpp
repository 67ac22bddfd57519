// The client check (client_check.hpp): resolving a cached Client ID Metadata
// Document against resolving a registered client, and a whole check with a
// secret against one with an ES256 assertion (its jti fresh each time).
// Stores of 1,000 clients; the document cache holds one document.
#include <oauthreg/client_check.hpp>
#include <oauthreg/registry.hpp>
#include <oauthreg/testing/deterministic_rng.hpp>
#include <oauthreg/testing/fetch_double.hpp>

#include "../tests/support/jws_signing.hpp"

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

namespace {

using namespace oauthreg;
using bench_registry = basic_registry<memory_storage_mt, deterministic_rng_for_testing_only, manual_clock>;
using directory = basic_client_directory<bench_registry, testing::fetch_double>;

constexpr char const* doc_url = "https://app.example/client.json";

struct check_fixture {
    bench_registry reg;
    testing::fetch_double fetch;
    directory dir{reg, options(), fetch};
    std::vector<std::string> ids;
    std::string secret_id, secret, keyed_id;
    test_support::signer key = test_support::es256_signer("k1");

    static client_directory_options options()
    {
        client_directory_options o;
        o.metadata_documents = true;
        return o;
    }

    check_fixture()
    {
        for (int i = 0; i < 1000; ++i)
            ids.push_back(reg.register_client(R"({"redirect_uris":["https://app.example/cb"]})", {"org", "u"})
                              ->record.client_id);
        auto s = reg.register_client(R"({"redirect_uris":["https://app.example/cb"]})", {"org", "u"});
        secret_id = s->record.client_id;
        secret = std::string(std::string_view(*s->client_secret));
        keyed_id = reg.register_client(R"({"redirect_uris":["https://app.example/cb"],"token_endpoint_auth_method":)"
                                       R"("private_key_jwt","jwks":{"keys":[)" + key.jwk + "]}}",
                                       {"org", "u"})
                       ->record.client_id;
        fetch.serve_json(doc_url, std::string(R"({"client_id":")") + doc_url +
                                      R"(","redirect_uris":["https://app.example/cb"]})", "max-age=86400");
    }
};

check_fixture& fixture()
{
    static check_fixture f;
    return f;
}

void client_check_resolve_registered(benchmark::State& state)
{
    auto& f = fixture();
    std::size_t i = 0;
    for (auto _ : state)
        benchmark::DoNotOptimize(f.dir.resolve(f.ids[i++ % f.ids.size()]));
}
BENCHMARK(client_check_resolve_registered);

void client_check_resolve_document_cached(benchmark::State& state)
{
    auto& f = fixture();
    if (!f.dir.resolve(doc_url)) {
        state.SkipWithError("the document does not resolve");
        return;
    }
    for (auto _ : state)
        benchmark::DoNotOptimize(f.dir.resolve(doc_url));
}
BENCHMARK(client_check_resolve_document_cached);

void client_check_secret(benchmark::State& state)
{
    auto& f = fixture();
    client_check_request q{.client_id = f.secret_id, .audience = "https://as.example"};
    q.client_secret = f.secret;
    for (auto _ : state)
        benchmark::DoNotOptimize(f.dir.check(q));
}
BENCHMARK(client_check_secret)->Unit(benchmark::kMicrosecond);

void client_check_es256_assertion(benchmark::State& state)
{
    auto& f = fixture();
    auto const now = f.reg.clock().now();
    static int run = 0; // a jti prefix of its own for each run: no replays
    ++run;
    std::vector<std::string> jwts; // signed beforehand: the check, not the signing, is measured
    for (int i = 0; i < 4096; ++i)
        jwts.push_back(test_support::make_jwt(
            f.key, R"({"iss":")" + f.keyed_id + R"(","sub":")" + f.keyed_id + R"(","aud":"https://as.example",)"
                       R"("jti":"j)" + std::to_string(run) + "-" + std::to_string(i) +
                       R"(","exp":)" + std::to_string(now + 300) + "}"));
    client_check_request q{.client_id = f.keyed_id, .audience = "https://as.example"};
    q.client_assertion_type = detail::jwt_bearer_assertion_type;
    std::size_t i = 0, failed = 0;
    for (auto _ : state) {
        q.client_assertion = jwts[i++ % jwts.size()]; // past 4096 a jti repeats: a replay, refused alike
        failed += f.dir.check(q) ? 0 : 1;
    }
    state.counters["refused"] = static_cast<double>(failed);
}
BENCHMARK(client_check_es256_assertion)->Unit(benchmark::kMicrosecond)->Iterations(4096);

} // namespace
