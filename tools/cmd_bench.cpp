// `oauthreg bench --corpus FILE [--passes N] [--threads T] [--profile NAME] [--store URI]`

#include "commands.hpp"
#include "lib/cli_common.hpp"
#include "lib/parse_floors.hpp"
#include "lib/request_uris.hpp"
#include "lib/store.hpp"

#include <oauthreg/registry.hpp>
#include <oauthreg/validate.hpp>

#include <boost/url/parse.hpp>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

namespace oauthreg::cli {

namespace bench_detail {

using clock_type = std::chrono::steady_clock;

/** Keeps the optimizer from discarding a result. */
inline void keep(std::size_t v)
{
    static std::atomic<std::size_t> sink{0};
    sink.fetch_add(v, std::memory_order_relaxed);
}

inline double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    auto n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/** Items per second of `f()` that processes `items` items. */
template <class F> double rate(std::size_t items, F&& f)
{
    auto t0 = clock_type::now();
    f();
    std::chrono::duration<double> dt = clock_type::now() - t0;
    return static_cast<double>(items) / dt.count();
}

/** The DOM parse alone: the floor any validator that reads JSON pays. */
inline std::size_t parse_all(std::vector<std::string> const& lines)
{
    return for_each_dom(lines, [](boost::json::value const& v) {
        auto const* o = v.if_object();
        return o ? o->size() : 0;
    });
}

/** The DOM parse, then Boost.URL's parse_uri on every URI the request holds:
    the floor of any validator built on the two libraries oauthreg must use. */
inline std::size_t parse_and_uri_all(std::vector<std::string> const& lines)
{
    return for_each_dom(lines, [](boost::json::value const& v) {
        std::size_t n = 0;
        if (auto const* o = v.if_object())
            for_each_request_uri(*o, [&](std::string_view u) {
                n += boost::urls::parse_uri(boost::core::string_view(u.data(), u.size())).has_value();
            });
        return n;
    });
}

inline std::size_t validate_all(std::vector<std::string> const& lines, profile const& prof)
{
    std::size_t ok = 0;
    for (auto const& l : lines)
        ok += validate_request(l, prof).has_value();
    return ok;
}

/** The verdicts alone (check_request): the same rules, no metadata built. */
inline std::size_t check_all(std::vector<std::string> const& lines, profile const& prof)
{
    std::size_t ok = 0;
    for (auto const& l : lines)
        ok += check_request(l, prof).has_value();
    return ok;
}

/** One pass of register, lookup (visit), get and authenticate on `reg`.
    Lookups and authentications repeat the stored set to about `ops` operations
    (at least once each). */
template <class Registry>
void registry_pass(Registry& reg, std::vector<std::string> const& lines, std::size_t ops,
                   std::vector<double>& register_r, std::vector<double>& lookup_r, std::vector<double>& get_r,
                   std::vector<double>& auth_r)
{
    // register: validate + id + secret + hash + insert
    std::vector<std::pair<std::string, std::string>> creds;
    std::vector<std::string> ids;
    creds.reserve(lines.size());
    ids.reserve(lines.size());
    register_r.push_back(rate(lines.size(), [&] {
        for (auto const& l : lines) {
            auto r = reg.register_client(l, {"bench-org", "bench-user"});
            if (!r)
                continue;
            ids.push_back(r->record.client_id);
            if (r->client_secret)
                creds.emplace_back(r->record.client_id, std::move(*r->client_secret));
        }
    }));
    std::size_t const lookup_rounds = std::max<std::size_t>(1, ops / std::max<std::size_t>(1, ids.size()));
    // lookup: find by client_id and read the record in place (registry::visit)
    lookup_r.push_back(rate(lookup_rounds * ids.size(), [&] {
        std::size_t n = 0;
        for (std::size_t round = 0; round < lookup_rounds; ++round)
            for (auto const& id : ids)
                (void)reg.visit(id, [&](client_record const& rec) { n += rec.metadata.redirect_uris.size(); });
        keep(n);
    }));
    // get: lookup plus a copy of the whole record (registry::get)
    get_r.push_back(rate(lookup_rounds * ids.size(), [&] {
        std::size_t n = 0;
        for (std::size_t round = 0; round < lookup_rounds; ++round)
            for (auto const& id : ids)
                n += reg.find(id).has_value();
        keep(n);
    }));
    std::size_t const auth_rounds = std::max<std::size_t>(1, ops / std::max<std::size_t>(1, creds.size()));
    auth_r.push_back(rate(auth_rounds * creds.size(), [&] {
        std::size_t n = 0;
        for (std::size_t round = 0; round < auth_rounds; ++round)
            for (auto const& [id, secret] : creds)
                n += reg.authenticate(id, secret).has_value();
        keep(n);
    }));
}

/** bench's command line. */
struct bench_args {
    common_options opts;
    std::string corpus_path;
    int passes = 5;
    int threads = 0;
    std::string store = "memory";
};

inline bench_args parse_bench_args(int argc, char** argv)
{
    bench_args args;
    args.opts = parse_common(argc, argv, 2, [&](std::string_view a, int&, auto& value) {
        if (a == "--store") {
            args.store = value();
            return true;
        }
        if (a == "--corpus") {
            args.corpus_path = value();
            return true;
        }
        if (a == "--passes" || a == "--threads") {
            auto v = value();
            int n = 0;
            try {
                n = std::stoi(v);
            } catch (...) {
                throw usage_error{std::string(a) + " takes a positive integer"};
            }
            if (n < 1 || n > 1000)
                throw usage_error{std::string(a) + " takes a positive integer (1 to 1000)"};
            (a == "--passes" ? args.passes : args.threads) = n;
            return true;
        }
        return false;
    });
    if (args.corpus_path.empty() || !args.opts.positional.empty())
        throw usage_error{"bench needs --corpus FILE"};
    return args;
}

/** The corpus' non-empty lines; `bytes` is their total size. */
inline std::vector<std::string> corpus_lines(std::string const& text, std::size_t& bytes)
{
    std::vector<std::string> lines;
    bytes = 0;
    for (std::size_t pos = 0; pos < text.size();) {
        auto nl = text.find('\n', pos);
        if (nl == std::string::npos)
            nl = text.size();
        if (nl > pos) {
            lines.emplace_back(text.substr(pos, nl - pos));
            bytes += nl - pos;
        }
        pos = nl + 1;
    }
    if (lines.empty())
        throw usage_error{"the corpus is empty"};
    return lines;
}

/** Each stage's rate in every pass, per second. */
struct bench_rates {
    std::vector<double> parse, parse_uri, validate, check, register_, lookup, get, auth;
};

/** `passes` passes of every stage: parse, validate and check on this thread,
    then register, lookup and authenticate into a fresh registry on `store`.
    @return exit_ok, or the store's exit code */
inline int run_bench_passes(bench_args const& args, std::vector<std::string> const& lines, bench_rates& r)
{
    auto const& prof = args.opts.prof;
    bool const persistent = is_persistent_store(args.store);
    for (int pass = 0; pass < args.passes; ++pass) {
        std::cerr << "pass " << pass + 1 << "/" << args.passes << "\n";
        r.parse.push_back(rate(lines.size(), [&] { keep(parse_all(lines)); }));
        r.parse_uri.push_back(rate(lines.size(), [&] { keep(parse_and_uri_all(lines)); }));
        r.validate.push_back(rate(lines.size(), [&] { keep(validate_all(lines, prof)); }));
        r.check.push_back(rate(lines.size(), [&] { keep(check_all(lines, prof)); }));

        // register, lookup and authenticate into a fresh registry on the chosen store
        registry_options ro;
        ro.profile = prof;
        int rc = with_store(args.store, ro, [&](auto& reg) {
            registry_pass(reg, lines, persistent ? 1 : 1000000, r.register_, r.lookup, r.get, r.auth);
            return static_cast<int>(exit_ok);
        });
        if (rc != exit_ok)
            return rc;
    }
    return exit_ok;
}

/** The medians of every stage, and how validation compares with the parse floors. */
inline boost::json::object bench_report(bench_args const& args, std::size_t requests, std::size_t bytes,
                                        std::size_t accepted, bench_rates const& r)
{
    boost::json::object out;
    out["requests"] = requests;
    out["bytes"] = bytes;
    out["passes"] = args.passes;
    out["profile"] = args.opts.prof.name;
    out["store"] = args.store.substr(0, args.store.find(':'));
    out["parse_per_s"] = median(r.parse);
    out["validate_per_s"] = median(r.validate);
    out["register_per_s"] = median(r.register_);
    out["lookup_per_s"] = median(r.lookup);
    out["get_per_s"] = median(r.get);
    out["authenticate_per_s"] = median(r.auth);
    out["validate_over_parse"] = median(r.validate) / median(r.parse);
    out["parse_and_uri_per_s"] = median(r.parse_uri);
    out["validate_over_parse_and_uri"] = median(r.validate) / median(r.parse_uri);
    out["check_per_s"] = median(r.check);
    out["check_over_parse"] = median(r.check) / median(r.parse);
    out["accepted"] = accepted;
    out["rejected"] = requests - accepted;
    return out;
}

/** validate on `threads` threads at once, each over the whole corpus; each
    thread warms up (its parser, its malloc arena) before the clock starts.
    @return the median over `passes` of requests validated per second, all threads together */
inline double threaded_validate_rate(std::vector<std::string> const& lines, profile const& prof, int threads,
                                     int passes)
{
    std::vector<double> mt;
    constexpr int rounds = 3;
    for (int pass = 0; pass < passes; ++pass) {
        std::cerr << "threads pass " << pass + 1 << "/" << passes << "\n";
        std::barrier start(threads + 1);
        std::vector<std::thread> pool;
        for (int t = 0; t < threads; ++t)
            pool.emplace_back([&] {
                keep(validate_all(lines, prof));
                start.arrive_and_wait();
                for (int r = 0; r < rounds; ++r)
                    keep(validate_all(lines, prof));
            });
        start.arrive_and_wait();
        mt.push_back(rate(lines.size() * static_cast<std::size_t>(threads) * rounds, [&] {
            for (auto& th : pool)
                th.join();
        }));
    }
    return median(mt);
}

} // namespace bench_detail

int cmd_bench(int argc, char** argv)
{
    using namespace bench_detail;
    auto const args = parse_bench_args(argc, argv);
    auto text = read_file(args.corpus_path);
    if (!text) {
        std::cerr << "oauthreg: cannot read " << args.corpus_path << "\n";
        return exit_usage;
    }
    std::size_t bytes = 0;
    auto const lines = corpus_lines(*text, bytes);
    auto const& prof = args.opts.prof;
    std::size_t const accepted = validate_all(lines, prof);
    bench_rates rates;
    if (int rc = run_bench_passes(args, lines, rates); rc != exit_ok)
        return rc;
    auto out = bench_report(args, lines.size(), bytes, accepted, rates);
    if (args.threads > 0) {
        double const mt = threaded_validate_rate(lines, prof, args.threads, args.passes);
        out["threads"] = args.threads;
        out["validate_per_s_threads"] = mt;
        out["validate_thread_scaling"] = mt / median(rates.validate);
    }
    print_line(out);
    return exit_ok;
}

} // namespace oauthreg::cli
