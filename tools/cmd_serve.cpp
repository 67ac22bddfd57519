// `oauthreg serve [--listen HOST:PORT] [--store URI] [--api-keys FILE] [--public-url URL]
//                 [--threads N] [--profile NAME] [--trusted-issuers FILE]`
// Boost.Beast around the socket-free handler of <oauthreg/http.hpp> (docs/http.md).

#include "commands.hpp"
#include "lib/cli_common.hpp"
#include "lib/store.hpp"

#include <oauthreg/api_keys.hpp>
#include <oauthreg/detail/secret.hpp>
#include <oauthreg/detail/strict_json.hpp>
#include <oauthreg/http.hpp>
#include <oauthreg/rng/cryptopp.hpp>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace oauthreg::cli {

namespace serve_detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;

/** Connection limits; the timeouts and the cap have testing flags (docs/http.md). */
struct server_limits {
    std::size_t header_limit = 16 * 1024;
    std::chrono::milliseconds read_timeout{30000}; ///< a whole request, first byte to last
    std::chrono::milliseconds idle_timeout{60000}; ///< a kept-alive connection between requests
    std::size_t max_connections = 10000;
    std::size_t max_body = 64 * 1024;
};

/** One JSON line per request on standard error, written with one write(2) so
    lines from several threads never interleave. Never a header, body, secret
    or token: only what is listed here. */
inline void access_log(std::string_view method, std::string_view target, unsigned status, steady::time_point start)
{
    auto const us = std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - start).count();
    boost::json::object o;
    o["method"] = detail::printable(method);
    o["path"] = detail::printable(target.substr(0, target.find('?')), 512);
    o["status"] = status;
    o["us"] = us;
    write_stderr_line(boost::json::serialize(o));
}

/** A store's own text about a failure, as one JSON line on standard error
    beside the access log: `{"store_error": "OPERATION: TEXT"}` (see
    log_store_failure for what the text holds and never holds). */
inline void store_error_log(std::string_view text)
{
    boost::json::object o;
    o["store_error"] = detail::printable(text, 512);
    write_stderr_line(boost::json::serialize(o));
}

/** What a session needs from its server. */
class server_base {
public:
    virtual ~server_base() = default;
    virtual oauthreg::http_response handle(oauthreg::http_request const& req) = 0;
    virtual std::optional<oauthreg::http_response> precheck(oauthreg::http_request const& head) = 0;
    virtual void session_closed() = 0;
    server_limits limits;
    std::atomic<bool> stopping{false};
};

class session : public std::enable_shared_from_this<session> {
public:
    session(tcp::socket socket, server_base& srv) : stream_(std::move(socket)), srv_(srv) {}
    ~session() { srv_.session_closed(); }

    void start()
    {
        asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->wait_request(); });
    }

    /** SIGINT/SIGTERM: a connection waiting for a request closes now; one in
        the middle of a request answers it, then closes. */
    void drain()
    {
        asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
            self->draining_ = true;
            if (self->idle_) {
                beast::error_code ec;
                self->stream_.socket().cancel(ec);
            }
        });
    }

private:
    void wait_request()
    {
        if (draining_ || srv_.stopping)
            return close();
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(srv_.limits.header_limit));
        parser_->body_limit(boost::none); // the length is checked once the route is known
        if (buffer_.size() > 0)           // a pipelined request is already here
            return read_header();
        idle_ = true;
        stream_.expires_after(srv_.limits.idle_timeout);
        stream_.async_read_some(buffer_.prepare(4096),
                                [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                                    self->idle_ = false;
                                    if (ec)
                                        return self->close();
                                    self->buffer_.commit(n);
                                    self->read_header();
                                });
    }

    void read_header()
    {
        start_ = steady::now();
        // One deadline for the whole request: a slow sender is cut when it passes.
        stream_.expires_after(srv_.limits.read_timeout);
        http::async_read_header(stream_, buffer_, *parser_,
                                [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                    self->on_header(ec);
                                });
    }

    void on_header(beast::error_code ec)
    {
        if (ec)
            return read_failed(ec);
        auto const& req = parser_->get();
        auto const len = parser_->content_length();
        if (len && *len > srv_.limits.max_body)
            return answer(true); // 413 before reading the body
        parser_->body_limit(srv_.limits.max_body);
        if (beast::iequals(req[http::field::expect], "100-continue") && req.version() >= 11) {
            // RFC 9110 10.1.1: a final answer instead of 100 when the head decides it.
            std::optional<oauthreg::http_response> early;
            try {
                early = srv_.precheck(request_view(false));
            } catch (...) { // an exception must end this request, never the server
                early = server_error();
            }
            if (early)
                return finish(std::move(*early), false);
            continue_.emplace(http::status::continue_, req.version());
            return http::async_write(stream_, *continue_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
                if (ec)
                    return self->close();
                self->read_body();
            });
        }
        read_body();
    }

    void read_body()
    {
        http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec == http::error::body_limit)
                return self->answer(true); // a chunked body passed the limit
            if (ec)
                return self->read_failed(ec);
            self->answer(false);
        });
    }

    /** Timeouts and dropped connections close; malformed HTTP gets 400 (431
        for headers over the limit) and closes. */
    void read_failed(beast::error_code ec)
    {
        if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::eof ||
            ec == asio::error::connection_reset || ec == asio::error::operation_aborted || ec == http::error::partial_message)
            return close();
        bool const too_big = ec == http::error::header_limit;
        unsigned const status = too_big ? 431 : 400;
        oauthreg::http_response r = detail::problem_response(
            detail::envelope::errors,
            {status, "invalid_request", too_big ? "the request header is too large" : "malformed HTTP request", {}});
        send(std::move(r), false, 11);
        access_log("", "", status, start_);
    }

    static oauthreg::http_response server_error()
    {
        return detail::problem_response(detail::envelope::errors,
                                        {500, "server_error", "the server could not answer", {}});
    }

    /** The parsed request as the handler reads it (views into the parser). */
    oauthreg::http_request request_view(bool over_limit) const
    {
        auto const& req = parser_->get();
        oauthreg::http_request in;
        in.method = req.method_string();
        in.target = req.target();
        in.authorization = req[http::field::authorization];
        auto const [first, last] = req.equal_range(http::field::authorization);
        in.authorization_repeated = first != last && std::next(first) != last;
        in.content_type = req[http::field::content_type];
        in.body = req.body();
        in.body_over_limit = over_limit;
        return in;
    }

    void answer(bool over_limit)
    {
        oauthreg::http_response out;
        try {
            out = srv_.handle(request_view(over_limit));
        } catch (...) { // an exception must end this request, never the server
            out = server_error();
        }
        finish(std::move(out), !over_limit);
    }

    /** Logs and sends an answer; `body_read`: the connection is still in step. */
    void finish(oauthreg::http_response out, bool body_read)
    {
        auto const& req = parser_->get();
        bool const keep = req.keep_alive() && body_read && !draining_ && !srv_.stopping;
        access_log(req.method_string(), req.target(), out.status, start_);
        send(std::move(out), keep, req.version());
    }

    void send(oauthreg::http_response r, bool keep_alive, unsigned version)
    {
        res_.emplace(static_cast<http::status>(r.status), version);
        for (auto const& [name, value] : r.headers)
            res_->set(name, value);
        res_->body() = std::move(r.body);
        res_->keep_alive(keep_alive);
        res_->prepare_payload();
        stream_.expires_after(srv_.limits.read_timeout);
        http::async_write(stream_, *res_, [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
            if (ec)
                return self->close();
            if (!keep_alive)
                return self->linger();
            self->wait_request();
        });
    }

    /** Closes after an answer without reading the rest of the request: shut
        down our side, then discard what the peer still sends for a moment, so
        the answer is not lost to a reset (RFC 9112 9.6). */
    void linger()
    {
        beast::error_code ec;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
        stream_.expires_after(std::chrono::seconds(1));
        discard(0);
    }

    void discard(std::size_t total)
    {
        if (total > 1024 * 1024)
            return close();
        buffer_.clear();
        stream_.async_read_some(buffer_.prepare(16 * 1024),
                                [self = shared_from_this(), total](beast::error_code ec, std::size_t n) {
                                    if (ec)
                                        return self->close();
                                    self->discard(total + n);
                                });
    }

    void close()
    {
        beast::error_code ec;
        stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
        stream_.close();
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    std::optional<http::response<http::string_body>> res_;
    std::optional<http::response<http::empty_body>> continue_;
    server_base& srv_;
    steady::time_point start_ = steady::now();
    bool idle_ = false;
    bool draining_ = false;
};

/** Accepts connections (at most limits.max_connections open at once), runs
    sessions on a pool of threads, and drains on SIGINT/SIGTERM. */
template <class Handler> class server final : public server_base {
public:
    server(asio::io_context& ioc, tcp::acceptor& acceptor, Handler& handler)
        : ioc_(ioc), acceptor_(acceptor), strand_(asio::make_strand(ioc)), retry_(strand_), signals_(ioc, SIGINT, SIGTERM),
          handler_(handler)
    {
        signals_.async_wait([this](beast::error_code ec, int) {
            if (!ec)
                stop();
        });
    }

    void start()
    {
        asio::dispatch(strand_, [this] { accept(); });
    }

    oauthreg::http_response handle(oauthreg::http_request const& req) override { return handler_(req); }
    std::optional<oauthreg::http_response> precheck(oauthreg::http_request const& head) override
    {
        return handler_.precheck(head);
    }

    void session_closed() override
    {
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
            return;
        }
        acceptor_.async_accept(asio::make_strand(ioc_), [this](beast::error_code ec, tcp::socket socket) {
            if (stopping)
                return;
            if (ec) {
                // Out of descriptors, or a connection reset before it was accepted: try again shortly.
                retry_.expires_after(std::chrono::milliseconds(50));
                retry_.async_wait([this](beast::error_code) { accept(); });
                return;
            }
            open_.fetch_add(1);
            beast::error_code ignored;
            socket.set_option(tcp::no_delay(true), ignored); // each answer is one write: send it at once
            auto s = std::make_shared<session>(std::move(socket), *this);
            {
                std::lock_guard lock(mutex_);
                sessions_.remove_if([](auto const& w) { return w.expired(); });
                sessions_.push_back(s);
            }
            s->start();
            accept();
        });
    }

    void stop()
    {
        asio::dispatch(strand_, [this] {
            stopping = true;
            beast::error_code ec;
            acceptor_.close(ec);
            retry_.cancel();
            std::lock_guard lock(mutex_);
            for (auto& w : sessions_)
                if (auto s = w.lock())
                    s->drain();
            sessions_.clear();
        });
    }

    asio::io_context& ioc_;
    tcp::acceptor& acceptor_;
    asio::strand<asio::io_context::executor_type> strand_;
    asio::steady_timer retry_;
    asio::signal_set signals_;
    Handler& handler_;
    std::atomic<std::size_t> open_{0};
    bool paused_ = false;
    std::mutex mutex_;
    std::list<std::weak_ptr<session>> sessions_;
};

/** `{"keys": [{"key" | "key_sha256": ..., "org_id": ..., "user_id": ...}, ...]}` */
inline api_keys load_api_keys(std::string const& path)
{
    auto const doc = read_json_object_file(path, 8);
    auto bad = [&](std::string const& why) { return usage_error{path + ": " + why}; };
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
        owner who{text_of("org_id").value_or(""), text_of("user_id").value_or("")};
        if (who.org_id.empty())
            throw bad("a key entry has no \"org_id\"");
        auto key = text_of("key");
        auto hex = text_of("key_sha256");
        if (key.has_value() == hex.has_value())
            throw bad("each entry needs exactly one of \"key\" and \"key_sha256\"");
        if (key) {
            keys.add(*key, std::move(who));
        } else {
            auto h = api_keys::parse_sha256_hex(*hex);
            if (!h)
                throw bad("\"key_sha256\" must be 64 hex digits");
            keys.add_sha256(*h, std::move(who));
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
        throw usage_error{"--listen takes HOST:PORT, e.g. 127.0.0.1:8080 ([::1]:8080 for IPv6)"};
    std::string host = s.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    return {host, s.substr(colon + 1)};
}

inline long to_number(std::string_view flag, std::string const& v, long lo, long hi)
{
    auto n = detail::parse_bounded(v, static_cast<std::size_t>(lo), static_cast<std::size_t>(hi));
    if (!n)
        throw usage_error{std::string(flag) + " takes an integer from " + std::to_string(lo) + " to " + std::to_string(hi)};
    return static_cast<long>(*n);
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

int cmd_serve(int argc, char** argv)
{
    using namespace serve_detail;
    std::string listen = "127.0.0.1:8080", store = "memory", keys_path, public_url;
    long threads = static_cast<long>(std::max(1u, std::thread::hardware_concurrency()));
    server_limits lim;
    auto opts = parse_common(argc, argv, 2, [&](std::string_view a, int&, auto& value) {
        if (a == "--listen")
            listen = value();
        else if (a == "--store")
            store = value();
        else if (a == "--api-keys")
            keys_path = value();
        else if (a == "--public-url")
            public_url = value();
        else if (a == "--threads")
            threads = to_number(a, value(), 1, 256);
        else if (a == "--read-timeout-ms")
            lim.read_timeout = std::chrono::milliseconds(to_number(a, value(), 1, 3600000));
        else if (a == "--idle-timeout-ms")
            lim.idle_timeout = std::chrono::milliseconds(to_number(a, value(), 1, 3600000));
        else if (a == "--max-connections")
            lim.max_connections = static_cast<std::size_t>(to_number(a, value(), 1, 1000000));
        else if (a == "--header-limit")
            lim.header_limit = static_cast<std::size_t>(to_number(a, value(), 256, 1024 * 1024));
        else
            return false;
        return true;
    });
    if (!opts.positional.empty())
        throw usage_error{"serve takes no positional arguments"};
    auto const [host, port] = split_listen(listen);
    unsigned short const port_number = static_cast<unsigned short>(to_number("--listen port", port, 0, 65535));
    api_keys keys = keys_path.empty() ? api_keys{} : load_api_keys(keys_path);
    if (!public_url.empty()) {
        auto u = boost::urls::parse_absolute_uri(public_url);
        if (!u || (u->scheme() != "http" && u->scheme() != "https") || !u->has_authority() || u->has_query() ||
            u->has_fragment())
            throw usage_error{"--public-url must be an absolute http(s) URL without query or fragment"};
    }
    raise_open_files_limit();

    asio::io_context ioc(static_cast<int>(threads));
    tcp::acceptor acceptor(ioc);
    try {
        auto const address = asio::ip::make_address(host);
        tcp::endpoint ep(address, port_number);
        acceptor.open(ep.protocol());
        acceptor.set_option(asio::socket_base::reuse_address(true));
        acceptor.bind(ep);
        acceptor.listen(asio::socket_base::max_listen_connections);
    } catch (std::exception const& e) {
        std::cerr << "oauthreg: cannot listen on " << listen << ": " << e.what() << "\n";
        return exit_usage;
    }
    auto const bound = acceptor.local_endpoint();
    std::string const url_host = bound.address().is_v6() ? "[" + bound.address().to_string() + "]"
                                                         : bound.address().to_string();
    std::string const listening = "http://" + url_host + ":" + std::to_string(bound.port());
    if (public_url.empty())
        public_url = listening;

    std::optional<std::string> generated_key;
    if (keys.empty()) {
        os_rng rng;
        secure_string k = detail::generate_secret(rng);
        generated_key = std::string(k);
        keys.add(*generated_key, {"default", "default"});
    }
    registry_options ro = http_registry_options(public_url, opts.prof);
    if (char const* pepper = std::getenv("OAUTHREG_SECRET_PEPPER"))
        ro.secret_pepper = pepper;
    lim.max_body = ro.profile.limits.max_body_bytes;
    return with_store(store, std::move(ro), [&](auto& reg) {
        basic_http_handler handler(reg, std::move(keys), public_url);
        server srv(ioc, acceptor, handler);
        srv.limits = lim;
        boost::json::object ready;
        ready["listening"] = listening;
        if (generated_key)
            ready["api_key"] = *generated_key;
        print_line(ready);
        srv.start();
        std::vector<std::thread> pool;
        for (long i = 1; i < threads; ++i)
            pool.emplace_back([&ioc] { ioc.run(); });
        ioc.run();
        for (auto& t : pool)
            t.join();
        return static_cast<int>(exit_ok);
    }, store_error_log);
}

} // namespace oauthreg::cli
