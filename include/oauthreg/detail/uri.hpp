//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_DETAIL_URI_HPP
#define OAUTHREG_DETAIL_URI_HPP

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

namespace oauthreg::detail {

/** What the host of an authority is (RFC 3986 3.2.2). */
enum class uri_host_kind : std::uint8_t { none, reg_name, ipv4, ipv6, ipv_future };

/** The components of a URI, each a view into the parsed text. A component
    that is absent has `has_... == false`; one that is present may be empty.

    @par Specification
    RFC 3986 3 and Appendix A. `host` is the host subcomponent as written,
    brackets included for an IP-literal.
*/
struct uri_parts {
    std::string_view scheme;
    std::string_view userinfo;
    std::string_view host;
    std::string_view port;
    std::string_view path;
    std::string_view query;
    std::string_view fragment;
    uri_host_kind host_kind = uri_host_kind::none; // none: no authority
    bool has_userinfo = false;
    bool has_port = false;
    bool has_query = false;
    bool has_fragment = false;

    bool has_authority() const noexcept { return host_kind != uri_host_kind::none; }
};

namespace uri_chars {

// One bit per character class of RFC 3986 Appendix A, so that a run of four
// characters is tested with one AND.
inline constexpr std::uint8_t scheme = 1;   // ALPHA / DIGIT / "+" / "-" / "."
inline constexpr std::uint8_t userinfo = 2; // unreserved / sub-delims / ":"
inline constexpr std::uint8_t reg_name = 4; // unreserved / sub-delims
inline constexpr std::uint8_t path = 8;     // pchar / "/"
inline constexpr std::uint8_t query = 16;   // pchar / "/" / "?" (fragment too)
inline constexpr std::uint8_t digit = 32;
inline constexpr std::uint8_t hexdig = 64;
inline constexpr std::uint8_t alpha = 128;

constexpr std::array<std::uint8_t, 256> make_table() noexcept
{
    std::array<std::uint8_t, 256> t{};
    auto add = [&t](std::string_view cs, std::uint8_t bits) {
        for (char c : cs)
            t[static_cast<unsigned char>(c)] |= bits;
    };
    constexpr std::string_view lower = "abcdefghijklmnopqrstuvwxyz", upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                               digits = "0123456789", unreserved_marks = "-._~", sub_delims = "!$&'()*+,;=";
    std::uint8_t const text = userinfo | reg_name | path | query;
    add(lower, alpha | scheme | text);
    add(upper, alpha | scheme | text);
    add(digits, digit | hexdig | scheme | text);
    add("abcdefABCDEF", hexdig);
    add(unreserved_marks, text);
    add(sub_delims, text);
    add("+-.", scheme);
    add(":", userinfo | path | query);
    add("@/", path | query);
    add("?", query);
    return t;
}

inline constexpr std::array<std::uint8_t, 256> table = make_table();

inline std::uint8_t of(char c) noexcept { return table[static_cast<unsigned char>(c)]; }

} // namespace uri_chars

/** Skips characters of `cls` (one bit) and, where `pct`, percent-encodings
    (RFC 3986 2.1: "%" HEXDIG HEXDIG); returns the first other position, or
    nullptr at a "%" without two hex digits. Four characters per step. */
inline char const* uri_skip(char const* p, char const* end, std::uint8_t cls, bool pct) noexcept
{
    using uri_chars::of;
    for (;;) {
        while (end - p >= 4 && (of(p[0]) & of(p[1]) & of(p[2]) & of(p[3]) & cls))
            p += 4;
        while (p != end && (of(*p) & cls))
            ++p;
        if (!pct || p == end || *p != '%')
            return p;
        if (end - p < 3 || !(of(p[1]) & of(p[2]) & uri_chars::hexdig))
            return nullptr;
        p += 3;
    }
}

/** RFC 3986 3.2.2: IPv4address = dec-octet "." dec-octet "." dec-octet "."
    dec-octet; a dec-octet is 0 to 255 without a leading zero. Whether [p, end)
    is exactly one; if so and `address` is given, its 32 bits go there. */
inline bool is_ipv4_address(char const* p, char const* end, std::uint32_t* address = nullptr) noexcept
{
    if (end - p < 7 || end - p > 15) // "0.0.0.0" to "255.255.255.255"
        return false;
    std::uint32_t a = 0;
    for (int octet = 0; octet < 4; ++octet) {
        if (octet != 0) {
            if (p == end || *p != '.')
                return false;
            ++p;
        }
        unsigned v = 0;
        char const* const first = p;
        while (p != end && p - first < 3 && (uri_chars::of(*p) & uri_chars::digit))
            v = v * 10 + static_cast<unsigned>(*p++ - '0');
        auto const n = p - first;
        if (n == 0 || v > 255 || (n > 1 && *first == '0'))
            return false;
        a = a << 8 | v;
    }
    if (p != end)
        return false;
    if (address)
        *address = a;
    return true;
}

/** RFC 3986 3.2.2: whether [p, end) is an IPv6address: 8 groups (an IPv4
    address counting two, only at the end), or at most 7 around one "::".
    The one walk of the grammar: each 16-bit piece read goes to
    `piece(value, after_elision)` (an IPv4 tail as two pieces), so that
    ipv6_bytes takes the address from the very walk that recognized it. */
template <class Piece> bool walk_ipv6_address(char const* p, char const* end, Piece&& piece) noexcept
{
    int groups = 0;
    bool elided = false;
    if (p != end && *p == ':') {
        if (end - p < 2 || p[1] != ':')
            return false;
        elided = true;
        p += 2;
    }
    auto const hex = [](char c) { return static_cast<unsigned>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10); };
    while (p != end) {
        char const* q = p;
        unsigned v = 0;
        while (q != end && q - p < 5 && (uri_chars::of(*q) & uri_chars::hexdig))
            v = v << 4 | hex(*q++);
        if (q != end && *q == '.') { // ls32 as an IPv4address: the last piece
            std::uint32_t a = 0;
            if (!is_ipv4_address(p, end, &a))
                return false;
            piece(static_cast<std::uint16_t>(a >> 16), elided);
            piece(static_cast<std::uint16_t>(a), elided);
            groups += 2;
            break;
        }
        if (q == p || q - p > 4)
            return false;
        piece(static_cast<std::uint16_t>(v), elided);
        ++groups;
        p = q;
        if (p == end)
            break;
        if (*p != ':' || ++p == end)
            return false;
        if (*p == ':') {
            if (elided)
                return false;
            elided = true;
            ++p;
        }
    }
    return elided ? groups <= 7 : groups == 8;
}

inline bool is_ipv6_address(char const* p, char const* end) noexcept
{
    return walk_ipv6_address(p, end, [](std::uint16_t, bool) noexcept {});
}

/** RFC 3986 3.2.2: IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims /
    ":" ); "v" in either case (RFC 5234 2.3: literals are case-insensitive). */
inline bool is_ipv_future(char const* p, char const* end) noexcept
{
    if (p == end || (*p != 'v' && *p != 'V'))
        return false;
    char const* q = ++p;
    while (q != end && (uri_chars::of(*q) & uri_chars::hexdig))
        ++q;
    if (q == p || q == end || *q != '.')
        return false;
    ++q;
    return q != end && uri_skip(q, end, uri_chars::userinfo, false) == end;
}

/** host = IP-literal / IPv4address / reg-name, starting at p; returns where
    it ends, or nullptr. */
inline char const* parse_host(char const* p, char const* end, uri_parts& out) noexcept
{
    char const* host_end;
    if (p != end && *p == '[') {
        char const* close = p + 1;
        while (close != end && *close != ']')
            ++close;
        if (close == end)
            return nullptr;
        if (is_ipv6_address(p + 1, close))
            out.host_kind = uri_host_kind::ipv6;
        else if (is_ipv_future(p + 1, close))
            out.host_kind = uri_host_kind::ipv_future;
        else
            return nullptr;
        host_end = close + 1;
    } else {
        host_end = uri_skip(p, end, uri_chars::reg_name, true);
        if (host_end == nullptr)
            return nullptr;
        // RFC 3986 3.2.2: a host that matches IPv4address is one; anything
        // longer (127.0.0.1.example) is a reg-name.
        out.host_kind = is_ipv4_address(p, host_end) ? uri_host_kind::ipv4 : uri_host_kind::reg_name;
    }
    out.host = {p, static_cast<std::size_t>(host_end - p)};
    return host_end;
}

/** authority = [ userinfo "@" ] host [ ":" port ], starting at p; returns
    where it ends (a "/", "?", "#" or the end must follow), or nullptr. The
    text is read once, but for a ":" that turns out to be in the userinfo. */
inline char const* parse_authority(char const* p, char const* end, uri_parts& out) noexcept
{
    // reg-name is userinfo less ":", so one scan finds either the "@" or the host's end
    char const* q = p == end || *p == '[' ? p : uri_skip(p, end, uri_chars::reg_name, true);
    if (q == nullptr)
        return nullptr;
    if (q != end && *q == ':') {
        char const* const at = uri_skip(q, end, uri_chars::userinfo, true);
        if (at != nullptr && at != end && *at == '@')
            q = at;
    }
    char const* host_end;
    if (q != end && *q == '@') {
        out.has_userinfo = true;
        out.userinfo = {p, static_cast<std::size_t>(q - p)};
        host_end = parse_host(q + 1, end, out);
    } else if (q != p) { // a reg-name, already scanned
        out.host_kind = is_ipv4_address(p, q) ? uri_host_kind::ipv4 : uri_host_kind::reg_name;
        out.host = {p, static_cast<std::size_t>(q - p)};
        host_end = q;
    } else {
        host_end = parse_host(p, end, out);
    }
    if (host_end == nullptr || host_end == end || *host_end != ':')
        return host_end;
    char const* const port = host_end + 1;
    q = port;
    while (q != end && (uri_chars::of(*q) & uri_chars::digit)) // RFC 3986 3.2.3: port = *DIGIT
        ++q;
    out.has_port = true;
    out.port = {port, static_cast<std::size_t>(q - port)};
    return q;
}

/** [ `delim` component ] at q, for query and fragment (RFC 3986 3.4, 3.5:
    *( pchar / "/" / "?" )); returns where it ends, or nullptr. */
inline char const* optional_component(char const* q, char const* end, char delim, bool& has,
                                      std::string_view& part) noexcept
{
    if (q == nullptr || q == end || *q != delim)
        return q;
    char const* const p = q + 1;
    q = uri_skip(p, end, uri_chars::query, true);
    has = true;
    part = {p, static_cast<std::size_t>((q == nullptr ? p : q) - p)};
    return q;
}

/** [ "//" authority ] path [ "?" query ] [ "#" fragment ] from p to end,
    the path being any run of pchar and "/" (the grammar's path forms differ
    only in where "//" and ":" may stand, which callers check). */
inline bool parse_uri_tail(char const* p, char const* end, uri_parts& out) noexcept
{
    if (end - p >= 2 && p[0] == '/' && p[1] == '/') {
        p = parse_authority(p + 2, end, out);
        // RFC 3986 3.3: path-abempty, so only "/", "?", "#" or the end may
        // follow the authority (Boost.URL 1.81 takes "127.0.0.1.x" or
        // ":80x" as an address then a path).
        if (p == nullptr || (p != end && *p != '/' && *p != '?' && *p != '#'))
            return false;
    }
    char const* q = uri_skip(p, end, uri_chars::path, true);
    if (q == nullptr)
        return false;
    out.path = {p, static_cast<std::size_t>(q - p)};
    q = optional_component(q, end, '?', out.has_query, out.query);
    q = optional_component(q, end, '#', out.has_fragment, out.fragment);
    return q == end;
}

/** Parse `s` as an absolute URI with an optional fragment.

    @par Specification
    RFC 3986 3 and Appendix A: URI = scheme ":" hier-part [ "?" query ]
    [ "#" fragment ]. No allocation; the parts view `s`.
*/
inline std::optional<uri_parts> parse_uri(std::string_view s) noexcept
{
    char const* p = s.data();
    char const* const end = p + s.size();
    if (s.empty() || !(uri_chars::of(*p) & uri_chars::alpha))
        return std::nullopt;
    char const* colon = p + 1;
    if (s.size() >= 6 && std::memcmp(p, "https:", 6) == 0) // the common schemes in one compare
        colon = p + 5;
    else if (s.size() >= 5 && std::memcmp(p, "http:", 5) == 0)
        colon = p + 4;
    while (colon != end && (uri_chars::of(*colon) & uri_chars::scheme))
        ++colon;
    if (colon == end || *colon != ':')
        return std::nullopt;
    uri_parts out;
    out.scheme = {p, static_cast<std::size_t>(colon - p)};
    if (!parse_uri_tail(colon + 1, end, out))
        return std::nullopt;
    return out;
}

/** Whether `s` is a relative-ref (RFC 3986 4.2): a URI without its scheme,
    whose first path segment then holds no ":" (path-noscheme). */
inline bool is_relative_ref(std::string_view s) noexcept
{
    if (s.empty()) // path-empty
        return true;
    uri_parts out;
    char const* const p = s.data();
    if (!parse_uri_tail(p, p + s.size(), out))
        return false;
    return out.has_authority() || out.path.substr(0, out.path.find('/')).find(':') == std::string_view::npos;
}

/** The 16 bytes of an IPv6address (RFC 4291 2.2 text forms) that
    is_ipv6_address accepted: the pieces before "::" from the front, those
    after it at the back, zeros between. */
inline std::array<std::uint8_t, 16> ipv6_bytes(std::string_view text) noexcept
{
    std::array<std::uint16_t, 8> head{}, tail{};
    std::size_t nh = 0, nt = 0;
    walk_ipv6_address(text.data(), text.data() + text.size(), [&](std::uint16_t v, bool after_elision) noexcept {
        auto& n = after_elision ? nt : nh;
        if (nh + nt < 8) // an accepted address has at most 8 pieces
            (after_elision ? tail : head)[n++] = v;
    });
    std::array<std::uint8_t, 16> out{};
    auto set_piece = [&out](std::size_t at, std::uint16_t v) {
        out[2 * at] = static_cast<std::uint8_t>(v >> 8);
        out[2 * at + 1] = static_cast<std::uint8_t>(v);
    };
    for (std::size_t k = 0; k < nh; ++k)
        set_piece(k, head[k]);
    for (std::size_t k = 0; k < nt; ++k)
        set_piece(8 - nt + k, tail[k]);
    return out;
}

} // namespace oauthreg::detail

#endif
