// The URI table rows shared by the recognizer's tests, the differential test
// against Boost.URL and the regular-expression oracle (tests/detail/uri_oracle.py).
#ifndef OAUTHREG_TESTS_URI_ROWS_HPP
#define OAUTHREG_TESTS_URI_ROWS_HPP

#include <oauthreg/detail/uri.hpp>

#include <string_view>
#include <vector>

namespace oauthreg::test {

struct uri_row {
    char const* section;
    std::string_view uri;
    bool valid;
    detail::uri_host_kind kind = detail::uri_host_kind::none;
};

inline std::vector<uri_row> const& uri_rows()
{
    using k = detail::uri_host_kind;
    constexpr auto none = k::none, reg = k::reg_name, v4 = k::ipv4, v6 = k::ipv6, vf = k::ipv_future;
    static std::vector<uri_row> const rows = {
        // 3.1 scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
        {"3.1", "a:", true, none},
        {"3.1", "A+.-1z:", true, none},
        {"3.1", "1a:", false},
        {"3.1", "_a:x", false},
        {"3.1", "a_b:x", false},
        {"3.1", "+a:", false},
        {"3.1", "a b:x", false},
        {"3.1", ":x", false},
        {"3.1", "", false},
        {"3.1", "a", false},
        {"3.1", "a%41:x", false},
        // 3.2.1 userinfo = *( unreserved / pct-encoded / sub-delims / ":" )
        {"3.2.1", "a://u@h", true, reg},
        {"3.2.1", "a://u:p@h", true, reg},
        {"3.2.1", "a://u:p:q@h", true, reg},
        {"3.2.1", "a://:@h", true, reg},
        {"3.2.1", "a://@h", true, reg},
        {"3.2.1", "a://@", true, reg},
        {"3.2.1", "a://-._~!$&'()*+,;=:%41@h", true, reg},
        {"3.2.1", "a://u@@h", false},
        {"3.2.1", "a://u@h@x", false},
        {"3.2.1", "a://%4@h", false},
        {"3.2.1", "a://%zz@h", false},
        {"3.2.1", "a://u[@h", false},
        {"3.2.1", "a://u/@h", true, reg}, // the authority ends at "/"; "@h" is path
        {"3.2.1", "a://u@[::1]:1", true, v6},
        // 3.2.2 host: empty reg-name
        {"3.2.2", "a://", true, reg},
        {"3.2.2", "a:///p", true, reg},
        {"3.2.2", "a://:80", true, reg},
        {"3.2.2", "a://?q", true, reg},
        {"3.2.2", "a://#f", true, reg},
        // 3.2.2 reg-name = *( unreserved / pct-encoded / sub-delims )
        {"3.2.2", "a://h-._~!$&'()*+,;=%20", true, reg},
        {"3.2.2", "a://h^", false},
        {"3.2.2", "a://h%", false},
        {"3.2.2", "a://h%2", false},
        {"3.2.2", "a://h%2g", false},
        {"3.2.2", "a://h%g2", false},
        {"3.2.2", "a://ex ample", false},
        {"3.2.2", "a://h\x7f", false},
        {"3.2.2", "a://b\xc3\xbc", false},
        {"3.2.2", "a://h\"", false},
        {"3.2.2", "a://h]", false},
        {"3.2.2", "a://h[", false},
        {"3.2.2", "a://h\\x", false},
        // 3.2.2 IPv4address and dec-octet; anything else that looks like one is a reg-name
        {"3.2.2", "a://0.0.0.0", true, v4},
        {"3.2.2", "a://255.255.255.255", true, v4},
        {"3.2.2", "a://249.250.199.100", true, v4},
        {"3.2.2", "a://1.2.3.4:80", true, v4},
        {"3.2.2", "a://9.99.199.255/", true, v4},
        {"3.2.2", "a://256.0.0.1", true, reg},
        {"3.2.2", "a://1.2.3.256", true, reg},
        {"3.2.2", "a://1.2.3.260", true, reg},
        {"3.2.2", "a://1.2.3.300", true, reg},
        {"3.2.2", "a://1.2.3.1000", true, reg},
        {"3.2.2", "a://1.2.3", true, reg},
        {"3.2.2", "a://1.2.3.4.5", true, reg},
        {"3.2.2", "a://01.2.3.4", true, reg},
        {"3.2.2", "a://1.2.3.04", true, reg},
        {"3.2.2", "a://1.2.3.00", true, reg},
        {"3.2.2", "a://1.2.3.4.", true, reg},
        {"3.2.2", "a://.1.2.3.4", true, reg},
        {"3.2.2", "a://1..2.3", true, reg},
        {"3.2.2", "a://1.2.3.4a", true, reg},
        {"3.2.2", "a://127.0.0.1.evil.example/cb", true, reg},
        {"3.2.2", "a://0x7f.0.0.1", true, reg},
        {"3.2.2", "a://2130706433", true, reg},
        {"3.2.2", "a://1.2.3.%34", true, reg},
        // 3.2.2 IPv6address: 8 groups, or "::" in every place
        {"3.2.2", "a://[1:2:3:4:5:6:7:8]", true, v6},
        {"3.2.2", "a://[1:2:3:4:5:6:7]", false},
        {"3.2.2", "a://[1:2:3:4:5:6:7:8:9]", false},
        {"3.2.2", "a://[::]", true, v6},
        {"3.2.2", "a://[::1]", true, v6},
        {"3.2.2", "a://[1::]", true, v6},
        {"3.2.2", "a://[1::8]", true, v6},
        {"3.2.2", "a://[::2:3:4:5:6:7:8]", true, v6},
        {"3.2.2", "a://[1::3:4:5:6:7:8]", true, v6},
        {"3.2.2", "a://[1:2::4:5:6:7:8]", true, v6},
        {"3.2.2", "a://[1:2:3::5:6:7:8]", true, v6},
        {"3.2.2", "a://[1:2:3:4::6:7:8]", true, v6},
        {"3.2.2", "a://[1:2:3:4:5::7:8]", true, v6},
        {"3.2.2", "a://[1:2:3:4:5:6::8]", true, v6},
        {"3.2.2", "a://[1:2:3:4:5:6:7::]", true, v6},
        {"3.2.2", "a://[1:2:3:4:5:6:7::8]", false},
        {"3.2.2", "a://[::1:2:3:4:5:6:7:8]", false},
        {"3.2.2", "a://[1:2:3:4:5:6:7:8::]", false},
        {"3.2.2", "a://[1::2::3]", false},
        {"3.2.2", "a://[::1::]", false},
        {"3.2.2", "a://[:::]", false},
        {"3.2.2", "a://[:1::]", false},
        {"3.2.2", "a://[1:::2]", false},
        {"3.2.2", "a://[1:]", false},
        {"3.2.2", "a://[:1]", false},
        {"3.2.2", "a://[1::2:]", false},
        {"3.2.2", "a://[:]", false},
        {"3.2.2", "a://[]", false},
        {"3.2.2", "a://[::1", false},
        {"3.2.2", "a://[::1]]", false},
        {"3.2.2", "a://[[::1]]", false},
        {"3.2.2", "a://::1", false},
        // h16 = 1*4HEXDIG
        {"3.2.2", "a://[1234:abcd:EF01:0:00:000:0000:ffff]", true, v6},
        {"3.2.2", "a://[12345::]", false},
        {"3.2.2", "a://[::12345]", false},
        {"3.2.2", "a://[1:2:3:4:5:6:7:00008]", false},
        {"3.2.2", "a://[g::]", false},
        {"3.2.2", "a://[::-1]", false},
        // ls32 as an IPv4address: after 6 groups, or after "::" with at most 5
        {"3.2.2", "a://[1:2:3:4:5:6:1.2.3.4]", true, v6},
        {"3.2.2", "a://[1:2:3:4:5:1.2.3.4]", false},
        {"3.2.2", "a://[1:2:3:4:5:6:7:1.2.3.4]", false},
        {"3.2.2", "a://[::1:2:3:4:5:1.2.3.4]", true, v6},
        {"3.2.2", "a://[1::1:2:3:4:5:1.2.3.4]", false},
        {"3.2.2", "a://[::1:2:3:4:5:6:1.2.3.4]", false},
        {"3.2.2", "a://[1::2:3:4:5:1.2.3.4]", true, v6},
        {"3.2.2", "a://[1:2:3:4:5::1.2.3.4]", true, v6},
        {"3.2.2", "a://[1:2:3:4:5:6::1.2.3.4]", false},
        {"3.2.2", "a://[::1.2.3.4]", true, v6},
        {"3.2.2", "a://[::ffff:192.0.2.128]", true, v6},
        {"3.2.2", "a://[1.2.3.4]", false},
        {"3.2.2", "a://[1.2.3.4::]", false},
        {"3.2.2", "a://[::1.2.3.4:1]", false},
        {"3.2.2", "a://[::1.2.3]", false},
        {"3.2.2", "a://[::1.2.3.4.5]", false},
        {"3.2.2", "a://[::1.2.3.256]", false},
        {"3.2.2", "a://[::01.2.3.4]", false},
        {"3.2.2", "a://[::1.2.3.04]", false},
        {"3.2.2", "a://[::a.2.3.4]", false},
        {"3.2.2", "a://[::1:.2.3.4]", false},
        // RFC 6874 zone ids are not RFC 3986
        {"3.2.2", "a://[fe80::1%25eth0]", false},
        {"3.2.2", "a://[fe80::1%eth0]", false},
        {"3.2.2", "a://[%3a%3a1]", false},
        // IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" ), "v" in either case
        {"3.2.2", "a://[v1.x]", true, vf},
        {"3.2.2", "a://[V1.x]", true, vf},
        {"3.2.2", "a://[vAf.a:b]", true, vf},
        {"3.2.2", "a://[v1.-._~!$&'()*+,;=:]", true, vf},
        {"3.2.2", "a://[v.x]", false},
        {"3.2.2", "a://[v1.]", false},
        {"3.2.2", "a://[v1x]", false},
        {"3.2.2", "a://[vg.x]", false},
        {"3.2.2", "a://[v1.x%20]", false},
        {"3.2.2", "a://[v1.x/]", false},
        {"3.2.2", "a://[v1.x@]", false},
        {"3.2.2", "a://[w1.x]", false},
        // 3.2.3 port = *DIGIT, then "/", "?", "#" or the end (3.3 path-abempty)
        {"3.2.3", "a://h:", true, reg},
        {"3.2.3", "a://h:0", true, reg},
        {"3.2.3", "a://h:000443", true, reg},
        {"3.2.3", "a://h:99999999", true, reg},
        {"3.2.3", "a://h:8/", true, reg},
        {"3.2.3", "a://h:8?", true, reg},
        {"3.2.3", "a://h:8#", true, reg},
        {"3.2.3", "a://h:8x", false},
        {"3.2.3", "a://h:-1", false},
        {"3.2.3", "a://h:+1", false},
        {"3.2.3", "a://h:1:2", false},
        {"3.2.3", "a://h:%31", false},
        {"3.2.3", "a://h: 1", false},
        {"3.2.3", "a://[::1]:", true, v6},
        {"3.2.3", "a://[::1]:abc", false},
        {"3.2.3", "a://[::1]x", false},
        {"3.2.3", "a://127.0.0.1:.evil.com/", false},
        {"3.2.3", "a://127.0.0.1:8080x/", false},
        // 3.3 path: pchar = unreserved / pct-encoded / sub-delims / ":" / "@"
        {"3.3", "a:/", true, none},
        {"3.3", "a:b", true, none},
        {"3.3", "a:b:c", true, none},
        {"3.3", "a:/b//c", true, none},
        {"3.3", "a:@", true, none},
        {"3.3", "a:/-._~!$&'()*+,;=:@%2F", true, none},
        {"3.3", "a://h//", true, reg},
        {"3.3", "a:%20", true, none},
        {"3.3", "a:%2", false},
        {"3.3", "a:/%zz", false},
        {"3.3", "a:/%", false},
        {"3.3", "a:/ ", false},
        {"3.3", "a:/[", false},
        {"3.3", "a:/]", false},
        {"3.3", "a:/\\", false},
        {"3.3", "a:/\"", false},
        {"3.3", "a:/<>", false},
        {"3.3", "a:/{}", false},
        {"3.3", "a:/|^`", false},
        {"3.3", "a:/\t", false},
        {"3.3", "a:/\n", false},
        // 3.4 query = *( pchar / "/" / "?" )
        {"3.4", "a:?", true, none},
        {"3.4", "a:?/?:@", true, none},
        {"3.4", "a:??", true, none},
        {"3.4", "a:?%", false},
        {"3.4", "a:?%4", false},
        {"3.4", "a:?[", false},
        {"3.4", "a:? ", false},
        // 3.5 fragment = *( pchar / "/" / "?" )
        {"3.5", "a:#", true, none},
        {"3.5", "a:#/?", true, none},
        {"3.5", "a:?#", true, none},
        {"3.5", "a:##", false},
        {"3.5", "a:#%g0", false},
        {"3.5", "a:#%", false},
        {"3.5", "a:#[]", false},
        // 3 hier-part without authority
        {"3", "com.example.app:/cb", true, none},
        {"3", "urn:x", true, none},
        {"3", "mailto:a@b", true, none},
        {"3", "https:/cb", true, none},
        {"3", "https:", true, none},
    };
    return rows;
}

/** RFC 3986 1.1.2's examples, and the results of section 5.4's reference
    resolution (all absolute URIs). */
inline std::vector<std::string_view> const& rfc3986_examples()
{
    static std::vector<std::string_view> const v = {
        "ftp://ftp.is.co.za/rfc/rfc1808.txt", "http://www.ietf.org/rfc/rfc2396.txt",
        "ldap://[2001:db8::7]/c=GB?objectClass?one", "mailto:John.Doe@example.com",
        "news:comp.infosystems.www.servers.unix", "tel:+1-816-555-1212", "telnet://192.0.2.16:80/",
        "urn:oasis:names:specification:docbook:dtd:xml:4.1.2", "foo://example.com:8042/over/there?name=ferret#nose",
        "urn:example:animal:ferret:nose",
        // 5.4: the base and the targets
        "http://a/b/c/d;p?q", "g:h", "http://a/b/c/g", "http://a/b/c/g/", "http://a/g", "http://g",
        "http://a/b/c/d;p?y", "http://a/b/c/g?y", "http://a/b/c/d;p?q#s", "http://a/b/c/g#s", "http://a/b/c/g?y#s",
        "http://a/b/c/;x", "http://a/b/c/g;x", "http://a/b/c/g;x?y#s", "http://a/b/c/", "http://a/b/", "http://a/b/g",
        "http://a/", "http://a/g.", "http://a/b/c/.g", "http://a/b/c/g..", "http://a/b/c/..g", "http://a/b/c/g/h",
        "http://a/b/c/h", "http://a/b/c/g;x=1/y", "http://a/b/c/y", "http://a/b/c/g?y/./x", "http://a/b/c/g?y/../x",
        "http://a/b/c/g#s/./x", "http://a/b/c/g#s/../x", "http:g"};
    return v;
}

/** RFC 3986 5.4's references themselves: relative-refs, not URIs. */
inline std::vector<std::string_view> const& rfc3986_relative_examples()
{
    static std::vector<std::string_view> const v = {
        "g", "./g", "g/", "/g", "//g", "?y", "g?y", "#s", "g#s", "g?y#s", ";x", "g;x", "g;x?y#s", "", ".", "./",
        "..", "../", "../g", "../..", "../../", "../../g", "../../../g", "../../../../g", "/./g", "/../g", "g.", ".g",
        "g..", "..g", "./../g", "./g/.", "g/./h", "g/../h", "g;x=1/./y", "g;x=1/../y", "g?y/./x", "g?y/../x",
        "g#s/./x", "g#s/../x"};
    return v;
}

} // namespace oauthreg::test

#endif
