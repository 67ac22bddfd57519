// The WHATWG URL test vectors (web-platform-tests' urltestdata.json, those
// without a base URL) against detail/uri.hpp. The expected verdicts in
// whatwg_uri_vectors.txt are RFC 3986 Appendix A's, as the regular expressions
// of uri_oracle.py judge them, not WHATWG's: that parser is lenient and answers
// another question (the file's header says how they differ).
#include "../support/uri_tally.hpp"

#include "../support/catch.hpp"

#include <oauthreg/detail/uri.hpp>

#include <cstddef>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

using namespace oauthreg::test;
using oauthreg::detail::uri_host_kind;

namespace {

struct whatwg_vector {
    bool uri = false;                             // an RFC 3986 URI, by Appendix A
    uri_host_kind kind = uri_host_kind::none;     // its host type, when it is one
    bool whatwg_failure = false;                  // the vector's own "failure", for the record
    std::string input;
};

/** "\\xHH" is the byte HH and "\\\\" a backslash; the rest is as written. */
std::string unescape(std::string_view t)
{
    std::string out;
    for (std::size_t i = 0; i < t.size(); ++i) {
        if (t[i] != '\\')
            out += t[i];
        else if (t.substr(i + 1, 1) == "\\")
            out += t[++i];
        else {
            out += static_cast<char>(std::stoi(std::string(t.substr(i + 2, 2)), nullptr, 16));
            i += 3;
        }
    }
    return out;
}

/** A host type as uri_oracle.py names it; "-" for no URI. */
uri_host_kind kind_of(std::string_view name)
{
    if (name == "-")
        return uri_host_kind::none;
    constexpr std::string_view names[] = {"none", "reg_name", "ipv4", "ipv6", "ipv_future"};
    for (std::size_t k = 0; k < std::size(names); ++k)
        if (name == names[k])
            return static_cast<uri_host_kind>(k);
    FAIL("unknown host type in whatwg_uri_vectors.txt: " << name);
    return uri_host_kind::none;
}

/** Splits a line at its tabs. */
std::vector<std::string_view> fields(std::string_view line)
{
    std::vector<std::string_view> f;
    for (std::size_t at = 0;;) {
        auto const tab = line.find('\t', at);
        f.push_back(line.substr(at, tab - at));
        if (tab == std::string_view::npos)
            return f;
        at = tab + 1;
    }
}

std::vector<whatwg_vector> const& whatwg_vectors()
{
    static std::vector<whatwg_vector> const v = [] {
        std::vector<whatwg_vector> out;
        std::ifstream in(OAUTHREG_WHATWG_URI_VECTORS);
        for (std::string line; std::getline(in, line);) {
            if (line.empty() || line[0] == '#')
                continue;
            auto const f = fields(line);
            REQUIRE(f.size() == 4);
            REQUIRE((f[0] == "accept" || f[0] == "reject"));
            out.push_back({f[0] == "accept", kind_of(f[1]), f[2] == "failure", unescape(f[3])});
        }
        return out;
    }();
    return v;
}

} // namespace

TEST_CASE("RFC 3986 Appendix A: the WHATWG URL vectors file is read whole, escapes decoded", "[uri][whatwg]")
{
    auto const& v = whatwg_vectors();
    std::size_t uris = 0, disagree_with_whatwg = 0;
    bool space = false, backslash = false, nul = false;
    for (auto const& w : v) {
        uris += w.uri;
        disagree_with_whatwg += w.uri == w.whatwg_failure;
        space = space || w.input == "lolscheme:x x#x x";
        backslash = backslash || w.input == "http://a:b@c\\";
        nul = nul || w.input == std::string("https://x/\0y", 12);
    }
    CHECK(v.size() > 500);
    CHECK(uris > 200);
    CHECK(v.size() - uris > 200);
    CHECK(disagree_with_whatwg > 100); // WHATWG's verdict is not RFC 3986's
    CHECK(space);
    CHECK(backslash);
    CHECK(nul);
}

TEST_CASE("RFC 3986 Appendix A: the WHATWG URL vectors without a base get the grammar's verdict and host type",
          "[uri][whatwg]")
{
    std::size_t wrong = 0;
    for (auto const& w : whatwg_vectors()) {
        auto const p = oauthreg::detail::parse_uri(w.input);
        if (p.has_value() != w.uri || (p && p->host_kind != w.kind)) {
            ++wrong;
            UNSCOPED_INFO((w.uri ? "a URI" : "no URI") << ", ours says otherwise: " << w.input);
        }
    }
    CHECK(wrong == 0);
}

TEST_CASE("RFC 3986 Appendix A: the WHATWG URL vectors parse as Boost.URL 1.81 parses them, but for the listed "
          "differences",
          "[uri][whatwg][differential]")
{
    uri_tally t;
    for (auto const& w : whatwg_vectors())
        t.both(w.input);
    t.check();
}
