// `oauthreg serve [OPTIONS]` (serve_help below lists them)
// Boost.Beast around the socket-free handler of <oauthreg/http.hpp> (docs/http.md).

#include "commands.hpp"
#include "lib/cli_common.hpp"
#include "lib/forwarded.hpp"
#include "lib/https_fetch.hpp"
#include "lib/log_writer.hpp"
#include "lib/metrics.hpp"
#include "lib/peer_limit.hpp"
#include "lib/rate_limit.hpp"
#include "lib/reaper.hpp"
#include "lib/request_reader.hpp"
#include "lib/store.hpp"
#include "lib/tls_context.hpp"
#include "lib/work_pool.hpp"

#include <oauthreg/api_keys.hpp>
#include <oauthreg/client_check.hpp>
#include <oauthreg/detail/secret.hpp>
#include <oauthreg/detail/strict_json.hpp>
#include <oauthreg/http.hpp>
#include <oauthreg/rng/cryptopp.hpp>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <array>
#include <cctype>

#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <ctime>
#include <random>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <iterator>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace oauthreg::cli {

namespace serve_detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;

/** Connection limits; the timeouts and the caps have flags (docs/cli.md). */
struct server_limits {
    std::size_t header_limit = 16 * 1024;
    std::chrono::milliseconds read_timeout{30000}; ///< a whole request, first byte to last
    std::chrono::milliseconds idle_timeout{60000}; ///< a connection waiting for a request's first byte
    std::chrono::milliseconds drain_timeout{10000}; ///< SIGTERM: the longest wait for requests in flight
    std::size_t max_connections = 10000;
    std::size_t max_connections_per_peer = 64;
    std::size_t max_body = 64 * 1024;
    std::size_t store_threads = 8;
    std::size_t store_queue = 1024;
    /// The memory store: its calls never wait, so they run on the I/O threads;
    /// only those that may fetch a document or key set go to the pool.
    bool store_never_waits = false;
    std::uint32_t rate_limit = 0;          ///< requests per second per client (0: off)
    std::uint32_t register_rate_limit = 0; ///< registrations per minute per client (0: off)

    /// The most a connection buffers of what is not yet parsed: a request head,
    /// or a chunk-size line, or a trailer section, each under header_limit,
    /// plus what one read brings beyond it.
    std::size_t buffer_limit() const { return header_limit + 8 * 1024; }
};

/** A log line on standard error, through the log thread: a reader that
    stops reading (a paused pager, a stuck shipper) or goes away costs lines,
    never a request. */
inline void log_line(std::string line) { log_writer::instance().write(std::move(line)); }

/** Now as RFC 3339 UTC with milliseconds: 2026-12-06T02:30:00.123Z. The
    text up to the second is made once a second per thread (gmtime_r and
    snprintf were 2 % of a GET's CPU under perf). */
inline std::string rfc3339_now()
{
    auto const now = std::chrono::system_clock::now();
    auto const t = std::chrono::system_clock::to_time_t(now);
    auto const ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    thread_local std::time_t second = -1;
    thread_local char prefix[64]; // "2026-12-06T02:30:00"
    if (t != second) {
        std::tm tm{};
        ::gmtime_r(&t, &tm);
        std::snprintf(prefix, sizeof prefix, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                      tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        second = t;
    }
    std::string out(prefix);
    out += '.';
    out += static_cast<char>('0' + ms / 100);
    out += static_cast<char>('0' + ms / 10 % 10);
    out += static_cast<char>('0' + ms % 10);
    out += 'Z';
    return out;
}

/** What the log says of who asked: the client address and the request id. */
struct request_tag {
    std::string remote;
    std::string id;
};

/** A caller's X-Request-Id when it is 1 to 128 of [A-Za-z0-9._-], else a fresh one. */
inline std::string request_id_for(std::string_view given)
{
    bool const usable = !given.empty() && given.size() <= 128 && std::all_of(given.begin(), given.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    });
    if (usable)
        return std::string(given);
    thread_local std::mt19937_64 gen{std::random_device{}()}; // unique enough to find a line; no secret
    static constexpr char hex[] = "0123456789abcdef";
    std::string out(16, '0');
    auto v = gen();
    for (auto i = out.size(); i-- > 0; v >>= 4) // not views::reverse: clang 14 cannot use libstdc++ 12's ranges
        out[i] = hex[v & 0xf];
    return out;
}

/** `s` as a JSON string, quotes included, appended to `out` (RFC 8259 7). */
inline void append_json_string(std::string& out, std::string_view s)
{
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    for (char c : s) {
        auto const u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20) {
            out.append("\\u00").append(1, hex[u >> 4]).append(1, hex[u & 0xf]);
        } else {
            out += c;
        }
    }
    out += '"';
}

/** One JSON line per request on standard error, written whole (in one write(2) with the batch) so
    lines from several threads never interleave. `us` runs from the request's
    first byte read to its answer's last byte written. Never a header, body,
    secret or token: only what is listed here.

    The line is written out member by member, in the order a JSON object
    would serialize them: building and serializing a boost::json::object was
    ~4 % of a GET's CPU under perf (its hashing, rehash, allocations). With
    the cached time and the hex id: callgrind, serve_instructions.py, 100,683
    to 90,786 instructions a request; server CPU a GET 58.9 to 56.7 us. */
inline void access_log(std::string_view method, std::string_view target, unsigned status, steady::time_point start,
                       request_tag const& tag)
{
    auto const us = std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - start).count();
    std::string line;
    line.reserve(160 + target.size());
    line += R"({"ts":)";
    append_json_string(line, rfc3339_now());
    line += R"(,"remote":)";
    append_json_string(line, tag.remote);
    line += R"(,"request_id":)";
    append_json_string(line, tag.id);
    line += R"(,"method":)";
    append_json_string(line, detail::printable(method));
    line += R"(,"path":)";
    append_json_string(line, detail::printable(target.substr(0, target.find('?')), 512));
    line += R"(,"status":)";
    line += std::to_string(status);
    line += R"(,"us":)";
    line += std::to_string(us);
    line += '}';
    log_line(std::move(line));
}

/** A store's own text about a failure, as one JSON line on standard error
    beside the access log: `{"store_error": "OPERATION: TEXT"}` (see
    log_store_failure for what the text holds and never holds). */
inline void store_error_log(std::string_view text)
{
    boost::json::object o;
    o["store_error"] = detail::printable(text, 512);
    log_line(boost::json::serialize(o));
}

/** A connection as the server manages it, whatever its stream. */
class connection : public std::enable_shared_from_this<connection> {
public:
    virtual ~connection() = default;
    /** When it started waiting for a request (steady ticks), 0 while busy. */
    virtual std::int64_t idle_since() const = 0;
    /** Closes it if it is waiting for a request (the cap is reached: idle ones go first). */
    virtual void shed_if_idle() = 0;
    /** SIGINT/SIGTERM: closes it now if waiting, else after the answer in progress. */
    virtual void drain() = 0;
};

/** What a session needs from its server. */
class server_base {
public:
    virtual ~server_base() = default;
    /** On a store thread: the handler's answer. */
    virtual oauthreg::http_response handle(oauthreg::http_request const& req) = 0;
    /** On an I/O thread: the answer that needs no store, if any. */
    virtual std::optional<oauthreg::http_response> answer_now(oauthreg::http_request const& req) = 0;
    virtual oauthreg::http_response unavailable(oauthreg::http_request const& req) = 0;
    /** Runs `job` on a store thread (inline when the store never waits and
        `may_fetch` is false); false when the queue is full. */
    virtual bool submit(std::function<void()> job, bool may_fetch) = 0;
    virtual oauthreg::http_response too_many(oauthreg::http_request const& req, std::chrono::seconds retry) = 0;
    /** On a store thread: whether the store answers a trivial query. */
    virtual bool store_ready() = 0;
    virtual void session_closed(std::optional<peer_key> const& peer, std::list<connection*>::iterator at) = 0;

    /** /readyz: `done(ok)` once the store answered a trivial query, from any
        thread. One probe at a time, shared by every request that comes while
        it runs: probes never take more than one store thread, however many come. */
    void ask_ready(std::function<void(bool)> done)
    {
        std::unique_lock lock(ready_mutex_);
        ready_waiters_.push_back(std::move(done));
        if (std::exchange(probing_, true))
            return;
        lock.unlock();
        bool const queued = submit([this] {
            bool ok = false;
            try {
                ok = store_ready();
            } catch (...) { // a store that throws is not ready
            }
            ready_answered(ok);
        }, false);
        if (!queued)
            ready_answered(false);
    }

    /** The rate-limit answer for a request from `client`, if it is over a limit
        (every registration attempt counts, whatever its answer). */
    std::optional<oauthreg::http_response> over_limit(asio::ip::address const& client, oauthreg::http_request const& req)
    {
        if (!requests.enabled() && !registrations.enabled())
            return std::nullopt;
        auto const key = peer_key::of(client);
        auto const now = steady::now();
        auto v = requests.take(key, now);
        auto const path = req.target.substr(0, req.target.find('?'));
        if (v.allowed && req.method == "POST" && (path == "/oauth/register" || path == "/oauth_clients"))
            v = registrations.take(key, now);
        if (v.allowed)
            return std::nullopt;
        stats.rate_limited();
        return too_many(req, v.retry_after);
    }

private:
    void ready_answered(bool ok)
    {
        std::vector<std::function<void(bool)>> waiting;
        {
            std::lock_guard lock(ready_mutex_);
            probing_ = false;
            waiting.swap(ready_waiters_);
        }
        for (auto& w : waiting)
            w(ok);
    }

    std::mutex ready_mutex_;
    bool probing_ = false;
    std::vector<std::function<void(bool)>> ready_waiters_;

public:
    server_limits limits;
    std::atomic<bool> stopping{false};
    bool store_inline = false; ///< limits.store_never_waits: calls that cannot fetch run on the I/O threads
    trusted_proxies proxies;
    rate_limiter requests{0, 0};
    rate_limiter registrations{0, 0};
    metrics stats;
};

/** One connection over `Stream`: beast::tcp_stream, or an SSL stream over one. */
template <class Stream> class session final : public connection {
    static constexpr bool is_tls = !std::is_same_v<Stream, beast::tcp_stream>;

public:
    /** `stream_args` make the stream (the socket, and for TLS the context, which
        `keep` keeps alive: a SIGHUP may replace the server's). */
    template <class... A>
    session(server_base& srv, asio::ip::address address, std::optional<peer_key> counted, std::shared_ptr<void> keep,
            A&&... stream_args)
        : keep_(std::move(keep)), stream_(std::forward<A>(stream_args)...), buffer_(srv.limits.buffer_limit()),
          srv_(srv), address_(address), peer_(counted)
    {
    }
    ~session() override { srv_.session_closed(peer_, at_); }

    /** The TLS handshake, the first byte and the whole first request head
        arrive within the read timeout from now (the accept), however the
        bytes trickle. */
    void start(std::list<connection*>::iterator at)
    {
        at_ = at;
        first_deadline_ = steady::now() + srv_.limits.read_timeout;
        asio::dispatch(stream_.get_executor(), [self = self()] { self->handshake(); });
    }

    /** SIGINT/SIGTERM: a connection waiting for a request closes now; one in
        the middle of a request answers it, then closes. */
    void drain() override
    {
        asio::dispatch(stream_.get_executor(), [self = self()] {
            self->draining_ = true;
            self->shed();
        });
    }

    /** Closes the connection if it is waiting for a request (the connection cap
        is reached: idle ones go first). */
    void shed_if_idle() override
    {
        asio::dispatch(stream_.get_executor(), [self = self()] { self->shed(); });
    }

    std::int64_t idle_since() const override { return idle_since_.load(std::memory_order_relaxed); }

private:
    std::shared_ptr<session> self() { return std::static_pointer_cast<session>(shared_from_this()); }
    beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

    /** TLS: the first record and handshake headers are read here, so that a
        ClientHello declaring more than 16 KiB is refused before OpenSSL
        buffers it (it would take up to 128 KiB a connection); legitimate ones
        are a few hundred bytes to 2 KiB. */
    void handshake()
    {
        if constexpr (is_tls) {
            idle_since_ = std::max<std::int64_t>(1, steady::now().time_since_epoch().count());
            lowest().expires_at(first_deadline_);
            asio::async_read(lowest(), asio::buffer(hello_), [self = self()](beast::error_code ec, std::size_t) {
                if (ec || !modest_client_hello(self->hello_))
                    return self->close_now();
                self->stream_.async_handshake(asio::ssl::stream_base::server, asio::const_buffer(self->hello_.data(), self->hello_.size()),
                                              // `= 0`: Beast 1.81 checks this overload's handler
                                              // against the unbuffered signature
                                              [self](beast::error_code ec, std::size_t = 0) {
                                                  self->idle_since_ = 0;
                                                  if (ec)
                                                      return self->close_now();
                                                  self->wait_request();
                                              });
            });
        } else {
            wait_request();
        }
    }

    /** A TLS handshake record (RFC 8446 5.1: type 22) whose first message is
        a ClientHello (4.: type 1) of at most 16 KiB. */
    static bool modest_client_hello(std::array<unsigned char, 9> const& h)
    {
        std::size_t const length = (std::size_t{h[6]} << 16) | (std::size_t{h[7]} << 8) | h[8];
        return h[0] == 22 && h[1] == 3 && h[5] == 1 && length <= 16 * 1024;
    }
    void shed()
    {
        if (idle_since_.load() != 0) {
            beast::error_code ec;
            lowest().socket().cancel(ec);
        }
    }

    void wait_request()
    {
        if (draining_ || srv_.stopping)
            return close();
        reader_.emplace();
        reader_->head_limit(static_cast<std::uint32_t>(srv_.limits.header_limit));
        reader_->body_limit(boost::none); // the length is checked once the route is known
        reader_->body_capacity_hint(srv_.limits.max_body);
        if (buffer_.size() > 0) // a pipelined request is already here
            return read_header();
        idle_since_ = std::max<std::int64_t>(1, steady::now().time_since_epoch().count());
        if (first_request_)
            lowest().expires_at(first_deadline_);
        else
            lowest().expires_after(srv_.limits.idle_timeout);
        stream_.async_read_some(buffer_.prepare(std::min<std::size_t>(4096, buffer_.max_size())),
                                [self = self()](beast::error_code ec, std::size_t n) {
                                    self->idle_since_ = 0;
                                    if (ec)
                                        return self->close();
                                    self->buffer_.commit(n);
                                    self->read_header();
                                });
    }

    void read_header()
    {
        start_ = steady::now();
        // One deadline for the whole request: a slow sender is cut when it passes
        // (a first request's head also by the deadline counted from the accept).
        auto deadline = start_ + srv_.limits.read_timeout;
        if (first_request_)
            deadline = std::min(deadline, first_deadline_);
        first_request_ = false;
        lowest().expires_at(deadline);
        http::async_read_header(stream_, buffer_, *reader_,
                                [self = self()](beast::error_code ec, std::size_t) {
                                    self->on_header(ec);
                                });
    }

    void on_header(beast::error_code ec)
    {
        if (ec)
            return read_failed(ec);
        auto const client = srv_.proxies.client_address(address_, reader_->forwarded_for);
        tag_ = {client.to_string(), request_id_for(reader_->request_id)};
        if (auto limited = srv_.over_limit(client, request_view(false)))
            return finish(std::move(*limited), false); // before the body: the connection closes
        auto const len = reader_->content_length();
        if (len && *len > srv_.limits.max_body)
            return answer(true); // 413 before reading the body
        reader_->body_limit(srv_.limits.max_body);
        if (beast::iequals(reader_->expect, "100-continue") && reader_->version >= 11) {
            // RFC 9110 10.1.1: a final answer instead of 100 when the head decides it.
            if (auto early = answer_now(request_view(false)))
                return finish(std::move(*early), false);
            continue_.emplace(http::status::continue_, reader_->version);
            return http::async_write(stream_, *continue_, [self = self()](beast::error_code ec, std::size_t) {
                if (ec)
                    return self->close();
                self->read_body();
            });
        }
        read_body();
    }

    void read_body()
    {
        http::async_read(stream_, buffer_, *reader_, [self = self()](beast::error_code ec, std::size_t) {
            if (ec == http::error::body_limit)
                return self->answer(true); // a chunked body passed the limit
            if (ec)
                return self->read_failed(ec);
            self->answer(false);
        });
    }

    /** Timeouts and dropped connections close; malformed HTTP gets 400 (431
        for a head over the limit, 501 for a transfer coding we cannot read)
        and closes. */
    void read_failed(beast::error_code ec)
    {
        if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::eof ||
            ec == asio::error::connection_reset || ec == asio::error::operation_aborted || ec == http::error::partial_message)
            return close();
        tag_ = {srv_.proxies.client_address(address_, "").to_string(), request_id_for("")};
        unsigned status = 400;
        std::string reason = "malformed HTTP request";
        if (reader_ && reader_->problem.status != 0) {
            status = reader_->problem.status;
            reason = reader_->problem.reason;
        } else if (ec == http::error::header_limit) {
            status = 431;
            reason = "the request head, or its trailer section, is too large";
        } else if (ec == http::error::buffer_overflow) {
            reason = "a chunk-size line or the trailer section is too long";
        }
        send(detail::problem_response(detail::envelope::errors, {status, "invalid_request", reason, {}}), false);
    }

    static oauthreg::http_response server_error()
    {
        return detail::problem_response(detail::envelope::errors,
                                        {500, "server_error", "the server could not answer", {}});
    }

    /** The request as the handler reads it (views into the reader). */
    oauthreg::http_request request_view(bool over_limit) const
    {
        oauthreg::http_request in;
        in.method = reader_->method;
        in.target = reader_->target;
        in.authorization = reader_->authorization;
        in.authorization_repeated = reader_->authorization_lines > 1;
        in.content_type = reader_->content_type;
        in.body = reader_->body;
        in.body_over_limit = over_limit;
        return in;
    }

    std::optional<oauthreg::http_response> answer_now(oauthreg::http_request const& req)
    {
        try {
            return srv_.answer_now(req);
        } catch (...) { // an exception must end this request, never the server
            return server_error();
        }
    }

    /** Answers at once what needs no store; hands the rest to a store thread,
        whose answer comes back to this connection's strand. */
    void answer(bool over_limit)
    {
        auto const req = request_view(over_limit);
        if (req.method == "GET" || req.method == "HEAD") {
            auto const path = req.target.substr(0, req.target.find('?'));
            if (path == "/healthz")
                return finish(probe_answer(true), !over_limit);
            if (path == "/readyz")
                return readyz(over_limit);
        }
        if (auto now = answer_now(req))
            return finish(std::move(*now), !over_limit);
        // A store that never waits: no hop to another thread, unless the call
        // may fetch (a client check's jwks_uri or document), which must never
        // hold an I/O thread for a fetch's timeout.
        bool const fetches = may_fetch(req);
        if (srv_.store_inline && !fetches) {
            oauthreg::http_response out;
            try {
                out = srv_.handle(req);
            } catch (...) {
                out = server_error();
            }
            return finish(std::move(out), !over_limit);
        }
        auto job = [self = self(), over_limit] {
            oauthreg::http_response out;
            try {
                out = self->srv_.handle(self->request_view(over_limit));
            } catch (...) {
                out = server_error();
            }
            asio::post(self->stream_.get_executor(), [self, over_limit, out = std::move(out)]() mutable {
                self->finish(std::move(out), !over_limit);
            });
        };
        if (!srv_.submit(std::move(job), fetches))
            finish(srv_.unavailable(req), !over_limit);
    }

    /** Whether answering `req` may fetch over the network: the client check
        (a jwks_uri, a document) and a document's client by its URL. */
    static bool may_fetch(oauthreg::http_request const& req)
    {
        auto const path = req.target.substr(0, req.target.find('?'));
        constexpr std::string_view clients = "/oauth_clients/";
        return path == "/oauth/client_check" ||
               (path.size() >= clients.size() + 8 && path.starts_with(clients) &&
                oauthreg::detail::ascii_iequals_at(path, clients.size(), "https%3A"));
    }

    static oauthreg::http_response probe_answer(bool ok)
    {
        oauthreg::http_response r;
        r.status = ok ? 200 : 503;
        r.headers.emplace_back("Content-Type", "application/json");
        r.headers.emplace_back("Cache-Control", "no-store");
        r.body = ok ? R"({"status":"ok"})" : R"({"status":"unavailable"})";
        return r;
    }

    /** /readyz: 200 when the store answers a trivial query within 1 s, else
        503; asked on a store thread, so a hung store never holds this thread. */
    void readyz(bool over_limit)
    {
        auto answered = std::make_shared<bool>(false); // on this strand only
        auto once = [answered, over_limit](std::shared_ptr<session> const& s, bool ok) {
            if (!std::exchange(*answered, true)) {
                s->ready_timer_->cancel();
                s->finish(probe_answer(ok), !over_limit);
            }
        };
        ready_timer_.emplace(stream_.get_executor());
        ready_timer_->expires_after(std::chrono::seconds(1));
        ready_timer_->async_wait([self = self(), once](beast::error_code ec) {
            if (!ec)
                once(self, false);
        });
        // The probe holds no session: a connection that goes away frees its slot.
        srv_.ask_ready([weak = std::weak_ptr<session>(self()), once](bool ok) {
            if (auto s = weak.lock())
                asio::post(s->stream_.get_executor(), [s, once, ok] { once(s, ok); });
        });
    }

    /** Sends an answer; `body_read`: the connection is still in step. */
    void finish(oauthreg::http_response out, bool body_read)
    {
        bool const keep = reader_->keep_alive_requested() && body_read && !draining_ && !srv_.stopping;
        send(std::move(out), keep);
    }

    void send(oauthreg::http_response r, bool keep_alive)
    {
        unsigned const version = reader_ && reader_->version == 10 ? 10 : 11;
        bool const head = reader_ && reader_->method == "HEAD";
        res_.emplace(static_cast<http::status>(r.status), version);
        for (auto const& [name, value] : r.headers)
            res_->set(name, value);
        // RFC 9110 8.6: no Content-Length on 204; on HEAD, the length GET would send.
        if (r.status != 204 && !(head && r.length_unknown))
            res_->content_length(r.body.size());
        if (!head)
            res_->body() = std::move(r.body);
        if (tag_.id.empty())
            tag_.id = request_id_for("");
        res_->set("X-Request-Id", tag_.id);
        res_->keep_alive(keep_alive);
        lowest().expires_after(srv_.limits.read_timeout);
        http::async_write(stream_, *res_, [self = self(), keep_alive](beast::error_code ec, std::size_t) {
            self->log_answer();
            self->res_.reset(); // an idle connection holds no answer (a page may be megabytes)
            self->continue_.reset();
            if (ec)
                return self->close();
            if (!keep_alive)
                return self->linger();
            self->wait_request();
        });
    }

    void log_answer()
    {
        bool const parsed = reader_ && reader_->is_header_done();
        std::string_view const method = parsed ? std::string_view(reader_->method) : "";
        std::string_view const target = parsed ? std::string_view(reader_->target) : "";
        unsigned const status = res_->result_int();
        access_log(method, target, status, start_, tag_);
        auto const route = route_of(method, target);
        srv_.stats.observe(route, method_of(method), status, steady::now() - start_);
        if (status == 201 && (route == route_id::register_client || route == route_id::clients))
            srv_.stats.client_registered();
        if (status == 500)
            srv_.stats.store_error();
    }

    /** Closes after an answer without reading the rest of the request: shut
        down our side, then discard what the peer still sends for a moment, so
        the answer is not lost to a reset (RFC 9112 9.6). */
    void linger()
    {
        if constexpr (is_tls) {
            close(); // close_notify; TLS has no half-close to read behind
        } else {
            beast::error_code ec;
            lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
            lowest().expires_after(std::chrono::seconds(1));
            discard(0);
        }
    }

    void discard(std::size_t total)
    {
        if (total > 1024 * 1024)
            return close();
        buffer_.clear();
        stream_.async_read_some(buffer_.prepare(std::min<std::size_t>(16 * 1024, buffer_.max_size())),
                                [self = self(), total](beast::error_code ec, std::size_t n) {
                                    if (ec)
                                        return self->close();
                                    self->discard(total + n);
                                });
    }

    /** Ends the connection: TLS first says so (close_notify, within a second). */
    void close()
    {
        if constexpr (is_tls) {
            lowest().expires_after(std::chrono::seconds(1));
            stream_.async_shutdown([self = self()](beast::error_code) { self->close_now(); });
        } else {
            close_now();
        }
    }

    void close_now()
    {
        beast::error_code ec;
        lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
        lowest().close();
    }

    std::shared_ptr<void> keep_; ///< what the stream needs alive (the TLS context): made before it, gone after it
    Stream stream_;
    beast::flat_buffer buffer_; ///< bounded: limits.buffer_limit()
    std::optional<request_reader> reader_;
    std::optional<http::response<http::string_body>> res_;
    std::optional<http::response<http::empty_body>> continue_;
    server_base& srv_;
    asio::ip::address const address_;      ///< the socket's peer
    std::optional<peer_key> const peer_;   ///< counted against the per-peer cap (not for a trusted proxy)
    request_tag tag_;                      ///< the current request's client and id
    std::optional<asio::steady_timer> ready_timer_;
    steady::time_point first_deadline_{}; ///< the accept plus the read timeout
    bool first_request_ = true;
    std::array<unsigned char, 9> hello_{}; ///< TLS: the first record header and handshake header
    std::list<connection*>::iterator at_;
    steady::time_point start_ = steady::now();
    std::atomic<std::int64_t> idle_since_{0};
    bool draining_ = false;
};

/** Accepts connections (at most limits.max_connections open at once, at most
    limits.max_connections_per_peer from one client), runs sessions on the
    I/O threads and store calls on a pool, and drains on SIGINT/SIGTERM. */
template <class Handler> class server final : public server_base {
public:
    server(asio::io_context& ioc, tcp::acceptor& acceptor, Handler& handler, server_limits lim,
           std::function<bool()> probe)
        : ioc_(ioc), acceptor_(acceptor), strand_(asio::make_strand(ioc)), retry_(strand_), signals_(ioc, SIGINT, SIGTERM),
          handler_(handler), probe_(std::move(probe)), peers_(lim.max_connections_per_peer),
          pool_(lim.store_threads, lim.store_queue)
    {
        limits = lim;
        store_inline = lim.store_never_waits;
        requests = rate_limiter::per_second(lim.rate_limit);
        registrations = rate_limiter::per_minute(lim.register_rate_limit);
        signals_.async_wait([this](beast::error_code ec, int) {
            if (!ec)
                stop();
        });
    }

    void start()
    {
        asio::dispatch(strand_, [this] { accept(); });
    }

    std::function<void()> on_stop; ///< on SIGINT/SIGTERM, beside closing the acceptor
    tls_credentials* tls = nullptr; ///< HTTPS when set

    /** Lets the store calls in flight finish, then stops their threads. */
    void join_store_threads() { pool_.stop(); }

    oauthreg::http_response handle(oauthreg::http_request const& req) override { return handler_(req); }
    std::optional<oauthreg::http_response> answer_now(oauthreg::http_request const& req) override
    {
        return handler_.answer_without_store(req);
    }
    oauthreg::http_response unavailable(oauthreg::http_request const& req) override { return handler_.unavailable(req); }
    oauthreg::http_response too_many(oauthreg::http_request const& req, std::chrono::seconds retry) override
    {
        return handler_.too_many_requests(req, retry);
    }
    bool store_ready() override { return probe_(); }

    bool submit(std::function<void()> job, bool may_fetch) override
    {
        if (store_inline && !may_fetch) {
            job();
            return true;
        }
        // The I/O threads keep running until the answer is posted back.
        auto work = asio::prefer(ioc_.get_executor(), asio::execution::outstanding_work.tracked);
        return pool_.try_post([job = std::move(job), work] { job(); });
    }

    void session_closed(std::optional<peer_key> const& peer, std::list<connection*>::iterator at) override
    {
        if (peer)
            peers_.remove(*peer);
        stats.connection_closed();
        {
            std::lock_guard lock(mutex_);
            sessions_.erase(at);
        }
        open_.fetch_sub(1);
        asio::post(strand_, [this] {
            if (paused_ && !stopping) {
                paused_ = false;
                accept();
            }
        });
    }

private:
    void accept()
    {
        if (stopping)
            return;
        if (open_.load() >= limits.max_connections) {
            paused_ = true; // the kernel's backlog holds the rest until a connection closes
            make_room();
            return;
        }
        acceptor_.async_accept(asio::make_strand(ioc_), asio::bind_executor(strand_, [this](beast::error_code ec,
                                                                                             tcp::socket socket) {
            if (stopping)
                return;
            if (ec) {
                // Out of descriptors, or a connection reset before it was accepted: try again shortly.
                retry_.expires_after(std::chrono::milliseconds(50));
                retry_.async_wait([this](beast::error_code) { accept(); });
                return;
            }
            admit(std::move(socket));
            accept();
        }));
    }

    /** At the cap, while a connection waits in the backlog: the longest-idle
        connection is closed for it (its close resumes accepting). With none
        idle, look again shortly. */
    void make_room()
    {
        acceptor_.async_wait(tcp::acceptor::wait_read, asio::bind_executor(strand_, [this](beast::error_code ec) {
            if (ec || stopping || !paused_)
                return;
            shed_oldest_idle();
            retry_.expires_after(std::chrono::milliseconds(50));
            retry_.async_wait([this](beast::error_code ec) {
                if (!ec && paused_ && !stopping)
                    make_room();
            });
        }));
    }

    /** Starts a session for `socket`, unless its peer holds its share already:
        then it is closed at once, and other peers are unaffected. */
    void admit(tcp::socket socket)
    {
        beast::error_code ec;
        auto const remote = socket.remote_endpoint(ec);
        if (ec)
            return;
        std::optional<peer_key> peer;
        if (!proxies.trusted(remote.address())) { // a trusted proxy speaks for many clients
            peer = peer_key::of(remote.address());
            if (!peers_.try_add(*peer)) {
                socket.close(ec);
                return;
            }
        }
        open_.fetch_add(1);
        stats.connection_opened();
        socket.set_option(tcp::no_delay(true), ec); // each answer is one write: send it at once
        if (tls) {
            auto ctx = tls->current();
            start_session(std::make_shared<session<beast::ssl_stream<beast::tcp_stream>>>(
                *this, remote.address(), peer, ctx, std::move(socket), *ctx));
        } else {
            start_session(
                std::make_shared<session<beast::tcp_stream>>(*this, remote.address(), peer, nullptr, std::move(socket)));
        }
    }

    template <class S> void start_session(std::shared_ptr<S> const& s)
    {
        std::list<connection*>::iterator at;
        {
            std::lock_guard lock(mutex_);
            at = sessions_.insert(sessions_.end(), s.get());
        }
        s->start(at);
    }

    /** At the connection cap: the connection that has waited longest for a
        request goes, so a new one can come in. */
    void shed_oldest_idle()
    {
        std::shared_ptr<connection> oldest;
        {
            std::lock_guard lock(mutex_);
            connection* pick = nullptr;
            for (auto* s : sessions_)
                if (auto const t = s->idle_since(); t != 0 && (!pick || t < pick->idle_since()))
                    pick = s;
            if (pick)
                oldest = pick->weak_from_this().lock(); // null when it is closing already
        }
        if (oldest) // outside the lock: the last reference may end here, and its destructor takes the lock
            oldest->shed_if_idle();
    }

    void stop()
    {
        asio::dispatch(strand_, [this] {
            stopping = true;
            beast::error_code ec;
            acceptor_.close(ec);
            retry_.cancel();
            if (on_stop)
                on_stop();
            watch_drain();
            std::vector<std::shared_ptr<connection>> alive;
            {
                std::lock_guard lock(mutex_);
                for (auto* s : sessions_)
                    if (auto p = s->weak_from_this().lock())
                        alive.push_back(std::move(p));
            }
            for (auto& s : alive) // outside the lock (see shed_oldest_idle)
                s->drain();
        });
    }

    /** A store that hangs must not hang the shutdown: past the drain timeout,
        the process ends with what it answered (every 201 it sent is stored). */
    void watch_drain()
    {
        std::thread([timeout = limits.drain_timeout] {
            std::this_thread::sleep_for(timeout);
            log_line(R"({"shutdown":"requests still in flight after the drain timeout; exiting"})");
            log_writer::instance().flush(std::chrono::milliseconds(500));
            std::_Exit(1);
        }).detach();
    }

    asio::io_context& ioc_;
    tcp::acceptor& acceptor_;
    asio::strand<asio::io_context::executor_type> strand_;
    asio::steady_timer retry_;
    asio::signal_set signals_;
    Handler& handler_;
    std::function<bool()> probe_;
    peer_counts peers_;
    work_pool pool_;
    std::atomic<std::size_t> open_{0};
    bool paused_ = false;
    std::mutex mutex_;
    /// Every session alive: one in this list is not yet destroyed while mutex_ is held,
    /// as its destructor takes itself out under mutex_.
    std::list<connection*> sessions_;
};

/** `--metrics-listen`: GET /metrics in the Prometheus text format, one
    bounded request per connection, no authentication (bind it privately). */
class metrics_endpoint {
public:
    /// At most this many scrapes at once: a scraper needs one.
    static constexpr std::size_t max_open = 16;

    metrics_endpoint(asio::io_context& ioc, tcp::acceptor& acceptor, metrics const& stats)
        : ioc_(ioc), acceptor_(acceptor), stats_(stats), strand_(asio::make_strand(ioc)), retry_(strand_)
    {
    }

    void start()
    {
        asio::dispatch(strand_, [this] { accept(); });
    }

    /** Stops accepting and closes the scrapes under way (a stop never waits for them). */
    void stop()
    {
        asio::dispatch(strand_, [this] {
            stopped_ = true;
            beast::error_code ec;
            acceptor_.close(ec);
            retry_.cancel();
            for (auto& w : open_)
                if (auto e = w.lock())
                    asio::post(e->stream.get_executor(), [e] { e->close(); });
        });
    }

private:
    struct exchange : std::enable_shared_from_this<exchange> {
        exchange(tcp::socket s, metrics const& m) : stream(std::move(s)), stats(m) {}
        beast::tcp_stream stream;
        beast::flat_buffer buffer{16 * 1024};
        http::request_parser<http::empty_body> parser;
        http::response<http::string_body> res;
        metrics const& stats;

        void run()
        {
            parser.header_limit(8 * 1024);
            parser.body_limit(0);
            stream.expires_after(std::chrono::seconds(10));
            http::async_read(stream, buffer, parser, [self = shared_from_this()](beast::error_code ec, std::size_t) {
                self->answer(ec);
            });
        }

        void answer(beast::error_code ec)
        {
            if (ec)
                return close();
            auto const& req = parser.get();
            bool const found = req.target() == "/metrics" && (req.method() == http::verb::get || req.method() == http::verb::head);
            res = http::response<http::string_body>(found ? http::status::ok : http::status::not_found, req.version());
            res.set(http::field::content_type, found ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain");
            res.body() = found ? stats.render() : "not found\n";
            res.prepare_payload();
            if (req.method() == http::verb::head)
                res.body().clear(); // the length stays GET's (RFC 9110 9.3.2)
            res.keep_alive(false);
            http::async_write(stream, res, [self = shared_from_this()](beast::error_code, std::size_t) { self->close(); });
        }

        void close()
        {
            beast::error_code ec;
            stream.socket().shutdown(tcp::socket::shutdown_both, ec);
            stream.close();
        }
    };

    void accept()
    {
        acceptor_.async_accept(asio::make_strand(ioc_), asio::bind_executor(strand_, [this](beast::error_code ec,
                                                                                             tcp::socket socket) {
            if (stopped_)
                return;
            if (ec) { // out of descriptors, say: try again shortly, never in a loop
                retry_.expires_after(std::chrono::milliseconds(50));
                return retry_.async_wait([this](beast::error_code e) {
                    if (!e && !stopped_)
                        accept();
                });
            }
            std::erase_if(open_, [](auto const& w) { return w.expired(); });
            if (open_.size() < max_open) {
                auto e = std::make_shared<exchange>(std::move(socket), stats_);
                open_.push_back(e);
                e->run();
            } // else the socket closes here: the scrapes under way are enough
            accept();
        }));
    }

    asio::io_context& ioc_;
    tcp::acceptor& acceptor_;
    metrics const& stats_;
    asio::strand<asio::io_context::executor_type> strand_;
    asio::steady_timer retry_;
    std::vector<std::weak_ptr<exchange>> open_; ///< on strand_
    bool stopped_ = false;
};

/// The shortest API key a keys file may hold.
inline constexpr std::size_t min_api_key_bytes = 16;

/** One entry's owner, role and issuer: `"role"` is `management` (the
    default; `org_id` required) or `authorization_server` (no owner; an
    optional `"issuer"`, the `aud` of its clients' assertions). */
template <class Text, class Bad> api_key_grant key_grant(Text const& text_of, Bad const& bad)
{
    auto const role = text_of("role").value_or("management");
    owner who{text_of("org_id").value_or(""), text_of("user_id").value_or("")};
    auto issuer = text_of("issuer");
    if (role == "authorization_server") {
        if (!who.org_id.empty() || !who.user_id.empty())
            throw bad("an authorization_server key sees every organization: no \"org_id\" nor \"user_id\"");
        return {{}, key_role::authorization_server, issuer.value_or("")};
    }
    if (role != "management")
        throw bad("\"role\" must be management or authorization_server");
    if (issuer)
        throw bad("\"issuer\" belongs to an authorization_server key");
    if (who.org_id.empty())
        throw bad("a key entry has no \"org_id\"");
    return {std::move(who), key_role::management, {}};
}

/** `{"keys": [{"key" | "key_sha256": ..., "org_id": ..., "user_id": ..., "role": ..., "issuer": ...}, ...]}` */
inline api_keys load_api_keys(std::string const& path)
{
    auto const doc = read_json_object_file(path, 8);
    auto bad = [&](std::string const& why) { return usage_error{path + ": " + why, false}; };
    auto const* list = doc.as_object().if_contains("keys");
    if (!list || !list->is_array())
        throw bad("no \"keys\" array");
    api_keys keys;
    for (auto const& item : list->get_array()) {
        auto const* o = item.if_object();
        if (!o)
            throw bad("a key entry is not an object");
        auto text_of = [&](char const* name) -> std::optional<std::string> {
            auto const* v = o->if_contains(name);
            if (!v)
                return std::nullopt;
            if (!v->is_string() || v->get_string().empty())
                throw bad(std::string("\"") + name + "\" must be a non-empty string");
            return std::string(v->get_string());
        };
        auto g = key_grant(text_of, bad);
        auto key = text_of("key");
        auto hex = text_of("key_sha256");
        if (key.has_value() == hex.has_value())
            throw bad("each entry needs exactly one of \"key\" and \"key_sha256\"");
        if (key) {
            // A key an attacker can guess is no key: at least 128 bits of a 6-bit alphabet's worth.
            if (key->size() < min_api_key_bytes)
                throw bad("a \"key\" must be at least " + std::to_string(min_api_key_bytes) +
                          " bytes (generate one with: openssl rand -base64 32)");
            keys.add(*key, std::move(g.who), g.role, std::move(g.issuer));
        } else {
            auto h = api_keys::parse_sha256_hex(*hex);
            if (!h)
                throw bad("\"key_sha256\" must be 64 hex digits");
            keys.add_sha256(*h, std::move(g.who), g.role, std::move(g.issuer));
        }
    }
    if (keys.empty())
        throw bad("no keys");
    return keys;
}

/** HOST:PORT, HOST an IPv4 literal, a name, or an IPv6 literal in brackets. */
inline std::pair<std::string, std::string> split_listen(std::string const& s)
{
    auto const colon = s.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == s.size())
        throw usage_error{"--listen takes HOST:PORT, e.g. 127.0.0.1:8080 ([::1]:8080 for IPv6)", false};
    std::string host = s.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    return {host, s.substr(colon + 1)};
}

/** Lets this process open as many connections as its hard limit allows. */
inline void raise_open_files_limit()
{
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &rl);
    }
}

} // namespace serve_detail

/** --listen's HOST: an address as it is, a name resolved (its first address). */
inline boost::asio::ip::address listen_address(boost::asio::io_context& ioc, std::string const& host)
{
    using namespace serve_detail;
    beast::error_code ec;
    auto a = asio::ip::make_address(host, ec);
    if (!ec)
        return a;
    tcp::resolver resolver(ioc);
    auto const found = resolver.resolve(host, "", ec);
    if (ec || found.empty())
        throw usage_error{"--listen: cannot resolve " + host + (ec ? ": " + ec.message() : std::string()), false};
    return found.begin()->endpoint().address();
}

/** SIGHUP's outcome, one JSON line on standard error. */
inline void reload_log(std::string const& failure)
{
    boost::json::object o;
    if (failure.empty())
        o["tls"] = "reloaded the certificate and key";
    else
        o["tls_error"] = "kept the old certificate and key: " + detail::printable(failure, 512);
    serve_detail::log_line(boost::json::serialize(o));
}

/** Binds and listens on HOST:PORT (`flag` names it in errors); false, with a
    message on standard error, when the address cannot be bound. */
inline bool bind_listener(boost::asio::io_context& ioc, boost::asio::ip::tcp::acceptor& acceptor, std::string_view flag,
                          std::string const& where)
{
    using namespace serve_detail;
    auto const [host, port] = split_listen(where);
    auto const port_number = static_cast<unsigned short>(to_number(std::string(flag) + " port", port, 0, 65535));
    try {
        tcp::endpoint ep(listen_address(ioc, host), port_number);
        acceptor.open(ep.protocol());
        acceptor.set_option(boost::asio::socket_base::reuse_address(true));
        acceptor.bind(ep);
        acceptor.listen(boost::asio::socket_base::max_listen_connections);
    } catch (boost::system::system_error const& e) {
        std::cerr << "oauthreg: cannot listen on " << where << " (" << flag << "): " << e.what() << "\n";
        return false;
    }
    return true;
}

/** scheme://HOST:PORT of what `acceptor` is bound to. */
inline std::string url_of(boost::asio::ip::tcp::acceptor const& acceptor, std::string_view scheme)
{
    auto const bound = acceptor.local_endpoint();
    auto const a = bound.address().to_string();
    return std::string(scheme) + "://" + (bound.address().is_v6() ? "[" + a + "]" : a) + ":" +
           std::to_string(bound.port());
}

/** `oauthreg serve --help`: every flag, with its default. */
inline constexpr char const* serve_help =
    "usage: oauthreg serve [OPTIONS]\n"
    "Serves the registration API over HTTP/1.1 (docs/http.md) until SIGINT or SIGTERM.\n"
    "Every option can also come from the environment: OAUTHREG_ and its name in upper case,\n"
    "'-' as '_' (OAUTHREG_STORE, OAUTHREG_TLS_CERT); the command line wins.\n"
    "\n"
    "  --listen HOST:PORT            address to listen on; HOST an address or a name, PORT 0 for any\n"
    "                                (default 127.0.0.1:8080)\n"
    "  --store URI                   memory, sqlite:PATH or postgres:CONNINFO (default memory)\n"
    "  --api-keys FILE               {\"keys\": [{\"key\" | \"key_sha256\", \"org_id\", \"user_id\"}]}; keys of\n"
    "                                16 bytes or more (default: one fresh key, printed on the ready line);\n"
    "                                \"role\": \"authorization_server\" (no org_id; optional \"issuer\")\n"
    "                                for a key of POST /oauth/client_check only\n"
    "  --public-url URL              the issuer and base of registration_client_uri (default: the\n"
    "                                listening URL)\n"
    "  --profile NAME                default or rfc7591 (default default)\n"
    "  --trusted-issuers FILE        issuers whose software statements are trusted (default none)\n"
    "  --tls-cert FILE               PEM certificate (its chain may follow): serve HTTPS, TLS 1.2 and\n"
    "                                1.3 only, plain HTTP without it; SIGHUP reloads it and the key\n"
    "                                (default none)\n"
    "  --tls-key FILE                PEM private key of --tls-cert (default none)\n"
    "  --threads N                   I/O threads, 1 to 256 (default: the number of cores)\n"
    "  --store-threads N             threads for store calls, 1 to 256 (default 8)\n"
    "  --store-queue N               store calls waiting beyond those running before 503, 1 to\n"
    "                                1000000 (default 1024)\n"
    "  --max-connections N           connections open at once, 1 to 1000000 (default 10000); at the\n"
    "                                cap the longest-idle connection is closed first\n"
    "  --max-connections-per-peer N  connections one client address (IPv6: one /64) may hold, 0 for\n"
    "                                no cap (default 64); trusted proxies are exempt\n"
    "  --rate-limit N                requests per second per client address, a burst of N; 0 is off\n"
    "                                (default 0)\n"
    "  --register-rate-limit N       registrations (POST /oauth/register, POST /oauth_clients) per\n"
    "                                minute per client address; 0 is off (default 0; 20 with\n"
    "                                --registration open)\n"
    "  --registration MODE           who may register: api-key, open (anyone; without a credential\n"
    "                                the client is anonymous) or initial-access-token (default api-key)\n"
    "  --open-org ORG                the organization of anonymous clients (default public)\n"
    "  --max-clients-per-org N       clients an organization may hold, 0 for no limit (default 0)\n"
    "  --secret-lifetime SECONDS     client_secret_expires_at of issued secrets, 0 for never\n"
    "                                (default 0)\n"
    "  --reap-idle DAYS              once an hour, delete registered clients neither used nor\n"
    "                                created in the last DAYS days (default: never)\n"
    "  --trusted-proxies CIDRS       proxies whose X-Forwarded-For names the client, comma-separated\n"
    "                                (default none)\n"
    "  --metrics-listen HOST:PORT    serve GET /metrics (Prometheus) there, without authentication:\n"
    "                                bind it to a private address (default none)\n"
    "  --header-limit BYTES          request line and headers, and apart the trailer section, 256 to\n"
    "                                1048576 (default 16384)\n"
    "  --read-timeout-ms MS          a whole request, first byte to last; a new connection's TLS\n"
    "                                handshake and first request head, from accept (default 30000)\n"
    "  --idle-timeout-ms MS          a kept-alive connection waiting for a request (default 60000)\n"
    "  --drain-timeout-ms MS         SIGINT/SIGTERM: the longest wait for requests in flight before\n"
    "                                exiting 1 (default 10000)\n"
    "  --cimd                        resolve https client ids as Client ID Metadata Documents, fetched\n"
    "                                from those URLs (default off); OAUTHREG_CIMD=1 in the environment\n"
    "  --cimd-allow-loopback         development only: documents on loopback addresses may be fetched;\n"
    "                                refused unless --listen is a loopback address;\n"
    "                                command line only, never from the environment (default off)\n"
    "  --cimd-ca-file FILE           PEM trust anchors added to the system's for fetching documents\n"
    "                                (default none)\n"
    "  --cimd-timeout-ms MS          a whole document fetch, 1 to 60000 (default 5000)\n"
    "  --cimd-min-ttl SECONDS        a good document is kept at least this long (default 60)\n"
    "  --cimd-max-ttl SECONDS        and at most this long, whatever its Cache-Control (default 86400)\n"
    "  --cimd-max-entries N          documents and key sets kept, least recently used out (default\n"
    "                                10000)\n"
    "  --as-metadata FILE            the authorization server's RFC 8414 members (token_endpoint, ...),\n"
    "                                added to GET /.well-known/oauth-authorization-server (default none)\n"
    "  --help                        this text\n"
    "\n"
    "The body limit is the profile's (64 KiB by default). OAUTHREG_SECRET_PEPPER (environment): an\n"
    "HMAC key for stored secrets.\n";

/** Every long option of serve that takes a value: each may come from the environment. */
inline constexpr std::array<std::string_view, 32> serve_options = {
    "--listen",        "--store",          "--api-keys",      "--public-url",     "--profile",
    "--trusted-issuers", "--tls-cert",     "--tls-key",       "--threads",        "--store-threads",
    "--store-queue",   "--max-connections", "--max-connections-per-peer", "--rate-limit",
    "--register-rate-limit", "--trusted-proxies", "--metrics-listen", "--header-limit",
    "--read-timeout-ms", "--idle-timeout-ms", "--drain-timeout-ms", "--registration",
    "--open-org",      "--max-clients-per-org", "--secret-lifetime", "--reap-idle", "--cimd-ca-file",
    "--cimd-timeout-ms", "--cimd-min-ttl", "--cimd-max-ttl", "--as-metadata", "--cimd-max-entries"};

/// serve's options without a value that may come from the environment: OAUTHREG_CIMD=1 (or
/// true) stands for --cimd. --cimd-allow-loopback is for development, on the command line only.
inline constexpr std::array<std::string_view, 1> serve_flags = {"--cimd"};

/** `--max-connections` as OAUTHREG_MAX_CONNECTIONS. */
inline std::string environment_name(std::string_view option)
{
    std::string name = "OAUTHREG_";
    for (char c : option.substr(2))
        name += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return name;
}

/** The command line, with each option it does not give taken from its
    OAUTHREG_ variable (a non-empty one): the command line wins. */
inline std::vector<std::string> with_environment(int argc, char** argv)
{
    std::vector<std::string> args(argv, argv + 2), given(argv + 2, argv + argc);
    for (auto flag : serve_flags) {
        char const* value = std::getenv(environment_name(flag).c_str());
        if (value && (std::string_view(value) == "1" || std::string_view(value) == "true") &&
            std::find(given.begin(), given.end(), flag) == given.end())
            args.emplace_back(flag);
    }
    for (auto option : serve_options) {
        if (std::find(given.begin(), given.end(), option) != given.end())
            continue;
        char const* value = std::getenv(environment_name(option).c_str());
        if (value && *value) { // before the command line, so a flag left without its value stays so
            args.emplace_back(option);
            args.emplace_back(value);
        }
    }
    args.insert(args.end(), given.begin(), given.end());
    return args;
}

/** Runs `parse`; a usage error about an option that came from the
    environment also names its variable. */
template <class F> auto named_from_environment(std::vector<std::string> const& args, F&& parse)
{
    try {
        return parse();
    } catch (usage_error& e) {
        for (std::size_t i = 2; i + 1 < args.size(); i += 2) {
            auto const from_env = std::find(args.begin() + 2, args.end(), args[i]) == args.begin() + static_cast<long>(i) &&
                                  std::getenv(environment_name(args[i]).c_str()) != nullptr &&
                                  std::getenv(environment_name(args[i]).c_str()) == std::string_view(args[i + 1]);
            if (from_env && e.message.starts_with(args[i] + " ")) {
                e.message += " (from " + environment_name(args[i]) + ")";
                break;
            }
        }
        throw;
    }
}

/** Client ID Metadata Documents (--cimd ...): whether they resolve, and how
    they are fetched (tools/lib/https_fetch.hpp) and kept. */
struct cimd_settings {
    bool enabled = false;        ///< --cimd
    https_fetch_settings fetch;  ///< --cimd-allow-loopback, --cimd-ca-file, --cimd-timeout-ms
    metadata_document_options documents; ///< --cimd-min-ttl, --cimd-max-ttl, --cimd-max-entries
};

/** What `oauthreg serve`'s options say, read and checked. */
struct serve_settings {
    std::string listen = "127.0.0.1:8080", store = "memory", keys_path, public_url, tls_cert, tls_key, metrics_listen;
    long threads = static_cast<long>(std::max(1u, std::thread::hardware_concurrency()));
    serve_detail::server_limits lim;
    trusted_proxies proxies;
    profile prof = profile::default_profile();
    registration_policy registration;       ///< --registration, --open-org
    std::size_t max_clients_per_org = 0;    ///< --max-clients-per-org
    std::optional<long> reap_idle_days;     ///< --reap-idle
    cimd_settings cimd;                     ///< --cimd and its companions
    std::string as_metadata_path;           ///< --as-metadata
    boost::json::object as_metadata;        ///< that file's members
};

/** `--registration`'s value. */
inline registration_mode registration_mode_from(std::string_view a, std::string const& v)
{
    if (v == "api-key")
        return registration_mode::api_key;
    if (v == "open")
        return registration_mode::open;
    if (v == "initial-access-token")
        return registration_mode::initial_access_token;
    throw usage_error{std::string(a) + " takes api-key, open or initial-access-token", false};
}

/** What serve's options say beside the settings, until the settings are checked. */
struct serve_options_read {
    std::string proxies_text;                         ///< --trusted-proxies, parsed once every option is read
    std::optional<std::uint32_t> register_rate_limit; ///< --register-rate-limit; its default follows --registration
};

/** The --cimd options and --as-metadata. @return false for another option */
template <class Value> bool read_cimd_option(serve_settings& st, std::string_view a, Value& value)
{
    using namespace serve_detail;
    auto& c = st.cimd;
    if (a == "--cimd")
        c.enabled = true;
    else if (a == "--cimd-allow-loopback")
        c.fetch.allow_loopback = true;
    else if (a == "--cimd-ca-file")
        c.fetch.ca_file = value();
    else if (a == "--cimd-timeout-ms")
        c.fetch.timeout = std::chrono::milliseconds(to_number(a, value(), 1, 60000));
    else if (a == "--cimd-min-ttl")
        c.documents.min_ttl = to_number(a, value(), 0, 366L * 86400);
    else if (a == "--cimd-max-ttl")
        c.documents.max_ttl = to_number(a, value(), 0, 366L * 86400);
    else if (a == "--cimd-max-entries")
        c.documents.max_entries = static_cast<std::size_t>(to_number(a, value(), 1, 10000000));
    else if (a == "--as-metadata")
        st.as_metadata_path = value();
    else
        return false;
    return true;
}

/** One of serve's own options, `a`, whose value `value()` reads, into `st`
    or `extra`. @return false for an option that is not serve's own */
template <class Value>
bool read_serve_option(serve_settings& st, serve_options_read& extra, std::string_view a, Value& value)
{
    using namespace serve_detail;
    auto& lim = st.lim;
    auto ms = [](long n) { return std::chrono::milliseconds(n); };
    auto count = [](std::string_view opt, std::string const& v, long hi) {
        return static_cast<std::size_t>(to_number(opt, v, 0, hi));
    };
    for (auto [name, field] : {std::pair{"--listen", &st.listen},
                               {"--store", &st.store},
                               {"--api-keys", &st.keys_path},
                               {"--public-url", &st.public_url},
                               {"--tls-cert", &st.tls_cert},
                               {"--tls-key", &st.tls_key},
                               {"--trusted-proxies", &extra.proxies_text},
                               {"--metrics-listen", &st.metrics_listen},
                               {"--open-org", &st.registration.open_org}})
        if (a == name) {
            *field = value();
            return true;
        }
    if (a == "--threads")
        st.threads = to_number(a, value(), 1, 256);
    else if (a == "--store-threads")
        lim.store_threads = static_cast<std::size_t>(to_number(a, value(), 1, 256));
    else if (a == "--store-queue")
        lim.store_queue = static_cast<std::size_t>(to_number(a, value(), 1, 1000000));
    else if (a == "--read-timeout-ms")
        lim.read_timeout = ms(to_number(a, value(), 1, 3600000));
    else if (a == "--idle-timeout-ms")
        lim.idle_timeout = ms(to_number(a, value(), 1, 3600000));
    else if (a == "--drain-timeout-ms")
        lim.drain_timeout = ms(to_number(a, value(), 1, 3600000));
    else if (a == "--max-connections")
        lim.max_connections = static_cast<std::size_t>(to_number(a, value(), 1, 1000000));
    else if (a == "--max-connections-per-peer")
        lim.max_connections_per_peer = count(a, value(), 1000000);
    else if (a == "--rate-limit")
        lim.rate_limit = static_cast<std::uint32_t>(count(a, value(), 1000000));
    else if (a == "--register-rate-limit")
        extra.register_rate_limit = static_cast<std::uint32_t>(count(a, value(), 1000000));
    else if (a == "--registration")
        st.registration.mode = registration_mode_from(a, value());
    else if (a == "--max-clients-per-org")
        st.max_clients_per_org = count(a, value(), 1000000000);
    else if (a == "--secret-lifetime")
        st.prof.client_secret_lifetime = to_number(a, value(), 0, 100L * 366 * 86400);
    else if (a == "--reap-idle")
        st.reap_idle_days = to_number(a, value(), 0, 36600);
    else if (read_cimd_option(st, a, value))
        return true;
    else if (a == "--header-limit")
        lim.header_limit = static_cast<std::size_t>(to_number(a, value(), 256, 1024 * 1024));
    else
        return false;
    return true;
}

/** --cimd's companions need --cimd; --cimd-allow-loopback only on a
    loopback listener (it is for development: a public server that fetched
    its own loopback would be an SSRF hole); min TTL at most max TTL. */
inline void settle_cimd(serve_settings const& st)
{
    auto const& c = st.cimd;
    if (!c.enabled && (c.fetch.allow_loopback || c.fetch.ca_file))
        throw usage_error{"--cimd-allow-loopback and --cimd-ca-file need --cimd", false};
    if (c.documents.min_ttl > c.documents.max_ttl)
        throw usage_error{"--cimd-min-ttl must not exceed --cimd-max-ttl", false};
    if (c.fetch.allow_loopback) {
        boost::system::error_code ec;
        auto host = serve_detail::split_listen(st.listen).first;
        if (host.size() > 1 && host.front() == '[')
            host = host.substr(1, host.size() - 2);
        auto const addr = boost::asio::ip::make_address(host, ec);
        if (ec || !addr.is_loopback())
            throw usage_error{"--cimd-allow-loopback is for development only: --listen must be a loopback address",
                              false};
    }
}

/** Checks what the options say together and settles what follows from more
    than one of them (the profile and --secret-lifetime, the registration
    rate limit); a usage error otherwise. */
inline void settle_serve_settings(serve_settings& st, common_options opts, serve_options_read const& extra)
{
    using namespace serve_detail;
    if (!opts.positional.empty())
        throw usage_error{"serve takes no positional arguments"};
    auto const secret_lifetime = st.prof.client_secret_lifetime; // --profile may come after --secret-lifetime
    st.prof = std::move(opts.prof);
    if (secret_lifetime != 0)
        st.prof.client_secret_lifetime = secret_lifetime;
    // docs/operating.md, "Limits": open registration is limited unless told otherwise.
    st.lim.register_rate_limit =
        extra.register_rate_limit.value_or(st.registration.mode == registration_mode::open ? 20 : 0);
    if (st.registration.open_org.empty())
        throw usage_error{"--open-org takes a non-empty organization id", false};
    std::string why;
    auto proxies = trusted_proxies::parse(extra.proxies_text, why);
    if (!proxies)
        throw usage_error{"--trusted-proxies: " + why, false};
    st.proxies = std::move(*proxies);
    if (st.tls_cert.empty() != st.tls_key.empty())
        throw usage_error{"--tls-cert and --tls-key go together", false};
    settle_cimd(st);
    if (!st.public_url.empty()) {
        auto u = boost::urls::parse_absolute_uri(st.public_url);
        if (!u || (u->scheme() != "http" && u->scheme() != "https") || !u->has_authority() || u->has_query() ||
            u->has_fragment())
            throw usage_error{"--public-url must be an absolute http(s) URL without query or fragment", false};
    }
}

/** The command line and the OAUTHREG_ variables as settings; a usage error otherwise. */
inline serve_settings read_serve_settings(int argc, char** argv)
{
    using namespace serve_detail;
    auto args = with_environment(argc, argv);
    std::vector<char*> args_c;
    for (auto& a : args)
        args_c.push_back(a.data());
    serve_settings st;
    serve_options_read extra;
    auto parse = [&] {
        return parse_common(
            static_cast<int>(args_c.size()), args_c.data(), 2,
            [&](std::string_view a, int&, auto& value) { return read_serve_option(st, extra, a, value); });
    };
    settle_serve_settings(st, named_from_environment(args, parse), extra);
    return st;
}

/** What the server listens with, bound before the store is opened. */
struct serve_listeners {
    boost::asio::io_context& ioc;
    boost::asio::ip::tcp::acceptor& api;
    boost::asio::ip::tcp::acceptor& metrics;
    tls_credentials* tls;
    std::string listening;
};

/** `--reap-idle DAYS`: once at start, then hourly, delete the registered
    clients idle that long, and log `{"reaped": N}` (or `reap_error`). */
template <class Registry>
std::unique_ptr<periodic_task> start_reaper(Registry& reg, std::optional<long> days)
{
    if (!days)
        return nullptr;
    if constexpr (!requires { reg.reap(client_origin::registration, unix_seconds{}); }) {
        serve_detail::log_line(R"({"reap_error":"this store cannot reap"})");
        return nullptr;
    } else
        return std::make_unique<periodic_task>(std::chrono::hours(1), [&reg, days = *days] {
        auto n = reg.reap(client_origin::registration, idle_cutoff(system_clock{}.now(), days));
        boost::json::object o;
        if (n)
            o["reaped"] = *n;
        else
            o["reap_error"] = detail::printable(n.error().description, 512);
        serve_detail::log_line(boost::json::serialize(o));
    });
}

/** Serves `reg` until SIGINT/SIGTERM; the ready line first. */
template <class Registry>
int run_server(Registry& reg, serve_settings& st, serve_listeners& on, api_keys keys,
               std::optional<std::string> const& generated_key)
{
    using namespace serve_detail;
    basic_http_handler handler(reg, std::move(keys), st.public_url, st.registration);
    std::optional<https_fetcher> fetcher;
    try {
        fetcher.emplace(st.cimd.fetch);
    } catch (std::exception const& e) {
        std::cerr << "oauthreg: --cimd-ca-file: " << e.what() << "\n";
        return static_cast<int>(exit_usage);
    }
    basic_client_directory<Registry, https_fetcher> directory(
        reg, client_directory_options{st.cimd.enabled, st.cimd.documents}, *fetcher);
    handler.use_client_directory(directory);
    if (auto why = handler.merge_server_metadata(st.as_metadata)) {
        std::cerr << "oauthreg: --as-metadata: " << *why << "\n";
        return static_cast<int>(exit_usage);
    }
    // A trivial write: deleting a client that does not exist takes the store's
    // write path (SQLite's write lock), without changing anything.
    auto probe = [&reg] {
        auto r = reg.storage().erase("oauthreg-readiness-probe");
        return r.has_value() || r.error().kind() == error::client_not_found;
    };
    // The memory store never waits: its calls stay on the I/O threads; the pool takes those that may fetch.
    st.lim.store_never_waits = !is_persistent_store(st.store);
    server srv(on.ioc, on.api, handler, st.lim, probe);
    srv.proxies = st.proxies;
    srv.tls = on.tls;
    asio::signal_set hangup(on.ioc, SIGHUP);
    std::function<void()> on_hangup = [&] {
        hangup.async_wait([&](beast::error_code ec, int) {
            if (ec)
                return;
            if (on.tls) // new connections take the new pair; a pair that fails leaves the old one
                reload_log(on.tls->reload());
            on_hangup();
        });
    };
    on_hangup();
    std::optional<metrics_endpoint> metrics_at;
    boost::json::object ready;
    ready["listening"] = on.listening;
    if (generated_key)
        ready["api_key"] = *generated_key;
    if (on.metrics.is_open()) {
        metrics_at.emplace(on.ioc, on.metrics, srv.stats);
        metrics_at->start();
        ready["metrics"] = url_of(on.metrics, "http") + "/metrics";
    }
    srv.on_stop = [&metrics_at, &hangup] {
        if (metrics_at)
            metrics_at->stop();
        hangup.cancel();
    };
    print_line(ready);
    auto reaper = start_reaper(reg, st.reap_idle_days);
    srv.start();
    std::vector<std::thread> pool;
    for (long i = 1; i < st.threads; ++i)
        pool.emplace_back([&on] { on.ioc.run(); });
    on.ioc.run();
    for (auto& t : pool)
        t.join();
    srv.join_store_threads();
    reaper.reset();
    log_writer::instance().flush(std::chrono::seconds(1));
    return static_cast<int>(exit_ok);
}

int cmd_serve(int argc, char** argv)
{
    using namespace serve_detail;
    for (int i = 2; i < argc; ++i)
        if (std::string_view(argv[i]) == "--help" || std::string_view(argv[i]) == "-h") {
            std::cout << serve_help;
            return exit_ok;
        }
    std::signal(SIGHUP, SIG_IGN); // until the reload handler is in place, a SIGHUP must not end the process
    auto st = read_serve_settings(argc, argv);
    api_keys keys = st.keys_path.empty() ? api_keys{} : load_api_keys(st.keys_path);
    if (!st.as_metadata_path.empty())
        st.as_metadata = read_json_object_file(st.as_metadata_path, 16).as_object();
    raise_open_files_limit();
    // Large answers (a page can be megabytes) go back to the system when freed:
    // glibc's threshold would otherwise rise to 32 MiB and keep them in its arenas.
    ::mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    // A log reader that goes away must not end the server: a line that cannot be written is dropped.
    std::signal(SIGPIPE, SIG_IGN);

    asio::io_context ioc(static_cast<int>(st.threads));
    tcp::acceptor acceptor(ioc), metrics_acceptor(ioc);
    if (!bind_listener(ioc, acceptor, "--listen", st.listen))
        return exit_usage;
    if (!st.metrics_listen.empty() && !bind_listener(ioc, metrics_acceptor, "--metrics-listen", st.metrics_listen))
        return exit_usage;
    std::optional<tls_credentials> tls;
    if (!st.tls_cert.empty()) {
        try {
            tls.emplace(st.tls_cert, st.tls_key);
        } catch (std::exception const& e) {
            std::cerr << "oauthreg: --tls-cert/--tls-key: " << e.what() << "\n";
            return exit_usage;
        }
    }
    serve_listeners on{ioc, acceptor, metrics_acceptor, tls ? &*tls : nullptr, url_of(acceptor, tls ? "https" : "http")};
    if (st.public_url.empty())
        st.public_url = on.listening;

    std::optional<std::string> generated_key;
    if (keys.empty()) {
        os_rng rng;
        secure_string k = detail::generate_secret(rng);
        generated_key = std::string(k);
        keys.add(*generated_key, {"default", "default"});
    }
    registry_options ro = http_registry_options(st.public_url, st.prof);
    ro.max_clients_per_org = st.max_clients_per_org;
    if (char const* pepper = std::getenv("OAUTHREG_SECRET_PEPPER"))
        ro.secret_pepper = pepper;
    st.lim.max_body = ro.profile.limits.max_body_bytes;
    return with_store(st.store, std::move(ro), [&](auto& reg) {
        return run_server(reg, st, on, std::move(keys), generated_key);
    }, store_error_log);
}

} // namespace oauthreg::cli
