// Google Benchmark micro-benchmarks of each stage of oauthreg, on the shared
// corpus (generated into the build tree), with items_per_second.
//
//   build/benchmarks/oauthreg_micro --benchmark_min_time=0.2
#include <oauthreg/oauthreg.hpp>
#include <oauthreg/testing/deterministic_rng.hpp>

#include "../tools/lib/parse_floors.hpp"
#include "../tools/lib/request_uris.hpp"

#include <benchmark/benchmark.h>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/parser.hpp>
#include <boost/url/parse.hpp>

#include <malloc.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace {

std::vector<std::string> const& corpus()
{
    static std::vector<std::string> const lines = [] {
        std::vector<std::string> v;
        std::ifstream f(OAUTHREG_CORPUS_DIR "/corpus.jsonl");
        for (std::string l; std::getline(f, l);)
            v.push_back(l);
        return v;
    }();
    return lines;
}

std::vector<std::string> const& corpus_redirect_uris()
{
    static std::vector<std::string> const uris = [] {
        std::vector<std::string> v;
        for (auto const& l : corpus())
            if (auto md = oauthreg::validate_request(l))
                for (auto const& u : md->redirect_uris)
                    v.emplace_back(u);
        return v;
    }();
    return uris;
}

template <class F> void over_corpus(benchmark::State& state, F&& f)
{
    auto const& lines = corpus();
    std::size_t i = 0, bytes = 0;
    for (auto _ : state) {
        auto const& l = lines[i];
        f(l);
        bytes += l.size();
        if (++i == lines.size())
            i = 0;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}

// Boost.JSON to a DOM (reused parser, monotonic buffer): the floor.
void parse_dom(benchmark::State& state)
{
    boost::json::parser p;
    unsigned char buf[16 * 1024];
    over_corpus(state, [&](std::string const& l) {
        boost::json::monotonic_resource mr(buf, sizeof buf);
        p.reset(&mr);
        boost::system::error_code ec;
        p.write(l.data(), l.size(), ec);
        benchmark::DoNotOptimize(p.release());
    });
}
BENCHMARK(parse_dom);

// Parse + validate in one streaming pass (what `oauthreg validate` does).
void validate_request(benchmark::State& state)
{
    over_corpus(state, [](std::string const& l) { benchmark::DoNotOptimize(oauthreg::validate_request(l)); });
}
BENCHMARK(validate_request);

// The floors under validate_request, on the same corpus: a streaming parse whose
// handler accepts every event (no rules, no output), and Boost.URL's parse_uri
// on every URI-valued member of each request (redirect_uris, client_uri,
// logo_uri, tos_uri, policy_uri, their localized variants, jwks_uri: the set
// `oauthreg bench` parses for parse_and_uri_per_s). validate_request cannot be faster
// than the two together.
using oauthreg::cli::null_handler;

void parse_stream_null(benchmark::State& state)
{
    boost::json::basic_parser<null_handler> p(boost::json::parse_options{});
    over_corpus(state, [&](std::string const& l) {
        p.reset();
        boost::system::error_code ec;
        benchmark::DoNotOptimize(p.write_some(false, l.data(), l.size(), ec));
    });
    benchmark::DoNotOptimize(p.handler().events);
}
BENCHMARK(parse_stream_null);

std::vector<std::vector<std::string>> const& corpus_uris_per_request()
{
    static std::vector<std::vector<std::string>> const uris = [] {
        std::vector<std::vector<std::string>> v;
        for (auto const& l : corpus()) {
            auto& mine = v.emplace_back();
            boost::system::error_code ec;
            auto doc = boost::json::parse(l, ec);
            if (ec || !doc.is_object())
                continue;
            oauthreg::cli::for_each_request_uri(doc.as_object(), [&](std::string_view u) { mine.emplace_back(u); });
        }
        return v;
    }();
    return uris;
}

void boost_url_parse_request_uris(benchmark::State& state)
{
    auto const& reqs = corpus_uris_per_request();
    std::size_t i = 0, uris = 0;
    for (auto _ : state) {
        for (auto const& u : reqs[i])
            benchmark::DoNotOptimize(boost::urls::parse_uri(u));
        uris += reqs[i].size();
        if (++i == reqs.size())
            i = 0;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.counters["uris_per_request"] =
        static_cast<double>(uris) / static_cast<double>(std::max<std::int64_t>(1, state.iterations()));
}
BENCHMARK(boost_url_parse_request_uris);

// Validate a redirect URI on its own (our RFC 3986 parse + RFC 6749/8252/9700 rules).
void check_redirect_uri(benchmark::State& state)
{
    auto const& uris = corpus_redirect_uris();
    oauthreg::redirect_uri_rules rules;
    std::size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(oauthreg::detail::check_redirect_uri(uris[i], rules, 2048));
        if (++i == uris.size())
            i = 0;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(check_redirect_uri);

// Boost.URL's parse_uri alone on the same URIs, for comparison.
void boost_url_parse_uri(benchmark::State& state)
{
    auto const& uris = corpus_redirect_uris();
    std::size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(boost::urls::parse_uri(uris[i]));
        if (++i == uris.size())
            i = 0;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(boost_url_parse_uri);

// Our RFC 3986 check (detail/uri.hpp) alone on the same URIs.
void uri_parse(benchmark::State& state)
{
    auto const& uris = corpus_redirect_uris();
    std::size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(oauthreg::detail::parse_uri(uris[i]));
        if (++i == uris.size())
            i = 0;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(uri_parse);

void match_redirect_uri_loopback(benchmark::State& state)
{
    for (auto _ : state)
        benchmark::DoNotOptimize(
            oauthreg::detail::redirect_uri_matches("http://127.0.0.1/callback", "http://127.0.0.1:51234/callback"));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(match_redirect_uri_loopback);

void uuid_v4(benchmark::State& state)
{
    oauthreg::os_rng rng;
    for (auto _ : state)
        benchmark::DoNotOptimize(oauthreg::detail::generate_client_id(rng));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(uuid_v4);

void secret_generate(benchmark::State& state)
{
    oauthreg::os_rng rng;
    for (auto _ : state)
        benchmark::DoNotOptimize(oauthreg::detail::generate_secret(rng));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(secret_generate);

void secret_hash(benchmark::State& state)
{
    auto hasher = state.range(0) ? oauthreg::detail::secret_hasher("pepper") : oauthreg::detail::secret_hasher();
    std::string secret(43, 'x');
    for (auto _ : state)
        benchmark::DoNotOptimize(hasher(secret));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.SetLabel(state.range(0) ? "HMAC-SHA-256" : "SHA-256");
}
BENCHMARK(secret_hash)->Arg(0)->Arg(1);

void secret_verify(benchmark::State& state)
{
    oauthreg::detail::secret_hasher hasher;
    auto stored = hasher("the-secret");
    for (auto _ : state)
        benchmark::DoNotOptimize(oauthreg::detail::equal_constant_time(stored, hasher("the-secret")));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(secret_verify);

oauthreg::client_record typical_record(std::size_t i)
{
    static auto const md =
        oauthreg::validate_request(R"({"redirect_uris":["https://app.example.com/oauth/callback"],)"
                                   R"("client_name":"Acme Dashboard","scope":"openid profile email",)"
                                   R"("logo_uri":"https://cdn.acme.example/logo.png"})")
            .value();
    oauthreg::client_record r;
    r.client_id = "00000000-0000-4000-8000-" + std::to_string(100000000000 + i);
    r.metadata = md;
    r.owner = {"org-" + std::to_string(i % 100), "user-" + std::to_string(i % 1000)};
    r.client_secret_hash = oauthreg::secret_hash{};
    return r;
}

void store_insert(benchmark::State& state)
{
    auto store = std::make_unique<oauthreg::memory_storage_mt>();
    std::size_t i = 0;
    std::vector<oauthreg::client_record> recs;
    for (std::size_t k = 0; k < 4096; ++k)
        recs.push_back(typical_record(k));
    for (auto _ : state) {
        auto r = recs[i % recs.size()];
        r.client_id.append("-").append(std::to_string(i++)); // not += "-" + ...: g++ 12's -Wrestrict false positive
        benchmark::DoNotOptimize(store->insert(std::move(r)));
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(store_insert);

// One page (number 1, size 20, with a name-contains filter that every client
// passes) of an organization holding N clients: client_page_scan through
// page_clients (the memory store's own page: one pass over its organization
// index), client_page_list_scan through the storage contract alone (the
// owner's keyset pages read with list, as for any custom store). Both grow
// with N: the totals count every match.
oauthreg::memory_storage_mt& org_store(std::size_t n)
{
    static std::map<std::size_t, std::unique_ptr<oauthreg::memory_storage_mt>> cache;
    auto& slot = cache[n];
    if (!slot) {
        slot = std::make_unique<oauthreg::memory_storage_mt>();
        for (std::size_t i = 0; i < n; ++i) {
            auto r = typical_record(i);
            r.owner = {"org-pages", "user-1"};
            (void)slot->insert(std::move(r));
        }
    }
    return *slot;
}

template <class Page> void page_scan(benchmark::State& state, Page page)
{
    auto const& store = org_store(static_cast<std::size_t>(state.range(0)));
    oauthreg::client_page_query q;
    q.owner.org_id = "org-pages";
    q.name_contains = "dashboard";
    for (auto _ : state) {
        auto p = page(store, q);
        benchmark::DoNotOptimize(p);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void client_page_scan(benchmark::State& state)
{
    page_scan(state, [](auto const& s, auto const& q) { return oauthreg::page_clients(s, q); });
}
BENCHMARK(client_page_scan)->Arg(10)->Arg(1000)->Arg(100000)->Unit(benchmark::kMicrosecond);

void client_page_list_scan(benchmark::State& state)
{
    page_scan(state, [](auto const& s, auto const& q) { return oauthreg::detail::page_by_list(s, q); });
}
BENCHMARK(client_page_list_scan)->Arg(10)->Arg(1000)->Arg(100000)->Unit(benchmark::kMicrosecond);

// Bytes the program holds: from malloc, in its arenas and in blocks of their
// own mapping, and in the huge-page mappings of the memory store.
std::size_t heap_bytes()
{
    auto const m = mallinfo2();
    return m.uordblks + m.hblkhd + oauthreg::detail::huge_page_bytes().load();
}

// Lookup and authenticate against a registry holding N typical clients; reports
// the heap bytes per stored client.
struct filled_registry {
    using registry_type =
        oauthreg::basic_registry<oauthreg::memory_storage_mt, oauthreg::deterministic_rng_for_testing_only,
                                 oauthreg::system_clock>;
    std::unique_ptr<registry_type> reg;
    std::vector<std::pair<std::string, std::string>> creds;
    double bytes_per_client = 0;

    explicit filled_registry(std::size_t n)
    {
        reg = std::make_unique<registry_type>();
        std::vector<std::pair<std::string, std::string>> all;
        all.reserve(n);
        auto before = heap_bytes();
        constexpr char const* body = R"({"redirect_uris":["https://app.example.com/oauth/callback"],)"
                                     R"("client_name":"Acme Dashboard","scope":"openid profile email",)"
                                     R"("logo_uri":"https://cdn.acme.example/logo.png"})";
        std::vector<std::string> ids;
        for (std::size_t i = 0; i < n; ++i) {
            auto r = reg->register_client(body, {"org-" + std::to_string(i % 100), "user-" + std::to_string(i % 1000)});
            all.emplace_back(r->record.client_id, *r->client_secret);
        }
        auto after = heap_bytes();
        // the credentials kept here are not part of the store: subtract them
        std::size_t kept = 0;
        for (auto const& [id, s] : all)
            kept += (id.capacity() > 15 ? id.capacity() + 1 : 0) + (s.capacity() > 15 ? s.capacity() + 1 : 0);
        kept += all.capacity() * sizeof(all[0]);
        bytes_per_client = (static_cast<double>(after - before) - static_cast<double>(kept)) / static_cast<double>(n);
        // query a fixed random-looking sample, so large stores miss the cache as a server would
        for (std::size_t i = 0; i < 4096; ++i)
            creds.push_back(all[(i * 2654435761u) % n]);
    }
};

filled_registry& filled(std::size_t n)
{
    static std::map<std::size_t, std::unique_ptr<filled_registry>> cache;
    if (auto it = cache.find(n); it != cache.end())
        return *it->second;
    cache.clear(); // keep one size alive at a time
    auto& slot = cache[n];
    slot = std::make_unique<filled_registry>(n);
    return *slot;
}

// Visits the first `Hot` clients of the sample over and over (a constant, so
// the index costs a mask or a multiply, not a division, in the timed loop).
template <std::size_t Hot> void visit_hot(benchmark::State& state)
{
    auto& f = filled(static_cast<std::size_t>(state.range(0)));
    std::size_t i = 0, n = 0;
    for (auto _ : state) {
        (void)f.reg->visit(f.creds[i % Hot].first,
                           [&](oauthreg::client_record const& r) { n += r.metadata.redirect_uris.size(); });
        ++i;
    }
    benchmark::DoNotOptimize(n);
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void lookup_scaling(benchmark::State& state)
{
    visit_hot<4096>(state);
    state.counters["bytes_per_client"] = filled(static_cast<std::size_t>(state.range(0))).bytes_per_client;
}
BENCHMARK(lookup_scaling)->Arg(1000)->Arg(100000)->Arg(1000000)->Unit(benchmark::kNanosecond);

// The same lookups over the same number of hot clients (1,000) at every store
// size: the cost of the store growing, apart from the working set growing (in
// lookup_scaling the 1e3 store can only offer 1,000 distinct clients, larger
// ones 4,096).
void lookup_scaling_1000_hot(benchmark::State& state) { visit_hot<1000>(state); }
BENCHMARK(lookup_scaling_1000_hot)->Arg(1000)->Arg(1000000)->Unit(benchmark::kNanosecond);

void get_scaling(benchmark::State& state)
{
    auto& f = filled(static_cast<std::size_t>(state.range(0)));
    std::size_t i = 0;
    for (auto _ : state)
        benchmark::DoNotOptimize(f.reg->find(f.creds[i++ & 4095].first));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(get_scaling)->Arg(1000)->Arg(100000)->Arg(1000000);

void authenticate_scaling(benchmark::State& state)
{
    auto& f = filled(static_cast<std::size_t>(state.range(0)));
    std::size_t i = 0;
    for (auto _ : state) {
        auto const& [id, secret] = f.creds[i++ & 4095];
        benchmark::DoNotOptimize(f.reg->authenticate(id, secret));
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.counters["bytes_per_client"] = f.bytes_per_client;
}
BENCHMARK(authenticate_scaling)->Arg(1000)->Arg(100000)->Arg(1000000);

#if defined(__linux__)
// What address translation costs on this machine: one dependent load per item
// over 3,000 cache lines (192 KiB, within L2) of a 1 GiB block advised as huge
// pages, the lines placed (0) on 47 adjacent pages, (1) each on its own 4 KiB
// page across the GiB, (2) each on its own 4 KiB page but within 64 huge pages.
// Where 2 MiB translations reach the TLB, (2) costs what (0) does; where the
// hypervisor backs memory with 4 KiB pages, what (1) does, and no store layout
// widens the TLB's reach (benchmarks/README.md, lookup at 1e6).
void address_translation(benchmark::State& state)
{
    constexpr std::size_t gib = std::size_t{1} << 30, lines = 3000, page = 4096;
    constexpr std::size_t huge = oauthreg::detail::huge_page_size;
    auto* base = static_cast<char*>(oauthreg::detail::allocate_block(gib));
    if (!base) {
        state.SkipWithError("cannot map 1 GiB");
        return;
    }
    std::memset(base, 1, gib);
    std::vector<std::size_t> at(lines);
    for (std::size_t i = 0; i < lines; ++i) {
        std::size_t const line = (i % 64) * 64; // spread over cache sets
        switch (state.range(0)) {
        case 0:
            at[i] = (i / 64) * page + line;
            break;
        case 1:
            at[i] = (i * (gib / lines)) / page * page + line;
            break;
        default:
            at[i] = (i % 64) * (gib / 64) + (i / 64) * 7 % (huge / page) * page + (i / 64) % 64 * 64;
            break;
        }
    }
    std::shuffle(at.begin(), at.end(), std::mt19937_64(42));
    for (std::size_t i = 0; i < lines; ++i)
        *reinterpret_cast<char**>(base + at[i]) = base + at[(i + 1) % lines];
    char* p = base + at[0];
    for (std::size_t i = 0; i < 10 * lines; ++i) // warm the caches
        p = *reinterpret_cast<char**>(p);
    for (auto _ : state) {
        p = *reinterpret_cast<char**>(p);
        benchmark::DoNotOptimize(p);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.SetLabel(state.range(0) == 0   ? "47 adjacent pages"
                   : state.range(0) == 1 ? "3,000 pages"
                                         : "3,000 pages in 64 huge");
    oauthreg::detail::deallocate_block(base, gib);
}
BENCHMARK(address_translation)->Arg(0)->Arg(1)->Arg(2);
#endif

} // namespace

BENCHMARK_MAIN();
