// Instructions per URI, for callgrind: our RFC 3986 check (detail/uri.hpp)
// against Boost.URL's parse_uri on every URI of the corpus' requests (the
// members validation parses, tools/lib/request_uris.hpp).
//
//   valgrind --tool=callgrind --collect-atstart=no --toggle-collect='run_*'
//       build/benchmarks/oauthreg_uri_instructions ours|boost [PASSES]    (one command)
// then instructions per URI = collected Ir / (PASSES x the URIs it prints).
#include <oauthreg/detail/uri.hpp>

#include "../tools/lib/request_uris.hpp"

#include <boost/json/parse.hpp>
#include <boost/url/parse.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace {

std::vector<std::string> load()
{
    std::vector<std::string> uris;
    std::ifstream f(OAUTHREG_CORPUS_DIR "/corpus.jsonl");
    for (std::string l; std::getline(f, l);) {
        boost::system::error_code ec;
        auto doc = boost::json::parse(l, ec);
        if (!ec && doc.is_object())
            oauthreg::cli::for_each_request_uri(doc.as_object(), [&](std::string_view u) { uris.emplace_back(u); });
    }
    return uris;
}

// noinline so that callgrind's --toggle-collect finds them
[[gnu::noinline]] std::size_t run_ours(std::vector<std::string> const& uris, int passes)
{
    std::size_t ok = 0;
    for (int p = 0; p < passes; ++p)
        for (auto const& u : uris)
            ok += oauthreg::detail::parse_uri(u).has_value();
    return ok;
}

[[gnu::noinline]] std::size_t run_boost(std::vector<std::string> const& uris, int passes)
{
    std::size_t ok = 0;
    for (int p = 0; p < passes; ++p)
        for (auto const& u : uris)
            ok += boost::urls::parse_uri(u).has_value();
    return ok;
}

} // namespace

int main(int argc, char** argv)
{
    std::string const mode = argc > 1 ? argv[1] : "ours";
    int const passes = argc > 2 ? std::atoi(argv[2]) : 1;
    auto const uris = load();
    std::size_t chars = 0;
    for (auto const& u : uris)
        chars += u.size();
    std::size_t const ok = mode == "boost" ? run_boost(uris, passes) : run_ours(uris, passes);
    std::printf("%s: %zu URIs (%zu characters), %zu accepted per pass, %d passes\n", mode.c_str(), uris.size(),
                chars, ok / static_cast<std::size_t>(passes), passes);
    return 0;
}
