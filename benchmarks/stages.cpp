// Where validation time goes, by stage, on the shared corpus: time and
// malloc calls per request for each stage, best and median of PASSES.
//
//   build/benchmarks/oauthreg_stages [PASSES]
//   valgrind --tool=callgrind --cache-sim=yes --collect-atstart=no --toggle-collect='(anonymous namespace)::run_*'
//       build/benchmarks/oauthreg_stages 1        (instructions and cache misses by stage)
//
// Stages: the DOM parse (the floor `oauthreg bench` divides by); the streaming
// parse with a handler that accepts every event; the same parse with our
// request handler (member dispatch, duplicate check, views: no rules); the
// whole of validate_request; building an owned client_metadata (a copy of each
// accepted result) and freeing one. The rules are what validate_request costs
// above the handler and the owned result.
#include <oauthreg/validate.hpp>

#include "../tools/lib/parse_floors.hpp"

#include <boost/json/basic_parser_impl.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace {
std::size_t news = 0; // malloc calls; this program is single-threaded
} // namespace

// Counts every malloc (operator new, Boost, the C library) by interposing on
// glibc's, which it then calls.
extern "C" void* __libc_malloc(std::size_t);
extern "C" void* malloc(std::size_t n)
{
    ++news;
    return __libc_malloc(n);
}

namespace {

using lines_t = std::vector<std::string>;
using results_t = std::vector<oauthreg::client_metadata>;

using oauthreg::cli::null_handler;

// noinline so that callgrind's --toggle-collect finds them
[[gnu::noinline]] std::size_t run_dom(lines_t const& lines)
{
    return oauthreg::cli::for_each_dom(lines, [](boost::json::value const& v) { return v.is_object(); });
}

[[gnu::noinline]] std::size_t run_stream_null(lines_t const& lines)
{
    static boost::json::basic_parser<null_handler> p(boost::json::parse_options{});
    std::size_t n = 0;
    for (auto const& l : lines) {
        p.reset();
        boost::system::error_code ec;
        n += p.write_some(false, l.data(), l.size(), ec);
    }
    return n + p.handler().events;
}

[[gnu::noinline]] std::size_t run_handler(lines_t const& lines)
{
    static oauthreg::profile const prof;
    static boost::json::basic_parser<oauthreg::detail::request_handler> p(boost::json::parse_options{}, prof.limits);
    std::size_t n = 0;
    for (auto const& l : lines) {
        p.reset();
        p.handler().reset(prof.limits, l);
        boost::system::error_code ec;
        n += p.write_some(false, l.data(), l.size(), ec) + p.handler().out.redirect_uris.items.size();
    }
    return n;
}

[[gnu::noinline]] std::size_t run_validate(lines_t const& lines)
{
    static oauthreg::profile const prof;
    std::size_t n = 0;
    for (auto const& l : lines)
        n += oauthreg::validate_request(l, prof).has_value();
    return n;
}

[[gnu::noinline]] std::size_t run_check(lines_t const& lines)
{
    static oauthreg::profile const prof;
    std::size_t n = 0;
    for (auto const& l : lines)
        n += oauthreg::check_request(l, prof).has_value();
    return n;
}

[[gnu::noinline]] std::size_t run_build(results_t const& in, results_t& out)
{
    for (auto const& md : in)
        out.push_back(md);
    return out.size();
}

[[gnu::noinline]] std::size_t run_free(results_t& out)
{
    auto const n = out.size();
    out.clear();
    return n;
}

struct stage {
    char const* name;
    std::vector<double> ns; ///< per request, one per pass
    double news_per_request = 0;
};

template <class F> void measure(stage& s, std::size_t requests, F&& f)
{
    auto const n0 = news;
    auto const t0 = std::chrono::steady_clock::now();
    static volatile std::size_t sink;
    sink = sink + f();
    std::chrono::duration<double, std::nano> const dt = std::chrono::steady_clock::now() - t0;
    s.ns.push_back(dt.count() / static_cast<double>(requests));
    s.news_per_request = static_cast<double>(news - n0) / static_cast<double>(requests);
}

} // namespace

int main(int argc, char** argv)
{
    int const passes = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
    lines_t lines;
    std::ifstream f(OAUTHREG_CORPUS_DIR "/corpus.jsonl");
    for (std::string l; std::getline(f, l);)
        lines.push_back(l);
    if (lines.empty()) {
        std::fputs("no corpus at " OAUTHREG_CORPUS_DIR "\n", stderr);
        return 1;
    }
    results_t accepted, copies;
    for (auto const& l : lines)
        if (auto md = oauthreg::validate_request(l))
            accepted.push_back(std::move(*md));
    copies.reserve(accepted.size());

    stage dom{"DOM parse (parse_per_s)", {}}, null{"streaming parse, null handler", {}},
        handler{"streaming parse, our handler (no rules)", {}}, validate{"validate_request, all of it", {}},
        check{"check_request (the rules, no result built)", {}},
        build{"build an owned client_metadata (copy)", {}}, free{"free an owned client_metadata", {}};
    auto const n = lines.size();
    for (int p = 0; p < passes; ++p) {
        measure(dom, n, [&] { return run_dom(lines); });
        measure(null, n, [&] { return run_stream_null(lines); });
        measure(handler, n, [&] { return run_handler(lines); });
        measure(validate, n, [&] { return run_validate(lines); });
        measure(check, n, [&] { return run_check(lines); });
        // per request, as validate_request builds one for each accepted request
        measure(build, n, [&] { return run_build(accepted, copies); });
        measure(free, n, [&] { return run_free(copies); });
    }
    std::printf("%zu requests, %zu accepted, %d passes; ns per request (best, median), malloc calls per request\n", n,
                accepted.size(), passes);
    for (auto* s : {&dom, &null, &handler, &validate, &check, &build, &free}) {
        std::sort(s->ns.begin(), s->ns.end());
        std::printf("%-44s %8.1f %8.1f %6.2f\n", s->name, s->ns.front(), s->ns[s->ns.size() / 2], s->news_per_request);
    }
    return 0;
}
