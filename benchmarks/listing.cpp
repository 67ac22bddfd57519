// The listing (`GET /oauth_clients`, page_clients) at scale: one organization
// holding N clients (default 1,000,000) beside a second one of N/10, in each
// store built in, timed per kind of query. Each figure is the median of 7
// runs, in milliseconds, the store warm.
//
//   oauthreg_listing [N] [--sqlite PATH] [--postgres CONNINFO]
//
// The memory store always; SQLite when a path is given (a file made there,
// filled with synchronous=NORMAL, then reopened with FULL); PostgreSQL when
// a conninfo is given (filled by 8 threads into schema `oauthreg_listing`,
// which must hold no clients yet, then VACUUM ANALYZE, as autovacuum would).
// Figures: benchmarks/README.md, "Listing at 10^6".
#include <oauthreg/client_page.hpp>
#include <oauthreg/storage/memory.hpp>
#include <oauthreg/validate.hpp>
#ifdef OAUTHREG_HAS_SQLITE
#include <oauthreg/storage/sqlite.hpp>
#endif
#ifdef OAUTHREG_HAS_POSTGRES
#include <oauthreg/storage/postgres.hpp>
#endif

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using oauthreg::client_page_query;

/** Client `i` of organization `org`: every 10th named "Dashboard <i>", the
    rest "Client <i>"; every 4th public; every 3rd made by the record API. */
oauthreg::client_record client(std::size_t i, std::string const& org)
{
    static auto const md = oauthreg::validate_request(R"({"redirect_uris":["https://app.example.com/oauth/callback"],)"
                                                      R"("scope":"openid profile email",)"
                                                      R"("logo_uri":"https://cdn.acme.example/logo.png"})")
                               .value();
    oauthreg::client_record r;
    char id[40];
    std::snprintf(id, sizeof id, "%s-%012zu", org.c_str(), i);
    r.client_id = id;
    r.metadata = md;
    r.metadata.client_name = (i % 10 == 0 ? "Dashboard " : "Client ") + std::to_string(i);
    if (i % 4 == 0)
        r.metadata.token_endpoint_auth_method = oauthreg::auth_method::none;
    r.origin = i % 3 == 0 ? oauthreg::client_origin::api : oauthreg::client_origin::registration;
    r.owner = {org, "user-" + std::to_string(i % 1000)};
    r.created_at = r.updated_at = 1700000000 + static_cast<oauthreg::unix_seconds>(i);
    r.client_secret_hash = oauthreg::secret_hash{};
    return r;
}

/** Inserts clients [from, to) of `org` into `store`. */
template <class Store> void fill_range(Store& store, std::string const& org, std::size_t from, std::size_t to)
{
    for (std::size_t i = from; i < to; ++i)
        if (auto r = store.insert(client(i, org)); !r) {
            std::fprintf(stderr, "insert: %s\n", r.error().description.c_str());
            std::exit(1);
        }
}

/** The big organization and a small one, by `threads` threads. */
template <class Store> void fill(Store& store, std::size_t n, unsigned threads)
{
    auto const t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < threads; ++t)
        workers.emplace_back([&, t] {
            fill_range(store, "org-big", n * t / threads, n * (t + 1) / threads);
            fill_range(store, "org-small", n / 10 * t / threads, n / 10 * (t + 1) / threads);
        });
    for (auto& w : workers)
        w.join();
    auto const s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("# filled %zu clients in %.1f s (%.0f/s)\n", n + n / 10, s, static_cast<double>(n + n / 10) / s);
}

struct shape {
    char const* name;
    client_page_query q;
};

std::vector<shape> shapes(std::size_t n)
{
    client_page_query base;
    base.owner.org_id = "org-big";
    auto with = [&](auto f) {
        auto q = base;
        f(q);
        return q;
    };
    return {
        {"first page of 20", base},
        {"page n/40 (middle)", with([&](auto& q) { q.page_number = std::max<std::size_t>(1, n / 40); })},
        {"last page", with([&](auto& q) { q.page_number = std::max<std::size_t>(1, (n + 19) / 20); })},
        {"filter[client_id]", with([&](auto& q) { q.client_id = client(n / 2, "org-big").client_id; })},
        {"filter[name], first page", with([&](auto& q) { q.name = "Dashboard " + std::to_string(n / 2 / 10 * 10); })},
        {"filter[name][contains], first page", with([](auto& q) { q.name_contains = "dashboard"; })},
        {"filter[name][contains], last page",
         with([&](auto& q) {
             q.name_contains = "dashboard";
             q.page_number = std::max<std::size_t>(1, (n / 10 + 19) / 20);
         })},
        {"filter[client_type]=public, first page",
         with([](auto& q) { q.type = oauthreg::client_type::public_client; })},
        {"organization and user, first page", with([](auto& q) { q.owner.user_id = "user-7"; })},
    };
}

/** Times every shape on `store`: the median of 7 runs, in ms. */
template <class Store> void measure(char const* store_name, Store const& store, std::size_t n)
{
    for (auto const& s : shapes(n)) {
        std::vector<double> ms;
        std::size_t total = 0, rows = 0;
        for (int run = 0; run < 7; ++run) {
            auto const t0 = std::chrono::steady_clock::now();
            auto p = oauthreg::page_clients(store, s.q);
            ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
            if (!p) {
                std::fprintf(stderr, "%s: %s\n", s.name, p.error().description.c_str());
                std::exit(1);
            }
            total = p->total_results;
            rows = p->clients.size();
        }
        std::sort(ms.begin(), ms.end());
        std::printf("%-9s %-40s %10.3f ms  (%zu of %zu)\n", store_name, s.name, ms[ms.size() / 2], rows, total);
    }
}

} // namespace

int main(int argc, char** argv)
{
    std::size_t n = 1000000;
    std::string sqlite_path, pg;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "--sqlite" && i + 1 < argc)
            sqlite_path = argv[++i];
        else if (a == "--postgres" && i + 1 < argc)
            pg = argv[++i];
        else
            n = std::strtoull(argv[i], nullptr, 10);
    }
    std::printf("# %zu clients in org-big, %zu in org-small; median of 7 runs\n", n, n / 10);
    {
        oauthreg::memory_storage_mt store;
        fill(store, n, 1);
        measure("memory", store, n);
    }
#ifdef OAUTHREG_HAS_SQLITE
    if (!sqlite_path.empty()) {
        for (char const* suffix : {"", "-wal", "-shm"})
            std::remove((sqlite_path + suffix).c_str());
        {
            auto store = oauthreg::sqlite_storage::open(
                             {.path = sqlite_path, .durability = oauthreg::sqlite_durability::normal})
                             .value();
            fill(store, n, 1);
        }
        auto store = oauthreg::sqlite_storage::open({.path = sqlite_path}).value();
        measure("sqlite", store, n);
    }
#endif
#ifdef OAUTHREG_HAS_POSTGRES
    if (!pg.empty()) {
        auto store = oauthreg::postgres_storage::open({.conninfo = pg, .connections = 8, .schema = "oauthreg_listing"})
                         .value();
        if (store.size().value() != 0) {
            std::fprintf(stderr, "schema oauthreg_listing is not empty: drop it first\n");
            return 1;
        }
        fill(store, n, 8);
        PGconn* admin = PQconnectdb(pg.c_str());
        PQclear(PQexec(admin, "VACUUM ANALYZE oauthreg_listing.oauth_clients"));
        PQfinish(admin);
        measure("postgres", store, n);
    }
#endif
    return 0;
}
