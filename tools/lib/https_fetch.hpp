// `serve`'s fetch policy (oauthreg::fetch_policy, include/oauthreg/fetch.hpp):
// one HTTPS `GET` of a Client ID Metadata Document or a jwks_uri, over Asio,
// Beast and OpenSSL, that never reaches a special-use address
// (/work/shared/DESIGN.md, "The client check, Client ID Metadata Documents
// and `private_key_jwt`"; `--cimd-timeout-ms`, `--cimd-allow-loopback`,
// `--cimd-ca-file`).
#ifndef OAUTHREG_TOOLS_LIB_HTTPS_FETCH_HPP
#define OAUTHREG_TOOLS_LIB_HTTPS_FETCH_HPP

#include "special_use_address.hpp"

#include <oauthreg/error.hpp>
#include <oauthreg/fetch.hpp>
#include <oauthreg/version.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace oauthreg::cli {

/** What an @ref https_fetcher is built from (`serve`'s `--cimd-*` options). */
struct https_fetch_settings {
    /** The whole fetch, from the DNS lookup to the last byte read: lookup,
        connect, TLS handshake, request and response (`--cimd-timeout-ms`). */
    std::chrono::milliseconds timeout{5000};
    /** Let a fetch reach loopback addresses (127.0.0.0/8, ::1): development
        only (`--cimd-allow-loopback`). Every other special-use address stays refused. */
    bool allow_loopback = false;
    /** A PEM file of trust anchors added to the system's default ones (`--cimd-ca-file`). */
    std::optional<std::string> ca_file;
    /** Fetches in flight at once, over all hosts; one more fails at once. */
    std::size_t max_fetches = 16;
    /** Fetches in flight at once to one host (as the URL spells it, case-folded); one more fails at once. */
    std::size_t max_fetches_per_host = 2;
    /** The most bytes the response's status line and header fields may take. */
    std::uint32_t max_header_bytes = 8 * 1024;
};

namespace https_fetch_detail {

/** The parts of an `https` URL a fetch uses. */
struct target_url {
    std::string host;                           ///< case-folded; an IPv6 literal without its brackets
    std::string authority;                      ///< the Host field: host and port as written
    std::string port = "443";                   ///< decimal
    std::string target;                         ///< the request target: path and query, "/" at least
    std::optional<boost::asio::ip::address> ip; ///< the host when it is an IP literal
};

inline error_info failure(std::string_view reason)
{
    return make_error(error::metadata_document_unavailable, "client_id", reason);
}

inline bool is_port(std::string_view s)
{
    unsigned v = 0;
    auto const [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return !s.empty() && s.size() <= 5 && ec == std::errc() && end == s.data() + s.size() && v >= 1 && v <= 65535;
}

inline char fold(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

/** `url` cut into what a fetch needs: `https` only (RFC 9110 4.2.2), a host
    (a DNS name of letters, digits, '-' and '.', an IPv4 address or a
    bracketed IPv6 address without a zone), an optional port (default 443),
    a path and a query; no userinfo, no fragment, no space or control
    character. The engine has checked a Client Identifier URL more strictly
    already (no query there); a `jwks_uri` may carry a query. */
inline std::optional<target_url> parse_url(std::string_view url, std::string& why)
{
    constexpr std::string_view scheme = "https://";
    if (url.size() < scheme.size() ||
        !std::equal(scheme.begin(), scheme.end(), url.begin(), [](char a, char b) { return a == fold(b); })) {
        why = "the URL is not an https URL";
        return std::nullopt;
    }
    auto const rest = url.substr(scheme.size());
    auto const end = rest.find_first_of("/?#");
    auto const authority = rest.substr(0, end);
    auto const tail = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
    if (tail.find('#') != std::string_view::npos) {
        why = "the URL has a fragment";
        return std::nullopt;
    }
    if (std::any_of(tail.begin(), tail.end(),
                    [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; })) {
        why = "the URL has a space or a control character";
        return std::nullopt;
    }
    if (authority.find('@') != std::string_view::npos) {
        why = "the URL has userinfo";
        return std::nullopt;
    }
    target_url u;
    u.authority = std::string(authority);
    std::string_view host = authority;
    std::string_view port;
    if (authority.starts_with('[')) {
        auto const close = authority.find(']');
        auto const after = close == std::string_view::npos ? std::string_view{} : authority.substr(close + 1);
        if (close == std::string_view::npos || !(after.empty() || after[0] == ':')) {
            why = "the URL's host is not a valid IP literal";
            return std::nullopt;
        }
        host = authority.substr(1, close - 1);
        port = after.empty() ? after : after.substr(1);
        boost::system::error_code ec;
        auto const a = boost::asio::ip::make_address_v6(std::string(host), ec); // a zone id "%eth0" is refused below
        if (ec || host.find('%') != std::string_view::npos) {
            why = "the URL's host is not a valid IP literal";
            return std::nullopt;
        }
        u.ip = a;
    } else {
        auto const colon = authority.rfind(':');
        if (colon != std::string_view::npos) {
            host = authority.substr(0, colon);
            port = authority.substr(colon + 1);
        }
        bool const name_chars = std::all_of(host.begin(), host.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
        });
        if (host.empty() || !name_chars) {
            why = "the URL's host is not a DNS name or an IP address";
            return std::nullopt;
        }
        boost::system::error_code ec;
        auto const a = boost::asio::ip::make_address_v4(std::string(host), ec);
        if (!ec)
            u.ip = a;
    }
    if (!port.empty()) { // RFC 3986 3.2.3: an empty port is the default
        if (!is_port(port)) {
            why = "the URL's port is not 1 to 65535";
            return std::nullopt;
        }
        u.port = std::string(port);
    }
    u.host.reserve(host.size());
    for (char c : host)
        u.host.push_back(fold(c));
    u.target = tail.empty() || tail[0] == '?' ? "/" + std::string(tail) : std::string(tail);
    return u;
}

/** The fetcher's shared part: the TLS context (read-only once built, which
    OpenSSL allows from many threads) and the in-flight counts. */
struct shared_state {
    explicit shared_state(https_fetch_settings s) : settings(std::move(s)) {}

    https_fetch_settings const settings;
    boost::asio::ssl::context tls{boost::asio::ssl::context::tls_client};
    std::mutex mutex;
    std::size_t in_flight = 0;
    std::unordered_map<std::string, std::size_t> in_flight_per_host;
};

/** One fetch's place under the caps, given back when the last holder lets it
    go (a DNS lookup that outlives its fetch keeps it: see lookup). */
class slot {
public:
    slot(std::shared_ptr<shared_state> state, std::string host) : state_(std::move(state)), host_(std::move(host)) {}
    slot(slot const&) = delete;
    slot& operator=(slot const&) = delete;
    ~slot()
    {
        std::lock_guard lock(state_->mutex);
        --state_->in_flight;
        if (auto const it = state_->in_flight_per_host.find(host_);
            it != state_->in_flight_per_host.end() && --it->second == 0)
            state_->in_flight_per_host.erase(it);
    }

    /** A slot for `host`, or the reason there is none. */
    static std::shared_ptr<slot> take(std::shared_ptr<shared_state> const& state, std::string const& host,
                                      std::string& why)
    {
        std::lock_guard lock(state->mutex);
        if (state->in_flight >= state->settings.max_fetches) {
            why = "too many fetches at once";
            return nullptr;
        }
        auto& n = state->in_flight_per_host[host];
        if (n >= state->settings.max_fetches_per_host) {
            if (n == 0)
                state->in_flight_per_host.erase(host);
            why = "too many fetches to this host";
            return nullptr;
        }
        ++n;
        ++state->in_flight;
        return std::make_shared<slot>(state, host);
    }

private:
    std::shared_ptr<shared_state> state_;
    std::string host_;
};

/** A DNS lookup on a thread of its own. Asio's async_resolve runs
    getaddrinfo on its io_context's private thread, which cannot be
    interrupted and which the io_context's destructor joins: a lookup that
    hangs would hold the calling thread past the timeout. Here the caller
    waits until the deadline and leaves; the thread finishes on its own,
    keeping the fetch's slot, so stuck lookups stay bounded by the caps. */
struct lookup {
    std::mutex mutex;
    std::condition_variable done_cv;
    bool done = false;
    boost::system::error_code ec;
    std::vector<boost::asio::ip::tcp::endpoint> endpoints;

    /** The endpoints of `host`:`port`, or an error; `ec` is timed_out when the deadline passed first. */
    static std::vector<boost::asio::ip::tcp::endpoint> run(std::string const& host, std::string const& port,
                                                           std::shared_ptr<slot> const& held,
                                                           std::chrono::steady_clock::time_point deadline,
                                                           boost::system::error_code& ec)
    {
        auto state = std::make_shared<lookup>();
        try {
            std::thread([state, host, port, held] {
                boost::system::error_code e;
                std::vector<boost::asio::ip::tcp::endpoint> found;
                try {
                    boost::asio::io_context io;
                    boost::asio::ip::tcp::resolver resolver(io);
                    for (auto const& entry :
                         resolver.resolve(host, port, boost::asio::ip::tcp::resolver::numeric_service, e))
                        found.push_back(entry.endpoint());
                } catch (std::exception const&) {
                    e = boost::asio::error::no_memory;
                }
                std::lock_guard lock(state->mutex);
                state->ec = e;
                state->endpoints = std::move(found);
                state->done = true;
                state->done_cv.notify_all();
            }).detach();
        } catch (std::system_error const& e) {
            ec = e.code();
            return {};
        }
        std::unique_lock lock(state->mutex);
        if (!state->done_cv.wait_until(lock, deadline, [&] { return state->done; })) {
            ec = boost::asio::error::timed_out;
            return {};
        }
        ec = state->ec;
        return std::move(state->endpoints);
    }
};

/** What the exchange over one connection came to. */
struct exchange {
    std::string stage = "connect"; ///< where it is, for the reason of a timeout
    std::string failure;           ///< empty when a response was read
    fetched_resource resource;
};

using tls_stream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

inline boost::asio::awaitable<void> converse(tls_stream& stream,
                                             std::vector<boost::asio::ip::tcp::endpoint> const& endpoints,
                                             target_url const& url, std::size_t limit, std::uint32_t max_header,
                                             exchange& out)
{
    namespace http = boost::beast::http;
    auto const token = boost::asio::as_tuple(boost::asio::use_awaitable);

    // Only the addresses checked, never a new lookup: DNS rebinding gains nothing.
    auto [connect_ec, connected] = co_await boost::asio::async_connect(stream.next_layer(), endpoints, token);
    if (connect_ec) {
        out.failure = "connecting to " + url.host + " failed: " + connect_ec.message();
        co_return;
    }

    out.stage = "TLS handshake";
    // RFC 6066 3: SNI carries a DNS name, never an IP literal.
    if (!url.ip && SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str()) != 1) {
        out.failure = "TLS with " + url.host + " failed: the server name cannot be sent";
        co_return;
    }
    // RFC 9110 4.3.4 and RFC 6125: the certificate names the host (an IP
    // literal: an iPAddress SAN). A mismatch is given its own verify error,
    // so that the reason says so.
    stream.set_verify_callback(
        [check = boost::asio::ssl::host_name_verification(url.host),
         literal = url.ip.has_value()](bool preverified, boost::asio::ssl::verify_context& ctx) mutable {
            bool const ok = check(preverified, ctx);
            if (preverified && !ok)
                X509_STORE_CTX_set_error(ctx.native_handle(),
                                         literal ? X509_V_ERR_IP_ADDRESS_MISMATCH : X509_V_ERR_HOSTNAME_MISMATCH);
            return ok;
        });
    auto [handshake_ec] = co_await stream.async_handshake(boost::asio::ssl::stream_base::client, token);
    if (handshake_ec) {
        auto const verify = SSL_get_verify_result(stream.native_handle());
        out.failure = verify != X509_V_OK ? "TLS certificate verification of " + url.host +
                                                " failed: " + X509_verify_cert_error_string(verify)
                                          : "TLS handshake with " + url.host + " failed: " + handshake_ec.message();
        co_return;
    }

    out.stage = "request";
    http::request<http::empty_body> request{http::verb::get, url.target, 11};
    request.set(http::field::host, url.authority);
    request.set(http::field::user_agent, "oauthreg/" OAUTHREG_VERSION_STRING);
    request.set(http::field::accept, "application/json");
    request.set(http::field::accept_encoding, "identity");
    request.set(http::field::connection, "close");
    auto [write_ec, written] = co_await http::async_write(stream, request, token);
    if (write_ec) {
        out.failure = "sending the request to " + url.host + " failed: " + write_ec.message();
        co_return;
    }

    out.stage = "response";
    // buffer_body, not string_body with body_limit(limit + 1): past its
    // limit the parser fails and keeps nothing, where the engine wants the
    // first limit + 1 bytes to say "too large". So the body is read into a
    // window that never goes past limit + 1 bytes, and the read stops there.
    boost::beast::flat_buffer buffer(std::size_t{max_header} + 65536);
    http::response_parser<http::buffer_body> parser;
    parser.header_limit(max_header);
    parser.body_limit(boost::none); // bounded by the window below
    auto [header_ec, header_bytes] = co_await http::async_read_header(stream, buffer, parser, token);
    if (header_ec) {
        out.failure =
            header_ec == http::error::header_limit
                ? "the response header from " + url.host + " is larger than " + std::to_string(max_header) + " bytes"
                : "reading the response header from " + url.host + " failed: " + header_ec.message();
        co_return;
    }
    auto& resource = out.resource;
    resource.status = parser.get().result_int();
    bool have_expires = false;
    for (auto const& field : parser.get()) {
        if (field.name() == http::field::cache_control) {
            if (!resource.cache_control.empty())
                resource.cache_control += ", ";
            resource.cache_control.append(field.value());
        } else if (field.name() == http::field::expires && !have_expires) {
            resource.expires = std::string(field.value());
            have_expires = true;
        } else if (field.name() == http::field::content_encoding) {
            resource.content_encoded = true;
        }
    }
    std::size_t const most = limit == static_cast<std::size_t>(-1) ? limit : limit + 1;
    std::array<char, 4096> window{};
    while (!parser.is_done() && resource.body.size() < most) {
        auto const room = std::min(window.size(), most - resource.body.size());
        parser.get().body().data = window.data();
        parser.get().body().size = room;
        auto [body_ec, body_bytes] = co_await http::async_read(stream, buffer, parser, token);
        resource.body.append(window.data(), room - parser.get().body().size);
        if (body_ec == http::error::need_buffer)
            continue;
        if (body_ec == boost::asio::ssl::error::stream_truncated) {
            // A body delimited by the connection's close, closed without a
            // TLS close_notify: it may have been cut short (RFC 8446 6.1).
            out.failure =
                "the connection to " + url.host + " closed without a TLS close_notify: the body may be truncated";
            co_return;
        }
        if (body_ec) {
            out.failure = "reading the response body from " + url.host + " failed: " + body_ec.message();
            co_return;
        }
    }
}

} // namespace https_fetch_detail

/** A fetch policy (oauthreg::fetch_policy) over HTTPS: one `GET`, no
    redirect followed, at most `limit + 1` bytes of body read, the whole
    fetch within the settings' timeout, and never a connection to a
    special-use address (special_use_address.hpp).

    Each call runs on the calling thread (a worker, never an I/O thread of
    the server) with an io_context of its own. Proxy environment variables
    (`https_proxy`, ...) are ignored: nothing here reads them, and a proxy
    would connect where the check cannot see. Copies share the TLS context
    and the caps; calls from many threads at once are safe.

    Models: oauthreg::fetch_policy. */
class https_fetcher {
public:
    /** Builds the TLS context: TLS 1.2 or later (RFC 8996), the peer
        verified against the system's trust anchors and `ca_file`'s.
        @throws std::runtime_error when `ca_file` cannot be read */
    explicit https_fetcher(https_fetch_settings settings = {})
        : state_(std::make_shared<https_fetch_detail::shared_state>(std::move(settings)))
    {
        using context = boost::asio::ssl::context;
        auto& tls = state_->tls;
        tls.set_options(context::default_workarounds | context::no_sslv2 | context::no_sslv3 | context::no_tlsv1 |
                        context::no_tlsv1_1 | context::no_compression);
        SSL_CTX_set_min_proto_version(tls.native_handle(), TLS1_2_VERSION);
        tls.set_verify_mode(boost::asio::ssl::verify_peer);
        boost::system::error_code ec;
        tls.set_default_verify_paths(ec); // no system store is not an error: ca_file may be all there is
        if (auto const& file = state_->settings.ca_file) {
            tls.load_verify_file(*file, ec);
            if (ec)
                throw std::runtime_error("cannot read the CA file " + *file + ": " + ec.message());
        }
    }

    /** @return the settings it was built from */
    https_fetch_settings const& settings() const noexcept { return state_->settings; }

    /** One `GET` of `url`.
        @return the status, at most `limit + 1` bytes of body, the cache
        fields and whether a Content-Encoding came; or
        `metadata_document_unavailable` with the reason (a refused address,
        DNS, connect, TLS, a timeout, the caps), never with the body */
    result<fetched_resource> fetch(std::string_view url, std::size_t limit)
    {
        using namespace https_fetch_detail;
        auto const& settings = state_->settings;
        auto const deadline = std::chrono::steady_clock::now() + settings.timeout;
        auto const timeout_text = std::to_string(settings.timeout.count()) + " ms";
        std::string why;
        auto const parsed = parse_url(url, why);
        if (!parsed)
            return failure(why);
        auto const& u = *parsed;
        auto const held = slot::take(state_, u.host, why);
        if (!held)
            return failure(why);

        std::vector<boost::asio::ip::tcp::endpoint> endpoints;
        if (u.ip) {
            endpoints.emplace_back(*u.ip, static_cast<unsigned short>(std::stoul(u.port)));
        } else {
            boost::system::error_code ec;
            endpoints = lookup::run(u.host, u.port, held, deadline, ec);
            if (ec == boost::asio::error::timed_out)
                return failure("the DNS lookup of " + u.host + " did not finish within " + timeout_text);
            if (ec)
                return failure("the DNS lookup of " + u.host + " failed: " + ec.message());
            if (endpoints.empty())
                return failure("the DNS lookup of " + u.host + " found no address");
        }
        // Every address is checked, and one special-use address refuses the
        // whole fetch: connecting only to the others would still let a name
        // that mixes a public and an internal address probe inside.
        for (auto const& e : endpoints) {
            auto const a = e.address();
            if (settings.allow_loopback && is_loopback(a))
                continue;
            if (is_special_use(a))
                return failure(u.host + " resolves to the special-use address " + a.to_string() + ": refused");
        }

        boost::asio::io_context io(1);
        tls_stream stream(io, state_->tls);
        exchange out;
        bool finished = false;
        bool timed_out = false;
        boost::asio::steady_timer timer(io, deadline);
        timer.async_wait([&](boost::system::error_code ec) {
            if (ec || finished)
                return;
            timed_out = true;
            boost::system::error_code ignored;
            stream.next_layer().close(ignored); // every pending operation ends
        });
        boost::asio::co_spawn(io, converse(stream, endpoints, u, limit, settings.max_header_bytes, out),
                              [&](std::exception_ptr e) {
                                  finished = true;
                                  timer.cancel();
                                  if (e && out.failure.empty())
                                      out.failure = "the fetch from " + u.host + " failed unexpectedly";
                              });
        try {
            io.run();
        } catch (std::exception const&) {
            return failure("the fetch from " + u.host + " failed unexpectedly");
        }
        if (timed_out)
            return failure(u.host + " did not answer within " + timeout_text + " (" + out.stage + ")");
        if (!out.failure.empty())
            return failure(out.failure);
        return std::move(out.resource);
    }

private:
    std::shared_ptr<https_fetch_detail::shared_state> state_;
};

static_assert(fetch_policy<https_fetcher>, "https_fetcher must model oauthreg::fetch_policy");

} // namespace oauthreg::cli

#endif
