// Tests of tools/lib/metrics.hpp: route labels are templates (never ids), the
// method label's six values, counts exact under concurrent updates, cumulative
// histograms, and output that promtool accepts.
#include "../../tools/lib/metrics.hpp"

#include "../support/catch.hpp"

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

using namespace oauthreg::cli;
using namespace std::chrono_literals;

namespace {

/** The exposition's samples: series (name and labels, as written) to value. */
std::map<std::string, std::string> samples(std::string const& text)
{
    std::map<std::string, std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line.front() == '#')
            continue;
        auto const space = line.rfind(' ');
        out[line.substr(0, space)] = line.substr(space + 1);
    }
    return out;
}

} // namespace

TEST_CASE("metrics: each route's requests are labelled with its template", "[metrics][issue28]")
{
    struct row {
        char const* method;
        char const* target;
        char const* label;
    };
    for (auto const& [method, target, want] : {
             row{"POST", "/oauth/register", "/oauth/register"},
             row{"GET", "/oauth/register/abc", "/oauth/register/{client_id}"},
             row{"HEAD", "/oauth/register/abc", "/oauth/register/{client_id}"},
             row{"PUT", "/oauth/register/abc", "/oauth/register/{client_id}"},
             row{"DELETE", "/oauth/register/abc", "/oauth/register/{client_id}"},
             row{"GET", "/oauth_clients", "/oauth_clients"},
             row{"HEAD", "/oauth_clients", "/oauth_clients"},
             row{"POST", "/oauth_clients", "/oauth_clients"},
             row{"GET", "/oauth_clients/abc", "/oauth_clients/{id}"},
             row{"PUT", "/oauth_clients/abc", "/oauth_clients/{id}"},
             row{"DELETE", "/oauth_clients/abc", "/oauth_clients/{id}"},
             row{"GET", "/.well-known/oauth-authorization-server", "/.well-known/oauth-authorization-server"},
             row{"HEAD", "/.well-known/oauth-authorization-server", "/.well-known/oauth-authorization-server"},
             // RFC 8414 3: the issuer's path after the well-known part
             row{"GET", "/.well-known/oauth-authorization-server/tenant/a", "/.well-known/oauth-authorization-server"},
             row{"GET", "/healthz", "/healthz"},
             row{"HEAD", "/healthz", "/healthz"},
             row{"GET", "/readyz", "/readyz"},
             row{"HEAD", "/readyz", "/readyz"},
         }) {
        INFO(method << " " << target);
        CHECK(route_template(method, target) == want);
    }
}

TEST_CASE("metrics: ids, escapes and queries never reach the route label", "[metrics][issue28]")
{
    struct row {
        char const* method;
        char const* target;
        char const* label;
    };
    for (auto const& [method, target, want] : {
             // an id may hold any escape, an escaped slash included, and a query
             row{"GET", "/oauth_clients/abc%2Fdef", "/oauth_clients/{id}"},
             row{"GET", "/oauth_clients/%2F..%2F..%2Fetc", "/oauth_clients/{id}"},
             row{"GET", "/oauth_clients/%zz", "/oauth_clients/{id}"}, // a bad escape: the handler's 400, same route
             row{"GET", "/oauth_clients/abc?x=1", "/oauth_clients/{id}"},
             row{"GET", "/oauth_clients/abc?x=/y/z", "/oauth_clients/{id}"},
             row{"GET", "/oauth/register/c%2F1?", "/oauth/register/{client_id}"},
             row{"GET", "/oauth_clients?page%5Bnumber%5D=2&filter[name]=a/b", "/oauth_clients"},
             row{"GET", "/healthz?probe=1", "/healthz"},
             row{"GET", "/.well-known/oauth-authorization-server?x", "/.well-known/oauth-authorization-server"},
             // absolute form (RFC 9112 3.2.2) is served, so labelled, as its path
             row{"GET", "http://example.com/oauth_clients/abc?x", "/oauth_clients/{id}"},
             row{"POST", "https://example.com/oauth/register", "/oauth/register"},
             // a bare slash in an id, an empty id, or a longer path is no route
             row{"GET", "/oauth_clients/a/b", "other"},
             row{"GET", "/oauth_clients/", "other"},
             row{"GET", "/oauth/register/", "other"},
             row{"GET", "/oauth/register/a/b", "other"},
             row{"GET", "//oauth_clients", "other"},
             row{"GET", "/oauth%5Fclients", "other"}, // routes match raw segments, as the handler does
             row{"GET", "/.well-known/oauth-authorization-serverX", "other"},
             row{"GET", "/healthz/x", "other"},
             row{"GET", "/", "other"},
             row{"GET", "", "other"},
             row{"OPTIONS", "*", "other"},
             row{"GET", "http://example.com", "other"},
             row{"GET", "/metrics", "other"},
             // a method the path does not serve is the handler's "no route"
             row{"GET", "/oauth/register", "other"},
             row{"POST", "/oauth_clients/abc", "other"},
             row{"DELETE", "/oauth_clients", "other"},
             row{"POST", "/healthz", "other"},
             row{"PUT", "/.well-known/oauth-authorization-server", "other"},
             row{"get", "/oauth_clients", "other"},
         }) {
        INFO(method << " " << target);
        CHECK(route_template(method, target) == want);
    }
    for (auto const r : route_templates)
        CHECK(r.find("abc") == std::string_view::npos);
}

TEST_CASE("metrics: the method label is one of six", "[metrics][issue28]")
{
    CHECK(method_of("GET") == method_id::get);
    CHECK(method_of("HEAD") == method_id::head);
    CHECK(method_of("POST") == method_id::post);
    CHECK(method_of("PUT") == method_id::put);
    CHECK(method_of("DELETE") == method_id::del);
    for (auto const* m : {"PATCH", "OPTIONS", "TRACE", "CONNECT", "get", "Post", "", "GETX", "GE"}) {
        INFO(m);
        CHECK(method_of(m) == method_id::other); // methods are case-sensitive (RFC 9110 9.1)
    }
    CHECK(label(method_id::del) == "DELETE");
    CHECK(label(method_id::other) == "OTHER");
}

TEST_CASE("metrics: the status label space is bounded", "[metrics][issue28]")
{
    CHECK(status_label(status_index(201)) == "201");
    CHECK(status_label(status_index(429)) == "429");
    CHECK(status_label(status_index(418)) == "4xx");
    CHECK(status_label(status_index(599)) == "5xx");
    CHECK(status_label(status_index(100)) == "1xx");
    CHECK(status_label(status_index(0)) == "other");
    CHECK(status_label(status_index(600)) == "other");
    CHECK(status_label(status_index(99)) == "other");
    for (unsigned s = 0; s < 1000; ++s)
        REQUIRE(status_index(s) < status_count);
}

TEST_CASE("metrics: counts from four threads are exact", "[metrics][issue28][concurrency]")
{
    metrics m;
    constexpr int per_thread = 500000;
    std::atomic<int> waiting{4};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&m, &waiting, t] {
            waiting.fetch_sub(1);
            while (waiting.load() > 0) // all four start together, so their updates collide
                std::this_thread::yield();
            for (int i = 0; i < per_thread; ++i) {
                m.observe(route_id::register_client, method_id::post, 201, std::chrono::microseconds(i % 3000));
                m.observe(route_id::client, method_id::get, t % 2 == 0 ? 200 : 404, 1ms);
                m.connection_opened();
                m.rate_limited();
                m.client_registered();
                m.store_error();
                if (i % 2 == 0)
                    m.connection_closed();
            }
        });
    for (auto& t : threads)
        t.join();

    CHECK(m.requests(route_id::register_client, method_id::post, 201) == 4 * per_thread);
    CHECK(m.requests(route_id::client, method_id::get, 200) == 2 * per_thread);
    CHECK(m.requests(route_id::client, method_id::get, 404) == 2 * per_thread);
    CHECK(m.requests(route_id::client, method_id::put, 200) == 0);
    CHECK(m.connections_open() == 4 * per_thread / 2);

    auto const s = samples(m.render());
    auto const total = std::to_string(4 * per_thread);
    CHECK(s.at(R"(oauthreg_http_requests_total{route="/oauth/register",method="POST",status="201"})") == total);
    CHECK(s.at(R"(oauthreg_http_requests_total{route="/oauth_clients/{id}",method="GET",status="200"})") ==
          std::to_string(2 * per_thread));
    CHECK(s.at(R"(oauthreg_http_request_duration_seconds_count{route="/oauth/register"})") == total);
    CHECK(s.at(R"(oauthreg_http_request_duration_seconds_count{route="/oauth_clients/{id}"})") == total);
    CHECK(s.at("oauthreg_http_connections_open") == std::to_string(4 * per_thread / 2));
    CHECK(s.at("oauthreg_rate_limited_total") == total);
    CHECK(s.at("oauthreg_clients_registered_total") == total);
    CHECK(s.at("oauthreg_store_errors_total") == total);
    // only series with a count are written
    CHECK(s.count(R"(oauthreg_http_requests_total{route="/oauth_clients/{id}",method="PUT",status="200"})") == 0);
    CHECK(s.count(R"(oauthreg_http_request_duration_seconds_count{route="/healthz"})") == 0);
}

TEST_CASE("metrics: histogram buckets are cumulative, upper bounds inclusive", "[metrics][issue28]")
{
    metrics m;
    auto const obs = [&](std::chrono::nanoseconds d) { m.observe(route_id::healthz, method_id::get, 200, d); };
    obs(0ns);
    obs(-5ns);  // a clock step backwards counts as zero
    obs(500us); // exactly on a bound: le is "less than or equal"
    obs(501us);
    obs(3ms);
    obs(3ms);
    obs(700ms);
    obs(10s);
    obs(11s); // only +Inf
    obs(3600s);

    auto const s = samples(m.render());
    auto const bucket = [&](char const* le) {
        return std::stoull(
            s.at(std::string(R"(oauthreg_http_request_duration_seconds_bucket{route="/healthz",le=")") + le + "\"}"));
    };
    CHECK(bucket("0.0005") == 3);
    CHECK(bucket("0.001") == 4);
    CHECK(bucket("0.0025") == 4);
    CHECK(bucket("0.005") == 6);
    CHECK(bucket("0.5") == 6);
    CHECK(bucket("1") == 7);
    CHECK(bucket("10") == 8);
    CHECK(bucket("+Inf") == 10);
    CHECK(s.at(R"(oauthreg_http_request_duration_seconds_count{route="/healthz"})") == "10");
    CHECK(std::stod(s.at(R"(oauthreg_http_request_duration_seconds_sum{route="/healthz"})")) ==
          Approx(0.0005 + 0.000501 + 0.003 * 2 + 0.7 + 10 + 11 + 3600));

    std::uint64_t previous = 0;
    for (auto const le : duration_bucket_labels) {
        INFO(le);
        auto const n = bucket(std::string(le).c_str());
        CHECK(n >= previous);
        previous = n;
    }
    CHECK(bucket("+Inf") >= previous);
}

TEST_CASE("metrics: promtool check metrics accepts the exposition", "[metrics][issue28]")
{
    if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
        if (std::getenv("CI") != nullptr)
            FAIL("promtool is not installed (Debian package prometheus); CI must run this check");
        WARN("SKIPPED: promtool is not installed (apt-get install prometheus)");
        return;
    }
    metrics m;
    auto check = [](std::string const& text) {
        char path[] = "/tmp/oauthreg_metrics_XXXXXX";
        int const fd = ::mkstemp(path);
        REQUIRE(fd >= 0);
        ::close(fd);
        std::ofstream(path, std::ios::binary) << text;
        std::string command = "promtool check metrics < ";
        command += path;
        command += " 2>&1";
        std::string output;
        FILE* p = ::popen(command.c_str(), "r");
        REQUIRE(p != nullptr);
        std::array<char, 512> buf{};
        while (std::fgets(buf.data(), static_cast<int>(buf.size()), p) != nullptr)
            output += buf.data();
        int const status = ::pclose(p);
        std::remove(path);
        INFO(text);
        INFO("promtool: " << output);
        CHECK(status == 0);
        CHECK(output.empty()); // lint findings are printed, even those that do not fail
    };
    check(m.render()); // nothing observed yet
    for (std::size_t r = 0; r < route_count; ++r)
        for (std::size_t meth = 0; meth < method_count; ++meth)
            for (unsigned st : {0u, 100u, 200u, 201u, 204u, 299u, 404u, 418u, 503u, 599u, 600u})
                m.observe(static_cast<route_id>(r), static_cast<method_id>(meth), st,
                          std::chrono::microseconds(37 * (r + meth + st)));
    m.connection_opened();
    m.rate_limited();
    m.client_registered();
    m.store_error();
    check(m.render());
}
