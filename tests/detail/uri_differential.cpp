// detail/uri.hpp against Boost.URL 1.81 (the oracle, not the judge): on the
// corpus' URIs, the table rows, every short string after "a:", "a://" and
// "a://[", and generated IP literals, both agree on accept/reject and on every
// component, except where a listed difference (support/uri_oracle.hpp) says
// which RFC 3986 rule Boost.URL 1.81 breaks; there, our answer must be the
// one of a recognizer of the authority forms written from RFC 3986.
#include "../support/uri_tally.hpp"

#include "../support/catch.hpp"
#include "../support/corpus.hpp"
#include "../support/uri_rows.hpp"
#include "../../tools/lib/request_uris.hpp"

#include <boost/json/parse.hpp>

#include <string>
#include <vector>

using namespace oauthreg::test;

namespace {

/** Every string of 0 to `max` characters from `alphabet`, after `prefix`. */
template <class F> void exhaustive(std::string const& prefix, std::string_view alphabet, std::size_t max, F&& f)
{
    std::string s = prefix;
    auto rec = [&](auto&& self, std::size_t depth) -> void {
        f(std::string_view(s));
        if (depth == max)
            return;
        for (char c : alphabet) {
            s.push_back(c);
            self(self, depth + 1);
            s.pop_back();
        }
    };
    rec(rec, 0);
}

} // namespace

TEST_CASE("RFC 3986: the corpus' URIs parse as Boost.URL 1.81 parses them, but for the listed differences",
          "[uri][differential]")
{
    uri_tally t;
    std::size_t requests = 0;
    for (auto const& e : load_corpus()) {
        boost::system::error_code ec;
        auto v = boost::json::parse(e.body, ec);
        if (ec || !v.is_object())
            continue;
        ++requests;
        oauthreg::cli::for_each_request_uri(v.as_object(), [&](std::string_view u) { t.both(u); });
    }
    CHECK(requests > 9000);
    t.check();
}

TEST_CASE("RFC 3986: the table rows and RFC examples against Boost.URL 1.81", "[uri][differential]")
{
    uri_tally t;
    for (auto const& r : uri_rows())
        t.both(r.uri);
    for (auto s : rfc3986_examples())
        t.both(s);
    for (auto s : rfc3986_relative_examples())
        t.both(s);
    t.check();
}

TEST_CASE("RFC 3986: Boost.URL 1.81's departures from the RFC are the listed ones", "[uri][differential]")
{
    struct c {
        char const* uri;
        uri_difference d;
    };
    for (auto [s, d] : {c{"http://127.0.0.1.evil.example/cb", uri_difference::boost_path_after_authority},
                        c{"https://1.2.3.4.example.com/x", uri_difference::boost_path_after_authority},
                        c{"http://127.0.0.1:8080x/", uri_difference::boost_path_after_authority},
                        c{"http://[::1]:abc/", uri_difference::boost_path_after_authority},
                        c{"https://a.example:-1/", uri_difference::boost_path_after_authority},
                        c{"http://127.0.0.1:.evil.com/", uri_difference::boost_path_after_authority},
                        c{"a://1.2.3.04", uri_difference::none}, // Boost.URL backs off to a reg-name here
                        c{"a://[V1.x]", uri_difference::ipv_future_upper_v},
                        c{"a://1.2.3.4p", uri_difference::boost_path_after_authority},
                        c{"a://[::1]", uri_difference::none}, c{"a://h:000443", uri_difference::none}}) {
        INFO(s);
        auto const v = compare_uri(s);
        CHECK(name(v.difference) == std::string(name(d)));
    }
    // as a relative-ref, Boost.URL 1.81 refuses what it misread as a URI (found by fuzz_uri)
    CHECK(name(compare_relative_ref("//3.1.39.3p:?:l").difference) == std::string("boost_ipv4_prefix_refused"));
    CHECK(name(compare_relative_ref("//[V1.x]").difference) == std::string("ipv_future_upper_v"));
    CHECK(name(compare_relative_ref("//[v1.x]").difference) == std::string("none"));
}

TEST_CASE("RFC 3986 3.2, 3.3: the grammar recognizer that judges where Boost.URL 1.81 cannot, on verdicts "
          "written by hand",
          "[uri][differential]")
{
    using k = oauthreg::detail::uri_host_kind;
    struct row {
        char const* s;
        bool with_scheme;
        bool valid;
        k kind = k::none;
        char const* host = "";
        char const* port = nullptr; // nullptr: no port
        char const* path = "";
    };
    // each of Boost.URL 1.81's departures (the test above), and its neighbours
    for (auto const& r : {
             row{"http://127.0.0.1.evil.example/cb", true, true, k::reg_name, "127.0.0.1.evil.example", nullptr, "/cb"},
             row{"https://1.2.3.4.example.com/x", true, true, k::reg_name, "1.2.3.4.example.com", nullptr, "/x"},
             row{"a://1.2.3.4p", true, true, k::reg_name, "1.2.3.4p"},
             row{"a://1.2.3.4", true, true, k::ipv4, "1.2.3.4"},
             row{"a://1.2.3.04", true, true, k::reg_name, "1.2.3.04"}, // a leading zero: no dec-octet
             row{"a://1.2.3.256/", true, true, k::reg_name, "1.2.3.256", nullptr, "/"},
             row{"http://127.0.0.1:8080x/", true, false}, // port = *DIGIT, then path-abempty
             row{"http://127.0.0.1:8080/x", true, true, k::ipv4, "127.0.0.1", "8080", "/x"},
             row{"http://[::1]:abc/", true, false},
             row{"http://[::1]x/", true, false},
             row{"a://[::1]", true, true, k::ipv6, "[::1]"},
             row{"a://[1:2:3:4:5:6:1.2.3.4]:/", true, true, k::ipv6, "[1:2:3:4:5:6:1.2.3.4]", "", "/"},
             row{"a://[1:2:3:4:5:6:7:1.2.3.4]", true, false}, // nine pieces
             row{"a://[1:2:3:4:5:6:7::]", true, true, k::ipv6, "[1:2:3:4:5:6:7::]"},
             row{"a://[1:2:3:4:5:6:7:8::]", true, false},
             row{"a://[1.2.3.4::]", true, false}, // ls32 only at the end
             row{"https://a.example:-1/", true, false},
             row{"http://127.0.0.1:.evil.com/", true, false},
             row{"a://h:000443", true, true, k::reg_name, "h", "000443"},
             row{"a://[V1.x]", true, true, k::ipv_future, "[V1.x]"}, // RFC 5234 2.3: "v" is "V" too
             row{"a://[v.x]", true, false},                          // 1*HEXDIG
             row{"a://u@h@i/", true, false},
             row{"a://u:p@h%41/%2F?q#f", true, true, k::reg_name, "h%41", nullptr, "/%2F"},
             row{"a://h%4/", true, false},
             row{"1a://h/", true, false},
             row{"//3.1.39.3p:?:l", false, true, k::reg_name, "3.1.39.3p", ""},
             row{"//h/p:q", false, true, k::reg_name, "h", nullptr, "/p:q"},
             row{"//h:1x", false, false},
         }) {
        INFO(r.s);
        auto const g = rfc3986::authority_form(r.s, r.with_scheme);
        REQUIRE(g);
        CHECK(g->valid == r.valid);
        if (!r.valid)
            continue;
        CHECK(g->host_kind == r.kind);
        CHECK(g->host == r.host);
        CHECK(g->has_port == (r.port != nullptr));
        CHECK(g->port == (r.port ? r.port : ""));
        CHECK(g->path == r.path);
    }
    CHECK_FALSE(rfc3986::authority_form("a:/p", true)); // no authority: not its to judge
    CHECK_FALSE(rfc3986::authority_form("h/p", false));
}

TEST_CASE("RFC 3986: every short string after a:, a:// and a:// with an IP literal's opening bracket, "
          "against Boost.URL 1.81",
          "[uri][differential]")
{
    uri_tally t;
    auto f = [&](std::string_view s) { t.both(s); };
    exhaustive("a:", "a1:/?#@[]%f.!-~ v", 3, f);
    exhaustive("a://", "a1:/?#@[]%f.v!", 4, f);
    exhaustive("a://[", ":1f.]vV%g", 5, f);
    exhaustive("a://1", ".0925:/a", 5, f);
    t.check();
}

TEST_CASE("RFC 3986 3.2.2: generated IPv6 literals against Boost.URL 1.81 and the grammar's counting",
          "[uri][differential]")
{
    // groups of 1 to 5 hex digits, "::" at every place, an IPv4 tail or not:
    // valid exactly when no group has 5 digits and the 16-bit groups (an IPv4
    // address counting two) are 8 without "::", at most 7 with it.
    std::vector<std::string> const group = {"0", "fF", "a0b", "1234", "12345"};
    std::vector<std::string> const tail = {"", "1.2.3.4", "255.255.255.255", "256.1.1.1", "01.1.1.1", "1.2.3"};
    uri_tally t;
    std::size_t n = 0, wrong = 0;
    for (int groups = 0; groups <= 9; ++groups)
        for (int elide = -1; elide <= groups; ++elide) // -1: no "::"; else "::" before group `elide`
            for (std::size_t ti = 0; ti < tail.size(); ++ti)
                for (std::size_t gi = 0; gi < group.size(); ++gi) {
                    std::string lit;
                    for (int g = 0; g < groups; ++g) {
                        if (g == elide)
                            lit += "::";
                        else if (g > 0)
                            lit += ':';
                        lit += group[(gi + static_cast<std::size_t>(g)) % (g == groups - 1 ? group.size() : 4)];
                    }
                    if (elide == groups)
                        lit += "::";
                    if (!tail[ti].empty()) {
                        if (groups > 0 && elide != groups)
                            lit += ':';
                        lit += tail[ti];
                    }
                    bool const five = lit.find("12345") != std::string::npos;
                    int const sixteen = groups + (tail[ti].empty() ? 0 : 2);
                    bool const tail_ok = ti <= 2;
                    bool const expect = !five && tail_ok && (elide < 0 ? sixteen == 8 : sixteen <= 7) &&
                                        !(groups == 0 && elide < 0 && tail[ti].empty());
                    std::string const uri = "http://[" + lit + "]/";
                    ++n;
                    if (oauthreg::detail::parse_uri(uri).has_value() != expect) {
                        ++wrong;
                        UNSCOPED_INFO(uri << " expected " << expect);
                    }
                    t.add(uri, compare_uri(uri));
                }
    CHECK(n > 1000);
    CHECK(wrong == 0);
    t.check();
}
