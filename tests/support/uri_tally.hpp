// The differential tests' tally (detail/uri.hpp against Boost.URL 1.81): counts
// the comparisons and the listed differences met, keeps the first unexplained
// ones, and fails on any of those. Catch2 macros: the main thread only.
#ifndef OAUTHREG_TESTS_URI_TALLY_HPP
#define OAUTHREG_TESTS_URI_TALLY_HPP

#include "catch.hpp"
#include "uri_oracle.hpp"

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace oauthreg::test {

/** Tallies the comparisons; keeps the first few strings of each difference. */
struct uri_tally {
    std::size_t compared = 0;
    std::map<std::string, std::size_t> counts;
    std::vector<std::string> unexplained;

    void add(std::string_view s, uri_verdicts const& v)
    {
        ++compared;
        if (v.difference == uri_difference::none)
            return;
        ++counts[name(v.difference)];
        if (v.difference == uri_difference::unexplained && unexplained.size() < 20)
            unexplained.push_back(std::string(s) + " (" + v.detail + ")");
    }
    void both(std::string_view s)
    {
        add(s, compare_uri(s));
        add(s, compare_relative_ref(s));
    }
    void check() const
    {
        for (auto const& u : unexplained)
            UNSCOPED_INFO("unexplained: " << u);
        for (auto const& [k, n] : counts) // the listed differences met, for the record
            WARN(k << ": " << n << " of " << compared << " comparisons");
        CHECK(unexplained.empty());
        CHECK(compared > 0);
    }
};

} // namespace oauthreg::test

#endif
