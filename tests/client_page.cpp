// Tests of the client_page.hpp contract beyond the storage conformance run:
// the name-contains rule, and a store that answers pages itself.
#include <oauthreg/client_page.hpp>

#include "support/catch.hpp"

#include <oauthreg/storage/memory.hpp>

using namespace oauthreg;

TEST_CASE("name contains: ASCII letters case-insensitive, other bytes exact", "[pages]")
{
    using detail::ascii_icontains;
    CHECK(ascii_icontains("My OAuth App", "oauth"));
    CHECK(ascii_icontains("My OAuth App", "MY OAUTH APP"));
    CHECK(ascii_icontains("anything", ""));
    CHECK_FALSE(ascii_icontains("My OAuth App", "oauth2"));
    CHECK_FALSE(ascii_icontains("ab", "abc"));
    // UTF-8 is compared bytewise: "É" (C3 89) does not match "é" (C3 A9).
    CHECK(ascii_icontains("Caf\xc3\xa9 Bar", "CAF\xc3\xa9"));
    CHECK_FALSE(ascii_icontains("Caf\xc3\x89", "caf\xc3\xa9"));
    // '@' (0x40) and '`' (0x60) are not letters: no case folding across them.
    CHECK_FALSE(ascii_icontains("a@b", "a`b"));
}

namespace {

/** A store with its own `page` (as a SQL store could): page_clients uses it. */
struct self_paging_store : memory_storage_st {
    mutable int pages_asked = 0;
    result<client_page> page(client_page_query const& q) const
    {
        ++pages_asked;
        client_page p;
        p.page_number = q.page_number;
        p.page_size = q.page_size;
        p.total_results = 42;
        p.total_pages = 3;
        return p;
    }
};

} // namespace

TEST_CASE("a store that models paging_storage answers pages itself", "[pages]")
{
    static_assert(paging_storage<self_paging_store>);
    static_assert(paging_storage<memory_storage_st>); // the memory store pages itself too
    self_paging_store s;
    client_page_query q;
    q.owner.org_id = "org-1";
    auto p = page_clients(s, q);
    REQUIRE(p.has_value());
    CHECK(p->total_results == 42);
    CHECK(s.pages_asked == 1);
    q.page_size = 251; // the query is still checked first
    CHECK(page_clients(s, q).error().kind() == error::invalid_page);
    CHECK(s.pages_asked == 1);
}

TEST_CASE("RFC 7493 2.2: a page number runs from 1 to 2^53 - 1, which every JSON reader holds exactly", "[pages]")
{
    client_page_query q;
    q.page_number = max_page_number;
    CHECK(check_page_query(q).has_value());
    q.page_number = max_page_number + 1;
    auto bad = check_page_query(q);
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().kind() == error::invalid_page);
    CHECK(bad.error().field == "page[number]");
    q.page_number = 0;
    CHECK(check_page_query(q).error().kind() == error::invalid_page);
    static_assert(max_page_number == 9007199254740991);
}
