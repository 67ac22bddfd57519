// Test helper: what a store's listing shows, row by row, unreadable rows included.
#ifndef OAUTHREG_TESTS_SUPPORT_LISTING_HPP
#define OAUTHREG_TESTS_SUPPORT_LISTING_HPP

#include "catch.hpp"

#include <oauthreg/storage/concept.hpp>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace oauthreg::test_support {

/** Every row the store lists, paging `limit` at a time, in client_id order: a record's client_id,
    or "!" and the client_id of a row reported unreadable (a storage_failure
    that names "jwks" when `jwks_named` is that row's id). */
template <class Store>
std::vector<std::string> listed_rows(Store const& s, std::size_t limit, std::string const& jwks_named = {})
{
    std::vector<std::string> seen;
    std::string cursor;
    for (int guard = 0; guard < 100; ++guard) {
        auto p = s.list({}, limit, cursor);
        REQUIRE(p.has_value());
        for (auto const& c : p->clients)
            seen.push_back(c.client_id);
        for (auto const& u : p->unreadable) {
            seen.push_back("!" + u.client_id);
            CHECK(u.error.kind() == error::storage_failure);
            if (u.client_id == jwks_named)
                CHECK(u.error.description.find("jwks") != std::string::npos);
        }
        if (!p->next_cursor)
            break;
        cursor = *p->next_cursor;
    }
    // a page holds its records, then its unreadable rows: order by client_id
    auto id = [](std::string const& row) { return std::string_view(row).substr(row.starts_with('!') ? 1 : 0); };
    std::sort(seen.begin(), seen.end(), [&](auto const& a, auto const& b) { return id(a) < id(b); });
    return seen;
}

} // namespace oauthreg::test_support

#endif
