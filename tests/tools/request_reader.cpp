// Tests of tools/lib/request_reader.hpp below the socket level
// (tests/cli/test_serve_hostile.py drives the server): the bytes of a request
// put into the reader, and what it keeps, refuses, and why.
#include "../../tools/lib/request_reader.hpp"

#include "../support/catch.hpp"

#include <boost/asio/buffer.hpp>

#include <string>
#include <string_view>

using oauthreg::cli::request_reader;

namespace {

/** Puts `raw` into a fresh reader in one piece, as the server's read loop
    would: the reader, and the error that stopped it (none when complete). */
struct outcome {
    request_reader r;
    boost::beast::error_code ec;
};

void read_all(outcome& o, std::string_view raw, std::uint32_t head_limit = 16 * 1024)
{
    o.r.head_limit(head_limit);
    o.r.body_limit(64 * 1024);
    o.r.eager(true);
    std::size_t used = 0;
    while (!o.ec && !o.r.is_done() && used < raw.size()) {
        auto const n = o.r.put(boost::asio::buffer(raw.data() + used, raw.size() - used), o.ec);
        used += n;
        if (o.ec == boost::beast::http::error::need_more) {
            o.ec = {};
            if (n == 0)
                break;
        }
    }
}

std::string chunked_post(std::string_view codings, std::string_view extra = "")
{
    return "POST /oauth/register HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: " + std::string(codings) + "\r\n" +
           std::string(extra) + "\r\n2\r\n{}\r\n0\r\n\r\n";
}

} // namespace

TEST_CASE("RFC 9112 6.3: a Transfer-Encoding list whose final coding is not chunked is 400", "[serve][framing]")
{
    for (auto const* coding : {"xchunked", "gzip", "identity", "chunked, gzip", "chunked;x=1", "", "chunked, chunked",
                               " , "}) {
        INFO(coding);
        outcome o;
        read_all(o, chunked_post(coding));
        CHECK(o.ec);
        CHECK(o.r.problem.status == 400);
        CHECK(o.r.body.empty());
    }
}

TEST_CASE("RFC 9112 6.1: chunked after a coding the server cannot decode is 501", "[serve][framing]")
{
    for (auto const* coding : {"gzip, chunked", "deflate,chunked"}) {
        INFO(coding);
        outcome o;
        read_all(o, chunked_post(coding));
        CHECK(o.r.problem.status == 501);
    }
}

TEST_CASE("RFC 9112 6.1: chunked alone is read, in any case and with list whitespace", "[serve][framing]")
{
    for (auto const* coding : {"chunked", "CHUNKED", " chunked ", ", chunked"}) {
        INFO(coding);
        outcome o;
        read_all(o, chunked_post(coding));
        CHECK_FALSE(o.ec);
        CHECK(o.r.is_done());
        CHECK(o.r.body == "{}");
    }
}

TEST_CASE("RFC 9112 6.1 and 6.3: Transfer-Encoding with Content-Length, or in HTTP/1.0, is 400", "[serve][framing]")
{
    outcome both;
    read_all(both, "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\nContent-Length: 2\r\n\r\n{}");
    CHECK(both.ec);
    CHECK(both.r.body.empty());
    outcome old;
    read_all(old, "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n");
    CHECK(old.r.problem.status == 400);
    CHECK(old.r.body.empty());
}

TEST_CASE("RFC 9110 6.5.1: trailer fields never stand in for head fields", "[serve][framing]")
{
    outcome o;
    read_all(o, "POST /oauth/register HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer head\r\nTransfer-Encoding: "
                "chunked\r\n\r\n2\r\n{}\r\n0\r\nAuthorization: Bearer trailer\r\nContent-Type: application/json\r\n\r\n");
    REQUIRE(o.r.is_done());
    CHECK(o.r.authorization == "Bearer head");
    CHECK(o.r.authorization_lines == 1);
    CHECK(o.r.content_type.empty());
}

TEST_CASE("a trailer section is held to the head's limit and field count", "[serve][framing]")
{
    std::string big;
    for (int i = 0; i < 20; ++i)
        big += "X-T" + std::to_string(i) + ": " + std::string(100, 'a') + "\r\n";
    outcome over;
    read_all(over, chunked_post("chunked").substr(0, chunked_post("chunked").size() - 2) + big + "\r\n", 1024);
    CHECK(over.ec == boost::beast::http::error::header_limit);
    std::string many;
    for (int i = 0; i < 101; ++i)
        many += "X: 1\r\n";
    outcome count;
    read_all(count, chunked_post("chunked").substr(0, chunked_post("chunked").size() - 2) + many + "\r\n");
    CHECK(count.ec == boost::beast::http::error::header_limit);
}

TEST_CASE("a head of more than 100 field lines is refused as over the limit", "[serve][framing]")
{
    std::string head = "GET / HTTP/1.1\r\nHost: t\r\n";
    for (int i = 0; i < 100; ++i)
        head += "X: 1\r\n";
    outcome o;
    read_all(o, head + "\r\n");
    CHECK(o.ec == boost::beast::http::error::header_limit);
}

TEST_CASE("RFC 9112 3.2: exactly one valid Host in HTTP/1.1, at most one in HTTP/1.0", "[serve][framing]")
{
    for (auto const* raw : {"GET / HTTP/1.1\r\n\r\n", "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n",
                            "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n",
                            "GET / HTTP/1.1\r\nHost: a\"b\r\n\r\n"}) {
        INFO(raw);
        outcome o;
        read_all(o, raw);
        CHECK(o.r.problem.status == 400);
    }
    for (auto const* raw : {"GET / HTTP/1.0\r\n\r\n", "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n",
                            "GET / HTTP/1.1\r\nHost:\r\n\r\n", "GET / HTTP/1.1\r\nHost: reg.example.com\r\n\r\n"}) {
        INFO(raw);
        outcome o;
        read_all(o, raw);
        CHECK_FALSE(o.ec);
        CHECK(o.r.is_done());
    }
}

TEST_CASE("RFC 9112 3.2.2: an absolute-form target is read as its path and query", "[serve][framing]")
{
    CHECK(request_reader::origin_form("http://t/oauth_clients?page%5Bsize%5D=1") == "/oauth_clients?page%5Bsize%5D=1");
    CHECK(request_reader::origin_form("HTTPS://t:8443/a/b") == "/a/b");
    CHECK(request_reader::origin_form("http://t") == "/");
    CHECK(request_reader::origin_form("http://t?q") == "/?q");
    CHECK(request_reader::origin_form("http://[::1]:80/x") == "/x");
    CHECK(request_reader::origin_form("/already/origin") == "/already/origin");
    CHECK(request_reader::origin_form("*") == "*");
    // RFC 9110 4.2.1: no empty host; 4.2.4: no userinfo; only http(s); no fragment
    for (auto const* bad : {"http:///x", "http://u:p@t/x", "ftp://user:pw@t/x", "http://[::1/x", "http://t:xx/x",
                            "http://t:99999/x", "http://t/x#f", "t/x", "mailto:a@b"}) {
        INFO(bad);
        CHECK_FALSE(request_reader::origin_form(bad));
    }
}

TEST_CASE("RFC 9112 3.2: a Host value is an RFC 3986 authority with a host", "[serve][framing]")
{
    for (auto const* good : {"", "t", "t:8080", "t:", "[::1]", "[::1]:443", "127.0.0.1", "[v1.x]", "a%41b"})
        CHECK(request_reader::valid_host(good));
    for (auto const* bad : {"[", ":::", "[::1", "%zz", "a:b", "a:1:2", ":80", "t:99999999999", "u@t", "a b"}) {
        INFO(bad);
        CHECK_FALSE(request_reader::valid_host(bad));
    }
}

TEST_CASE("RFC 9110 6.5.1: Connection in a trailer does not end keep-alive", "[serve][framing]")
{
    outcome o;
    read_all(o, chunked_post("chunked").substr(0, chunked_post("chunked").size() - 2) + "Connection: close\r\n\r\n");
    REQUIRE(o.r.is_done());
    CHECK(o.r.keep_alive_requested());
    outcome head;
    read_all(head, "GET / HTTP/1.1\r\nHost: t\r\nConnection: keep-alive, close\r\n\r\n");
    CHECK_FALSE(head.r.keep_alive_requested());
    outcome old;
    read_all(old, "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
    CHECK(old.r.keep_alive_requested());
}
