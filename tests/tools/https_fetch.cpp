// Tests of tools/lib/https_fetch.hpp against a local TLS server of its own
// (a thread per connection; a throwaway CA and a certificate for localhost
// and 127.0.0.1 made with the openssl command at test time): the response as
// the engine needs it (status, limit + 1 bytes, cache fields, encoding), no
// redirect followed, the timeout, TLS verification, the caps, and the
// special-use refusal made before any connection.
#include "../../tools/lib/https_fetch.hpp"

#include "../support/catch.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#ifndef OAUTHREG_OPENSSL_CLI
#define OAUTHREG_OPENSSL_CLI "openssl"
#endif

using oauthreg::cli::https_fetch_settings;
using oauthreg::cli::https_fetcher;
namespace fs = std::filesystem;
using tcp = boost::asio::ip::tcp;

namespace {

/** A throwaway CA (ca.pem) and a certificate it signed for localhost and
    127.0.0.1 (leaf.pem, leaf.key), in a directory removed at the end. */
struct test_pki {
    fs::path dir;

    test_pki()
    {
        dir = fs::temp_directory_path() / ("oauthreg-fetch-" + std::to_string(::getpid()));
        fs::create_directories(dir);
        std::ofstream(dir / "leaf.ext") << "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n";
        auto const d = dir.string();
        std::string const openssl = OAUTHREG_OPENSSL_CLI;
        std::string const ec = " -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
        run(openssl + " req -x509" + ec + " -keyout " + d + "/ca.key -out " + d +
            "/ca.pem -days 2 -subj /CN=oauthreg-test-CA");
        run(openssl + " req" + ec + " -keyout " + d + "/leaf.key -out " + d + "/leaf.csr -subj /CN=localhost");
        run(openssl + " x509 -req -in " + d + "/leaf.csr -CA " + d + "/ca.pem -CAkey " + d +
            "/ca.key -CAcreateserial -out " + d + "/leaf.pem -days 2 -extfile " + d + "/leaf.ext");
    }
    ~test_pki()
    {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    test_pki(test_pki const&) = delete;
    test_pki& operator=(test_pki const&) = delete;

    std::string ca() const { return (dir / "ca.pem").string(); }

    static void run(std::string const& command)
    {
        if (std::system((command + " >/dev/null 2>&1").c_str()) != 0)
            throw std::runtime_error("failed: " + command);
    }
};

test_pki const& pki()
{
    static test_pki const p;
    return p;
}

std::string chunked(std::vector<std::string> const& chunks)
{
    std::string s;
    for (auto const& c : chunks) {
        char size[16];
        std::snprintf(size, sizeof size, "%zx", c.size());
        s += std::string(size) + "\r\n" + c + "\r\n";
    }
    return s + "0\r\n\r\n";
}

std::string const good_body = R"({"client_id":"https://127.0.0.1/client.json","client_name":"Test"})";

/** The canned answer to each path; "/slow" gets none. */
std::string answer(std::string const& path)
{
    if (path == "/good")
        return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nCache-Control: max-age=300\r\n"
               "Cache-Control: public\r\nExpires: Thu, 01 Jan 2099 00:00:00 GMT\r\nContent-Length: " +
               std::to_string(good_body.size()) + "\r\n\r\n" + good_body;
    if (path == "/redirect")
        return "HTTP/1.1 302 Found\r\nLocation: /good\r\nContent-Length: 0\r\n\r\n";
    if (path == "/big")
        return "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + std::string(100000, 'x');
    if (path == "/exact")
        return "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + std::string(1000, 'x');
    if (path == "/chunked")
        return "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked({"{\"a\":", "\"b\"", "}"});
    if (path == "/big-chunked")
        return "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
               chunked(std::vector<std::string>(50, std::string(1000, 'y')));
    if (path == "/gzip")
        return "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\n\r\n\x1f\x8b\x08\x08";
    if (path == "/huge-header")
        return "HTTP/1.1 200 OK\r\nX-Padding: " + std::string(20000, 'p') + "\r\nContent-Length: 2\r\n\r\n{}";
    return "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
}

/** A TLS server on 127.0.0.1, one thread per connection, that counts the
    connections it accepts and keeps the request heads it reads. */
class tls_server {
public:
    tls_server()
        : tls_(boost::asio::ssl::context::tls_server), acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0})
    {
        tls_.use_certificate_chain_file((pki().dir / "leaf.pem").string());
        tls_.use_private_key_file((pki().dir / "leaf.key").string(), boost::asio::ssl::context::pem);
        port_ = acceptor_.local_endpoint().port();
        accept_thread_ = std::thread([this] { accept_loop(); });
    }
    ~tls_server()
    {
        stopping_ = true;
        boost::system::error_code ec;
        tcp::socket wake(io_);
        wake.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ec);
        accept_thread_.join();
        std::lock_guard lock(mutex_);
        for (auto& t : connections_)
            t.join();
    }
    tls_server(tls_server const&) = delete;
    tls_server& operator=(tls_server const&) = delete;

    unsigned short port() const { return port_; }
    int accepted() const { return accepted_; }
    std::vector<std::string> heads() const
    {
        std::lock_guard lock(mutex_);
        return heads_;
    }
    std::string url(std::string const& host, std::string const& path) const
    {
        return "https://" + host + ":" + std::to_string(port_) + path;
    }

private:
    void accept_loop()
    {
        for (;;) {
            tcp::socket socket(io_);
            boost::system::error_code ec;
            acceptor_.accept(socket, ec);
            if (stopping_ || ec)
                return;
            ++accepted_;
            std::lock_guard lock(mutex_);
            connections_.emplace_back([this, s = std::move(socket)]() mutable { serve(std::move(s)); });
        }
    }

    void serve(tcp::socket socket)
    {
        boost::system::error_code ec;
        boost::asio::ssl::stream<tcp::socket> stream(std::move(socket), tls_);
        stream.handshake(boost::asio::ssl::stream_base::server, ec);
        if (ec)
            return;
        boost::asio::streambuf in;
        auto const n = boost::asio::read_until(stream, in, "\r\n\r\n", ec);
        if (ec)
            return;
        std::string head(boost::asio::buffers_begin(in.data()),
                         boost::asio::buffers_begin(in.data()) + static_cast<std::ptrdiff_t>(n));
        {
            std::lock_guard lock(mutex_);
            heads_.push_back(head);
        }
        auto const path = head.substr(4, head.find(' ', 4) - 4);
        if (path == "/slow") {
            while (!stopping_)
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            return;
        }
        boost::asio::write(stream, boost::asio::buffer(answer(path)), ec);
        stream.shutdown(ec);
    }

    boost::asio::io_context io_;
    boost::asio::ssl::context tls_;
    tcp::acceptor acceptor_;
    unsigned short port_ = 0;
    std::atomic<bool> stopping_{false};
    std::atomic<int> accepted_{0};
    mutable std::mutex mutex_;
    std::vector<std::thread> connections_;
    std::vector<std::string> heads_;
    std::thread accept_thread_;
};

https_fetch_settings trusting_loopback()
{
    https_fetch_settings s;
    s.allow_loopback = true;
    s.ca_file = pki().ca();
    return s;
}

std::string reason(oauthreg::result<oauthreg::fetched_resource> const& r)
{
    return r ? std::string("(a response)") : r.error().description;
}

bool has(std::string const& text, std::string const& part) { return text.find(part) != std::string::npos; }

/** Waits until `done()`, five seconds at most (a test that fails does not hang). */
template <class Predicate> void wait_until(Predicate done)
{
    auto const give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done() && std::chrono::steady_clock::now() < give_up)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

/** A test server and a fetcher that trusts its CA and may reach loopback. */
struct served {
    tls_server server;
    https_fetcher fetcher{trusting_loopback()};

    /** `GET path` from `host`; a failure throws its reason, which Catch shows. */
    oauthreg::fetched_resource get(std::string const& path, std::size_t limit = 5120,
                                   std::string const& host = "127.0.0.1")
    {
        auto r = fetcher.fetch(server.url(host, path), limit);
        if (!r)
            throw std::runtime_error(r.error().description);
        return std::move(*r);
    }
};

} // namespace

TEST_CASE("https_fetcher: a 200 with its body, its Cache-Control fields joined, Expires, and the request it sent",
          "[https_fetch]")
{
    served s;
    auto const r = s.get("/good");
    CHECK(r.status == 200);
    CHECK(r.body == good_body);
    CHECK(r.cache_control == "max-age=300, public"); // RFC 9110 5.3: field lines combined with ", "
    CHECK(r.expires == "Thu, 01 Jan 2099 00:00:00 GMT");
    CHECK_FALSE(r.content_encoded);
    auto const heads = s.server.heads();
    REQUIRE(heads.size() == 1);
    INFO(heads[0]);
    CHECK(heads[0].starts_with("GET /good HTTP/1.1\r\n"));
    CHECK(has(heads[0], "Host: 127.0.0.1:" + std::to_string(s.server.port()) + "\r\n"));
    CHECK(has(heads[0], "Accept: application/json\r\n"));
    CHECK(has(heads[0], "Accept-Encoding: identity\r\n"));
    CHECK(has(heads[0], "Connection: close\r\n"));
    CHECK(has(heads[0], "User-Agent: oauthreg/" OAUTHREG_VERSION_STRING "\r\n"));
}

TEST_CASE("https_fetcher: a DNS name (localhost) is resolved, checked, and its certificate name verified",
          "[https_fetch]")
{
    served s;
    auto const r = s.get("/good", 5120, "LocalHost");
    CHECK(r.status == 200);
    CHECK(r.body == good_body);
}

TEST_CASE("https_fetcher: a redirect is returned as it is, never followed", "[https_fetch]")
{
    served s;
    auto const r = s.get("/redirect");
    CHECK(r.status == 302);
    CHECK(r.body.empty());
    CHECK(s.server.accepted() == 1);
    CHECK(s.server.heads().size() == 1);
}

TEST_CASE("https_fetcher: an oversized body yields limit + 1 bytes and no more, a body of exactly limit bytes is whole",
          "[https_fetch]")
{
    served s;
    auto const big = s.get("/big", 5120);
    CHECK(big.status == 200);
    CHECK(big.body == std::string(5121, 'x'));
    CHECK(s.get("/big-chunked", 5120).body == std::string(5121, 'y'));
    CHECK(s.get("/exact", 1000).body == std::string(1000, 'x'));
}

TEST_CASE("https_fetcher: a chunked body (RFC 9112 7.1) is decoded", "[https_fetch]")
{
    served s;
    auto const r = s.get("/chunked");
    CHECK(r.status == 200);
    CHECK(r.body == R"({"a":"b"})");
}

TEST_CASE("https_fetcher: a Content-Encoding is reported, the body left as it came", "[https_fetch]")
{
    served s;
    auto const r = s.get("/gzip");
    CHECK(r.content_encoded);
    CHECK(r.body.size() == 4);
}

TEST_CASE("https_fetcher: a response header past max_header_bytes fails", "[https_fetch]")
{
    tls_server server;
    https_fetcher fetcher(trusting_loopback());
    auto const r = fetcher.fetch(server.url("127.0.0.1", "/huge-header"), 5120);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == oauthreg::error::metadata_document_unavailable);
    CHECK(has(r.error().description, "larger than 8192 bytes"));
}

TEST_CASE("https_fetcher: a server that never answers fails at the timeout, which bounds the whole fetch",
          "[https_fetch]")
{
    tls_server server;
    auto settings = trusting_loopback();
    settings.timeout = std::chrono::milliseconds(400);
    https_fetcher fetcher(settings);
    auto const start = std::chrono::steady_clock::now();
    auto const r = fetcher.fetch(server.url("127.0.0.1", "/slow"), 5120);
    auto const took = std::chrono::steady_clock::now() - start;
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == oauthreg::error::metadata_document_unavailable);
    CHECK(r.error().field == "client_id");
    CHECK(has(r.error().description, "did not answer within 400 ms (response)"));
    CHECK(took >= std::chrono::milliseconds(390));
    CHECK(took < std::chrono::milliseconds(400 + 1000));
}

TEST_CASE("https_fetcher: a certificate no trust anchor vouches for fails TLS verification", "[https_fetch]")
{
    tls_server server;
    https_fetch_settings settings;
    settings.allow_loopback = true; // and no ca_file: the system's anchors only
    https_fetcher fetcher(settings);
    auto const r = fetcher.fetch(server.url("127.0.0.1", "/good"), 5120);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == oauthreg::error::metadata_document_unavailable);
    CHECK(has(r.error().description, "TLS certificate verification of 127.0.0.1 failed"));
    CHECK(server.heads().empty());
}

TEST_CASE("https_fetcher: a certificate for another name fails TLS verification (RFC 6125)", "[https_fetch]")
{
    // The certificate names localhost and 127.0.0.1; 127.0.0.1 reached as ::ffff:127.0.0.1 is another name.
    tls_server server;
    https_fetcher fetcher(trusting_loopback());
    auto const r = fetcher.fetch(server.url("[::ffff:127.0.0.1]", "/good"), 5120);
    REQUIRE_FALSE(r.has_value());
    INFO(r.error().description);
    CHECK(has(r.error().description, "TLS certificate verification of ::ffff:127.0.0.1 failed: IP address mismatch"));
    CHECK(server.heads().empty());
}

TEST_CASE("https_fetcher: without allow_loopback, loopback hosts are refused before any connection", "[https_fetch]")
{
    tls_server server;
    https_fetch_settings settings;
    settings.ca_file = pki().ca();
    https_fetcher fetcher(settings);
    for (std::string const host : {"127.0.0.1", "localhost", "[::ffff:127.0.0.1]", "[::1]", "127.0.0.2"}) {
        auto const r = fetcher.fetch(server.url(host, "/good"), 5120);
        INFO(host << ": " << reason(r));
        CHECK_FALSE(r.has_value());
        if (r)
            continue;
        CHECK(r.error().code == oauthreg::error::metadata_document_unavailable);
        CHECK(r.error().field == "client_id");
        CHECK(has(r.error().description, "special-use address"));
    }
    CHECK(server.accepted() == 0);
}

TEST_CASE("https_fetcher: special-use literals refused, allow_loopback lifting loopback only", "[https_fetch]")
{
    auto settings = trusting_loopback();
    settings.timeout = std::chrono::milliseconds(500); // bounds the test should a refusal go missing
    https_fetcher fetcher(settings);
    for (char const* url :
         {"https://10.0.0.1/x", "https://169.254.169.254/latest/meta-data/", "https://[::ffff:10.0.0.1]/x",
          "https://[64:ff9b::7f00:1]/x", "https://[fe80::1]/x", "https://0.0.0.0/x", "https://[::]/x",
          "https://[2002:7f00:1::1]/x", "https://224.0.0.1/x"}) {
        auto const r = fetcher.fetch(url, 5120);
        INFO(url << ": " << reason(r));
        CHECK_FALSE(r.has_value());
        CHECK((!r && has(r.error().description, "special-use address")));
    }
}

TEST_CASE("https_fetcher: what is not an https URL with a host is refused", "[https_fetch]")
{
    https_fetcher fetcher(trusting_loopback());
    for (char const* url : {"http://127.0.0.1/x", "ftp://example.com/", "https://", "https:///path",
                            "https://user@127.0.0.1/", "https://127.0.0.1:0/", "https://127.0.0.1:65536/",
                            "https://127.0.0.1:x/", "https://a b/", "https://127.0.0.1/a b", "https://127.0.0.1/#frag",
                            "https://[fe80::1%25eth0]/", "https://[::1/", "https://ex%41mple.com/"}) {
        auto const r = fetcher.fetch(url, 5120);
        INFO(url << ": " << reason(r));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == oauthreg::error::metadata_document_unavailable);
    }
}

TEST_CASE("https_fetcher: beyond the per-host and overall caps a fetch fails at once", "[https_fetch]")
{
    tls_server server;
    auto settings = trusting_loopback();
    settings.timeout = std::chrono::milliseconds(1500);
    settings.max_fetches_per_host = 1;
    settings.max_fetches = 2;
    https_fetcher fetcher(settings);
    std::thread slow([&] { (void)fetcher.fetch(server.url("127.0.0.1", "/slow"), 5120); });
    wait_until([&] { return !server.heads().empty(); });

    auto const start = std::chrono::steady_clock::now();
    auto const same_host = fetcher.fetch(server.url("127.0.0.1", "/good"), 5120);
    auto const took = std::chrono::steady_clock::now() - start;
    // A copy shares the caps.
    https_fetcher copy = fetcher;
    auto const other_host = copy.fetch(server.url("localhost", "/good"), 5120);

    settings.max_fetches = 1;
    https_fetcher one_at_all(settings);
    std::thread slow2([&] { (void)one_at_all.fetch(server.url("127.0.0.1", "/slow"), 5120); });
    wait_until([&] { return server.heads().size() >= 3; });
    auto const over_all = one_at_all.fetch(server.url("localhost", "/good"), 5120);
    slow.join();
    slow2.join();

    REQUIRE_FALSE(same_host.has_value());
    CHECK(has(same_host.error().description, "too many fetches to this host"));
    CHECK(took < std::chrono::milliseconds(200));
    INFO(reason(other_host));
    CHECK(other_host.has_value());
    REQUIRE_FALSE(over_all.has_value());
    CHECK(has(over_all.error().description, "too many fetches at once"));
    // Each slot was given back.
    auto const again = fetcher.fetch(server.url("127.0.0.1", "/good"), 5120);
    INFO(reason(again));
    CHECK(again.has_value());
}

TEST_CASE("https_fetcher: many threads at once on one fetcher", "[https_fetch]")
{
    tls_server server;
    auto settings = trusting_loopback();
    settings.max_fetches_per_host = 16;
    https_fetcher fetcher(settings);
    std::vector<std::thread> threads;
    std::atomic<int> good{0};
    for (int i = 0; i < 8; ++i)
        threads.emplace_back([&] {
            for (int j = 0; j < 4; ++j) {
                auto const r = fetcher.fetch(server.url(j % 2 ? "localhost" : "127.0.0.1", "/good"), 5120);
                if (r && r->status == 200 && r->body == good_body)
                    ++good;
            }
        });
    for (auto& t : threads)
        t.join();
    CHECK(good == 32);
}

TEST_CASE("https_fetcher: a port nobody listens on fails with a connect reason", "[https_fetch]")
{
    unsigned short port = 0;
    {
        boost::asio::io_context io;
        tcp::acceptor closed(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
        port = closed.local_endpoint().port();
    }
    https_fetcher fetcher(trusting_loopback());
    auto const r = fetcher.fetch("https://127.0.0.1:" + std::to_string(port) + "/x", 5120);
    REQUIRE_FALSE(r.has_value());
    INFO(r.error().description);
    CHECK(has(r.error().description, "connecting to 127.0.0.1 failed"));
}

TEST_CASE("https_fetcher: a name that does not resolve fails with a DNS reason", "[https_fetch]")
{
    auto settings = trusting_loopback();
    settings.timeout = std::chrono::milliseconds(1500);
    https_fetcher fetcher(settings);
    auto const start = std::chrono::steady_clock::now();
    auto const r = fetcher.fetch("https://oauthreg-test.invalid/client.json", 5120); // RFC 6761 6.4
    auto const took = std::chrono::steady_clock::now() - start;
    REQUIRE_FALSE(r.has_value());
    INFO(r.error().description);
    CHECK(has(r.error().description, "the DNS lookup of oauthreg-test.invalid"));
    CHECK(took < std::chrono::milliseconds(1500 + 1000));
}

TEST_CASE("https_fetcher: a CA file that cannot be read is an error at construction", "[https_fetch]")
{
    https_fetch_settings settings;
    settings.ca_file = (pki().dir / "missing.pem").string();
    CHECK_THROWS_AS(https_fetcher(settings), std::runtime_error);
}
