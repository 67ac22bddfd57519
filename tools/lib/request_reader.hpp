// The HTTP/1.1 request reader of `oauthreg serve`: Beast's parser under a
// handler of our own, so that every part of a request is bounded and the
// framing rules of RFC 9112 are the strict ones (docs/http.md, "Framing").
#ifndef OAUTHREG_TOOLS_LIB_REQUEST_READER_HPP
#define OAUTHREG_TOOLS_LIB_REQUEST_READER_HPP

#include <oauthreg/detail/uri.hpp>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace oauthreg::cli {

/** Why a request's framing was refused, when the parser's own error does not
    say it: the status to answer, and the reason for the error body. The
    connection always closes after it. */
struct framing_problem {
    unsigned status = 0; ///< 0: none
    std::string_view reason;
};

/** One request, read by Beast's parser into what the API needs and nothing
    more: the request line, the head fields the handler reads (copied as they
    come, so trailer fields can never stand in for them: RFC 9110 6.5.1), and a
    body bounded by body_limit. Trailer fields are parsed and dropped. The
    caller bounds the bytes it buffers (header limit plus a constant): the
    parser needs a whole chunk-size line, or the whole trailer section, in
    that buffer, so neither can grow without end. */
class request_reader final : public boost::beast::http::basic_parser<true> {
public:
    /// At most this many field lines in the head and, apart, in the trailer
    /// section (Apache's LimitRequestFields): each costs a parse and a
    /// comparison, and a head of one-byte fields is no legitimate request.
    static constexpr std::size_t max_fields = 100;

    std::string method;        ///< as sent
    std::string target;        ///< origin-form (an absolute-form target is reduced to it: RFC 9112 3.2.2)
    unsigned version = 11;     ///< 10 or 11
    std::string authorization; ///< the first `Authorization` line of the head
    std::size_t authorization_lines = 0;
    std::string content_type; ///< the first `Content-Type` line of the head
    std::string expect;       ///< the `Expect` field of the head
    std::string forwarded_for; ///< every `X-Forwarded-For` line of the head, joined with ',' (RFC 9110 5.3)
    std::string request_id;    ///< the first `X-Request-Id` line of the head
    std::string body;         ///< the content, at most body_limit bytes
    framing_problem problem;  ///< set with the parser's error when the head's framing is refused

private:
    std::size_t fields_ = 0;
    std::size_t trailer_fields_ = 0;
    std::size_t trailer_bytes_ = 0;
    std::size_t trailer_limit_ = 16 * 1024;
    std::size_t host_lines_ = 0;
    bool host_ok_ = true;
    bool content_length_ = false;
    bool has_transfer_encoding_ = false;
    bool connection_close_ = false;
    bool connection_keep_alive_ = false;
    std::string transfer_coding_; ///< every Transfer-Encoding line, joined with ','

    using error_code = boost::beast::error_code;
    using field = boost::beast::http::field;

    void refuse(error_code& ec, unsigned status, std::string_view reason)
    {
        problem = {status, reason};
        ec = boost::beast::http::error::bad_transfer_encoding; // any error: the answer comes from `problem`
    }

    void on_request_impl(boost::beast::http::verb, boost::beast::string_view m, boost::beast::string_view t, int v,
                         error_code& ec) override
    {
        method.assign(m.data(), m.size());
        version = static_cast<unsigned>(v);
        auto origin = origin_form({t.data(), t.size()});
        if (!origin)
            return refuse(ec, 400, "the request target is neither a path nor an http(s) URL with a host");
        target = std::move(*origin);
    }

    void on_field_impl(field f, boost::beast::string_view name, boost::beast::string_view v, error_code& ec) override
    {
        if (is_header_done()) { // a trailer field: never merged (RFC 9110 6.5.1), bounded as the head is
            trailer_bytes_ += name.size() + v.size() + 4;
            if (++trailer_fields_ > max_fields || trailer_bytes_ > trailer_limit_)
                ec = boost::beast::http::error::header_limit;
            return;
        }
        if (++fields_ > max_fields) {
            ec = boost::beast::http::error::header_limit;
            return;
        }
        std::string_view const value(v.data(), v.size());
        switch (f) {
        case field::authorization:
            if (authorization_lines++ == 0)
                authorization = value;
            break;
        case field::content_type:
            if (content_type.empty())
                content_type = value;
            break;
        case field::expect:
            expect = value;
            break;
        case field::connection:
            read_connection(value);
            break;
        case field::host:
            ++host_lines_;
            host_ok_ = host_ok_ && valid_host(value);
            break;
        case field::content_length:
            content_length_ = true;
            break;
        case field::transfer_encoding:
            has_transfer_encoding_ = true;
            if (!transfer_coding_.empty())
                transfer_coding_ += ',';
            transfer_coding_ += value;
            break;
        default:
            read_unknown(name, value);
            break;
        }
    }

    /** The fields Beast has no name for that the server reads. */
    void read_unknown(boost::beast::string_view name, std::string_view value)
    {
        if (boost::beast::iequals(name, "x-forwarded-for")) {
            if (!forwarded_for.empty())
                forwarded_for += ',';
            forwarded_for += value;
        } else if (boost::beast::iequals(name, "x-request-id") && request_id.empty()) {
            request_id = value;
        }
    }

    void on_header_impl(error_code& ec) override
    {
        // RFC 9112 3.2: an HTTP/1.1 request has exactly one Host; none twice, none malformed.
        if ((version >= 11 && host_lines_ != 1) || host_lines_ > 1 || !host_ok_)
            return refuse(ec, 400, "a request needs exactly one valid Host header");
        if (!has_transfer_encoding_)
            return;
        // RFC 9112 6.1: Transfer-Encoding in HTTP/1.0 is faulty framing.
        if (version < 11)
            return refuse(ec, 400, "Transfer-Encoding in an HTTP/1.0 request");
        // RFC 9112 6.3: with Content-Length as well, the framing is ambiguous.
        if (content_length_)
            return refuse(ec, 400, "both Transfer-Encoding and Content-Length");
        switch (check_codings(transfer_coding_)) {
        case codings::chunked: // and Beast read it so too, or the body would go unread
            if (!chunked())
                return refuse(ec, 400, "unreadable Transfer-Encoding");
            return;
        case codings::chunked_not_final: // RFC 9112 6.3: 400, then close
            return refuse(ec, 400, "chunked is not the final transfer coding");
        case codings::unknown: // RFC 9112 6.1: a coding the server does not understand is 501
            return refuse(ec, 501, "unsupported transfer coding");
        }
    }

    void on_body_init_impl(boost::optional<std::uint64_t> const& length, error_code&) override
    {
        if (length) // the caller checked it against the body limit already
            body.reserve(static_cast<std::size_t>(*length));
    }

    std::size_t on_body_impl(boost::beast::string_view b, error_code&) override
    {
        append(b);
        return b.size();
    }

    void on_chunk_header_impl(std::uint64_t, boost::beast::string_view, error_code&) override {}

    std::size_t on_chunk_body_impl(std::uint64_t, boost::beast::string_view b, error_code&) override
    {
        append(b);
        return b.size();
    }

    void on_finish_impl(error_code&) override {}
    void on_response_impl(int, boost::beast::string_view, int, error_code&) override {}

    /** Appends without doubling past what the parser's body limit lets in. */
    void append(boost::beast::string_view b)
    {
        if (body.size() + b.size() > body.capacity())
            body.reserve(std::max(body.size() + b.size(), std::min<std::size_t>(2 * body.capacity(), limit_hint_)));
        body.append(b.data(), b.size());
    }

public:
    /** The largest body this request may carry (also given to body_limit). */
    void body_capacity_hint(std::size_t n) { limit_hint_ = n; }

    /** The head's limit, also the trailer section's (the parser's header_limit
        covers the head only). */
    void head_limit(std::uint32_t n)
    {
        header_limit(n);
        trailer_limit_ = n;
    }

    /** RFC 9112 6.1's reading of a Transfer-Encoding list. */
    enum class codings { chunked, chunked_not_final, unknown };

    /** How a Transfer-Encoding field value (every line joined with ',') frames
        the body: chunked once and last is the one framing we read; chunked
        elsewhere or missing leaves the length unknown (400); chunked last after
        another coding asks for a decoding we do not have (501). */
    static codings check_codings(std::string_view list)
    {
        std::size_t n = 0, chunked_at = 0, chunked_count = 0;
        for_each_element(list, [&](std::string_view coding) {
            ++n;
            if (boost::beast::iequals(coding, "chunked")) {
                ++chunked_count;
                chunked_at = n;
            }
        });
        if (n == 0 || chunked_count != 1 || chunked_at != n)
            return codings::chunked_not_final;
        return n == 1 ? codings::chunked : codings::unknown;
    }

    /** The target as origin-form ("/p?q"), or nullopt when it cannot be
        served. An absolute-form target ("http://host/p?q") is accepted (RFC
        9112 3.2.2) when its scheme is http or https, its authority a valid one
        with a host and without userinfo (RFC 9110 4.2.1, 4.2.4), and it has no
        fragment; "*" stays as it is (no route takes it). */
    static std::optional<std::string> origin_form(std::string_view t)
    {
        if (t == "*" || (!t.empty() && t.front() == '/'))
            return std::string(t);
        auto const u = oauthreg::detail::parse_uri(t);
        if (!u || !(boost::beast::iequals(u->scheme, "http") || boost::beast::iequals(u->scheme, "https")) ||
            !u->has_authority() || !authority_ok(*u) || u->has_fragment)
            return std::nullopt;
        std::string out = u->path.empty() ? "/" : std::string(u->path);
        if (u->has_query)
            out.append("?").append(u->query);
        return out;
    }

    /** A Host field value (RFC 9112 3.2): empty, or an RFC 3986 authority
        with a host, without userinfo, whose port is a port. */
    static bool valid_host(std::string_view v)
    {
        if (v.empty())
            return true;
        oauthreg::detail::uri_parts parts;
        auto const* end = oauthreg::detail::parse_authority(v.data(), v.data() + v.size(), parts);
        return end == v.data() + v.size() && authority_ok(parts);
    }

    /** Whether keep-alive holds after this request, from the head's
        `Connection` alone (RFC 9112 9.3; never a trailer's). */
    bool keep_alive_requested() const { return !connection_close_ && (version >= 11 || connection_keep_alive_); }

private:
    static bool authority_ok(oauthreg::detail::uri_parts const& u)
    {
        if (u.has_userinfo || u.host.empty())
            return false;
        // RFC 3986 3.2.3 allows any digits; a TCP port is at most 65535.
        return !u.has_port || u.port.empty() || (u.port.size() <= 5 && std::stoul(std::string(u.port)) <= 65535);
    }

    void read_connection(std::string_view value)
    {
        for_each_element(value, [this](std::string_view option) {
            connection_close_ = connection_close_ || boost::beast::iequals(option, "close");
            connection_keep_alive_ = connection_keep_alive_ || boost::beast::iequals(option, "keep-alive");
        });
    }

    template <class F> static void for_each_element(std::string_view list, F&& f)
    {
        while (!list.empty()) {
            auto const comma = list.find(',');
            auto item = list.substr(0, comma);
            list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
            item = trim(item); // "chunked;x" is another coding: chunked takes no parameters
            if (!item.empty())
                f(item);
        }
    }

    static std::string_view trim(std::string_view s)
    {
        while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
            s.remove_prefix(1);
        while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
            s.remove_suffix(1);
        return s;
    }

    std::size_t limit_hint_ = 64 * 1024;
};

} // namespace oauthreg::cli

#endif
