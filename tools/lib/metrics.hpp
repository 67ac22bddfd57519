// The server's Prometheus metrics (docs/operating.md,
// "Metrics"): request counts and durations by
// route template, open connections, rate-limited requests, registrations and
// store errors, rendered in the text exposition format 0.0.4. No socket here:
// `oauthreg serve` counts into one `metrics` and serves `render()` on
// `--metrics-listen`.
#ifndef OAUTHREG_TOOLS_LIB_METRICS_HPP
#define OAUTHREG_TOOLS_LIB_METRICS_HPP

#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace oauthreg::cli {

/** A route as the metrics label it: the handler's route templates
    (docs/http.md, "Routes"), the probes, and `other` for everything the
    server answers as an unknown route. */
enum class route_id : std::uint8_t {
    register_client, ///< POST /oauth/register
    management,      ///< GET, HEAD, PUT, DELETE /oauth/register/{client_id} (RFC 7592)
    clients,         ///< GET, HEAD, POST /oauth_clients
    client,          ///< GET, HEAD, PUT, DELETE /oauth_clients/{id}
    metadata,        ///< GET, HEAD /.well-known/oauth-authorization-server[/suffix] (RFC 8414 3)
    healthz,         ///< GET, HEAD /healthz
    readyz,          ///< GET, HEAD /readyz
    other            ///< anything else: a path or a method no route serves
};
inline constexpr std::size_t route_count = 8;

/** The `route` label of each @ref route_id, in its order. */
inline constexpr std::array<std::string_view, route_count> route_templates = {"/oauth/register",
                                                                              "/oauth/register/{client_id}",
                                                                              "/oauth_clients",
                                                                              "/oauth_clients/{id}",
                                                                              "/.well-known/oauth-authorization-server",
                                                                              "/healthz",
                                                                              "/readyz",
                                                                              "other"};

/** The `method` label: RFC 9110 9.3's methods the API serves, and OTHER. */
enum class method_id : std::uint8_t { get, head, post, put, del, other };
inline constexpr std::size_t method_count = 6;

inline constexpr std::array<std::string_view, method_count> method_labels = {"GET", "HEAD",   "POST",
                                                                             "PUT", "DELETE", "OTHER"};

/** The label of a method; methods are case-sensitive (RFC 9110 9.1), so
    `get` is OTHER, as the handler answers it. */
constexpr method_id method_of(std::string_view method) noexcept
{
    for (std::size_t i = 0; i + 1 < method_count; ++i)
        if (method == method_labels[i])
            return static_cast<method_id>(i);
    return method_id::other;
}

constexpr std::string_view label(method_id m) noexcept { return method_labels[static_cast<std::size_t>(m)]; }
constexpr std::string_view label(route_id r) noexcept { return route_templates[static_cast<std::size_t>(r)]; }

namespace metrics_detail {

/** The path of a request target: its query cut off; an absolute-form target
    (RFC 9112 3.2.2) is served as its path, so it is labelled as its path. */
constexpr std::string_view target_path(std::string_view target) noexcept
{
    target = target.substr(0, target.find('?'));
    if (!target.empty() && target.front() != '/') {
        auto const scheme_end = target.find("://");
        if (scheme_end == std::string_view::npos)
            return {}; // "*" (RFC 9112 3.2.4) or junk
        auto const slash = target.find('/', scheme_end + 3);
        return slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    }
    return target;
}

} // namespace metrics_detail

/** The route a request is labelled with: the route the handler serves it
    on, matched on raw path segments as the handler matches them (so an id
    may hold any escape, `%2F` included, but never a bare `/`), or
    `route_id::other` when the handler answers "no route" (404): an unknown
    path, or a method the path does not serve.

    @par Example
    `route_of("GET", "/oauth_clients/abc%2Fdef?x=1")` is `route_id::client`;
    `route_of("POST", "/oauth_clients/abc")` is `route_id::other`. */
constexpr route_id route_of(std::string_view method, std::string_view target) noexcept
{
    constexpr std::string_view well_known = "/.well-known/oauth-authorization-server";
    auto const path = metrics_detail::target_path(target);
    bool const get = method == "GET" || method == "HEAD"; // RFC 9110 9.1: HEAD wherever GET
    bool const one_of = get || method == "PUT" || method == "DELETE";
    auto const pick = [](bool served, route_id r) { return served ? r : route_id::other; };

    // RFC 8414 3: the metadata may sit at the well-known path plus the issuer's path.
    if (path == well_known || (path.starts_with(well_known) && path[well_known.size()] == '/'))
        return pick(get, route_id::metadata);
    if (path == "/healthz")
        return pick(get, route_id::healthz);
    if (path == "/readyz")
        return pick(get, route_id::readyz);
    if (path == "/oauth/register")
        return pick(method == "POST", route_id::register_client);
    if (path == "/oauth_clients")
        return pick(get || method == "POST", route_id::clients);
    auto const id_after = [&](std::string_view prefix) {
        if (!path.starts_with(prefix))
            return false;
        auto const id = path.substr(prefix.size());
        return !id.empty() && id.find('/') == std::string_view::npos;
    };
    if (id_after("/oauth/register/"))
        return pick(one_of, route_id::management);
    if (id_after("/oauth_clients/"))
        return pick(one_of, route_id::client);
    return route_id::other;
}

/** The `route` label of a request: one of @ref route_templates, never an id. */
constexpr std::string_view route_template(std::string_view method, std::string_view target) noexcept
{
    return label(route_of(method, target));
}

/** The `status` label's values, a bounded set: each status below by its
    number; any other status from 100 to 599 by its class ("1xx" ... "5xx");
    anything else (as 0, for a request cut before it was answered) "other". */
inline constexpr std::array<unsigned, 25> known_statuses = {200, 201, 204, 301, 302, 304, 400, 401, 403,
                                                            404, 405, 408, 409, 411, 413, 414, 415, 422,
                                                            429, 431, 500, 501, 502, 503, 504};
inline constexpr std::size_t status_count = known_statuses.size() + 5 + 1;

/** The index of a status's label, below @ref status_count. */
constexpr std::size_t status_index(unsigned status) noexcept
{
    for (std::size_t i = 0; i < known_statuses.size(); ++i)
        if (known_statuses[i] == status)
            return i;
    if (status >= 100 && status <= 599)
        return known_statuses.size() + status / 100 - 1;
    return status_count - 1;
}

/** The label of a status index (the inverse of @ref status_index). */
inline std::string status_label(std::size_t index)
{
    if (index < known_statuses.size())
        return std::to_string(known_statuses[index]);
    if (index + 1 < status_count)
        return std::to_string(index - known_statuses.size() + 1) + "xx";
    return "other";
}

/** The duration histogram's upper bounds, in seconds and as `le` labels:
    0.5 ms to 10 s, about three per decade. */
inline constexpr std::array<std::string_view, 14> duration_bucket_labels = {
    "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10"};
inline constexpr std::array<std::int64_t, 14> duration_bucket_ns = {
    500'000,     1'000'000,   2'500'000,   5'000'000,     10'000'000,    25'000'000,    50'000'000,
    100'000'000, 250'000'000, 500'000'000, 1'000'000'000, 2'500'000'000, 5'000'000'000, 10'000'000'000};

/** The server's counters. Every update is one or a few relaxed atomic
    additions into fixed arrays: no lock, no allocation, safe from any number
    of threads. `render()` reads each counter once; a histogram's buckets,
    `_count` and `+Inf` come from the same reads, so they always agree, while
    different series may be a few requests apart under load.

    Not copyable (it holds atomics); one per server. */
class metrics {
public:
    metrics() = default;
    metrics(metrics const&) = delete;
    metrics& operator=(metrics const&) = delete;

    /** One answered request: its route, method, status (the number sent) and
        the time from its first byte read to its answer's last byte written. */
    void observe(route_id route, method_id method, unsigned status, std::chrono::nanoseconds duration) noexcept
    {
        auto const r = static_cast<std::size_t>(route);
        requests_[(r * method_count + static_cast<std::size_t>(method)) * status_count + status_index(status)]
            .fetch_add(1, std::memory_order_relaxed);
        auto const ns = duration.count() < 0 ? std::int64_t{0} : static_cast<std::int64_t>(duration.count());
        std::size_t b = 0;
        while (b < duration_bucket_ns.size() && ns > duration_bucket_ns[b]) // le: upper bounds are inclusive
            ++b;
        buckets_[r * bucket_slots + b].fetch_add(1, std::memory_order_relaxed); // per bucket; summed by render()
        sum_ns_[r].fetch_add(static_cast<std::uint64_t>(ns), std::memory_order_relaxed);
    }

    void connection_opened() noexcept { connections_.fetch_add(1, std::memory_order_relaxed); }
    void connection_closed() noexcept { connections_.fetch_sub(1, std::memory_order_relaxed); }
    /** A request answered 429 by `--rate-limit` or `--register-rate-limit`. */
    void rate_limited() noexcept { rate_limited_.fetch_add(1, std::memory_order_relaxed); }
    /** A client registered (a 201 from POST /oauth/register or POST /oauth_clients). */
    void client_registered() noexcept { registered_.fetch_add(1, std::memory_order_relaxed); }
    /** A store call that failed (the answer is 500). */
    void store_error() noexcept { store_errors_.fetch_add(1, std::memory_order_relaxed); }

    /** The requests counted with these labels (`status` as `observe` took it). */
    std::uint64_t requests(route_id route, method_id method, unsigned status) const noexcept
    {
        return requests_[(static_cast<std::size_t>(route) * method_count + static_cast<std::size_t>(method)) *
                             status_count +
                         status_index(status)]
            .load(std::memory_order_relaxed);
    }
    std::int64_t connections_open() const noexcept { return connections_.load(std::memory_order_relaxed); }

    /** Every metric in the Prometheus text format 0.0.4 (`Content-Type:
        text/plain; version=0.0.4; charset=utf-8`), each with HELP and TYPE.
        Request counters appear once non-zero; a route's histogram once it
        has an observation; the other metrics always. */
    std::string render() const
    {
        std::string out;
        out.reserve(4096);
        family(out, "oauthreg_http_requests_total", "counter",
               "HTTP requests answered, by route template, method and status.");
        for (std::size_t r = 0; r < route_count; ++r)
            for (std::size_t m = 0; m < method_count; ++m)
                for (std::size_t s = 0; s < status_count; ++s) {
                    auto const n = requests_[(r * method_count + m) * status_count + s].load(std::memory_order_relaxed);
                    if (n == 0)
                        continue;
                    out += "oauthreg_http_requests_total{route=\"";
                    out += route_templates[r];
                    out += "\",method=\"";
                    out += method_labels[m];
                    out += "\",status=\"";
                    out += status_label(s);
                    out += "\"} ";
                    append(out, n);
                    out += '\n';
                }

        family(out, "oauthreg_http_request_duration_seconds", "histogram",
               "Time from a request's first byte read to its answer's last byte written, by route template.");
        for (std::size_t r = 0; r < route_count; ++r) {
            std::array<std::uint64_t, bucket_slots> counts{};
            std::uint64_t total = 0;
            for (std::size_t b = 0; b < bucket_slots; ++b)
                total += counts[b] = buckets_[r * bucket_slots + b].load(std::memory_order_relaxed);
            if (total == 0)
                continue;
            std::uint64_t cumulative = 0;
            for (std::size_t b = 0; b < bucket_slots; ++b) {
                cumulative += counts[b];
                out += "oauthreg_http_request_duration_seconds_bucket{route=\"";
                out += route_templates[r];
                out += "\",le=\"";
                out += b < duration_bucket_labels.size() ? duration_bucket_labels[b] : std::string_view("+Inf");
                out += "\"} ";
                append(out, cumulative);
                out += '\n';
            }
            out += "oauthreg_http_request_duration_seconds_sum{route=\"";
            out += route_templates[r];
            out += "\"} ";
            append(out, static_cast<double>(sum_ns_[r].load(std::memory_order_relaxed)) / 1e9);
            out += '\n';
            out += "oauthreg_http_request_duration_seconds_count{route=\"";
            out += route_templates[r];
            out += "\"} ";
            append(out, total);
            out += '\n';
        }

        family(out, "oauthreg_http_connections_open", "gauge", "Client connections open now.");
        out += "oauthreg_http_connections_open ";
        append(out, connections_.load(std::memory_order_relaxed));
        out += '\n';
        single(out, "oauthreg_rate_limited_total", "Requests answered 429 by a rate limit.", rate_limited_);
        single(out, "oauthreg_clients_registered_total", "Clients registered (answered 201).", registered_);
        single(out, "oauthreg_store_errors_total", "Store calls that failed (answered 500).", store_errors_);
        return out;
    }

private:
    static constexpr std::size_t bucket_slots = duration_bucket_ns.size() + 1; // the last one is +Inf only

    static void family(std::string& out, std::string_view name, std::string_view type, std::string_view help)
    {
        out += "# HELP ";
        out += name;
        out += ' ';
        out += help;
        out += "\n# TYPE ";
        out += name;
        out += ' ';
        out += type;
        out += '\n';
    }

    static void single(std::string& out, std::string_view name, std::string_view help,
                       std::atomic<std::uint64_t> const& value)
    {
        family(out, name, "counter", help);
        out += name;
        out += ' ';
        append(out, value.load(std::memory_order_relaxed));
        out += '\n';
    }

    template <class T> static void append(std::string& out, T value)
    {
        std::array<char, 32> buf{};
        auto const [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value); // shortest round trip
        if (ec == std::errc{})
            out.append(buf.data(), end);
    }

    std::array<std::atomic<std::uint64_t>, route_count * method_count * status_count> requests_{};
    std::array<std::atomic<std::uint64_t>, route_count * bucket_slots> buckets_{};
    std::array<std::atomic<std::uint64_t>, route_count> sum_ns_{};
    std::atomic<std::int64_t> connections_{0};
    std::atomic<std::uint64_t> rate_limited_{0};
    std::atomic<std::uint64_t> registered_{0};
    std::atomic<std::uint64_t> store_errors_{0};
};

} // namespace oauthreg::cli

#endif
