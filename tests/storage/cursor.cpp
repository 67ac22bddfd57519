// Tests of storage/cursor.hpp: the keyset cursor every bundled store issues.
#include <oauthreg/storage/cursor.hpp>

#include "../support/catch.hpp"

#include <oauthreg/storage/memory.hpp>

#include <string>
#include <vector>

using namespace oauthreg;

namespace {

client_record owned_by(std::string id, std::string org)
{
    client_record r;
    r.client_id = std::move(id);
    r.owner = {std::move(org), "user"};
    return r;
}

std::vector<std::string> ids_of(list_page const& p)
{
    std::vector<std::string> out;
    for (auto const& c : p.clients)
        out.push_back(c.client_id);
    return out;
}

} // namespace

TEST_CASE("cursor: the last client_id round-trips through its base64url text (RFC 4648 5)", "[storage][cursor]")
{
    std::vector<std::string> const ids = {"a", "5c1c6a4e-8b1f-4d8e-9a43-0f2f4b7a9d10", "caf\xc3\xa9",
                                          std::string("nul\0in", 6), std::string(300, 'x')};
    for (auto const& id : ids) {
        auto const cursor = encode_cursor(id);
        INFO(cursor);
        CHECK(cursor.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
              std::string::npos); // no '=' padding, nothing to escape in a query string
        auto back = decode_cursor(cursor);
        REQUIRE(back.has_value());
        CHECK(*back == id);
    }
    CHECK(encode_cursor("foo") == "Zm9v");    // RFC 4648 10 test vector, unpadded
    CHECK(decode_cursor("").value().empty()); // the first page
}

TEST_CASE("cursor: text no store issued is invalid_cursor, an invalid_request", "[storage][cursor]")
{
    for (char const* tampered : {"%%%", "Zm9v=", "Zm9v===", "a+b/", "Z", "Zm9v.", " Zm9v", "Zm9\xc3\xa9"}) {
        INFO(tampered);
        auto r = decode_cursor(tampered);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind() == error::invalid_cursor);
        CHECK(r.error().rfc_code() == "invalid_request");
        CHECK(r.error().field == "cursor");
    }
}

TEST_CASE("cursor: a changed but well-formed cursor resumes after the id it names", "[storage][cursor]")
{
    // Cursors are not authenticated: one edited by hand is just another
    // position; the listing neither fails nor shows ids at or before it.
    memory_storage_st s;
    for (auto const* id : {"a1", "a2", "b1", "b2", "c1"})
        REQUIRE(s.insert(owned_by(id, "org")).has_value());
    auto const first = s.list({}, 2, "").value();
    REQUIRE(first.next_cursor);
    CHECK(decode_cursor(*first.next_cursor).value() == "a2");
    auto edited = encode_cursor("b1");
    CHECK(edited != *first.next_cursor);
    CHECK(ids_of(s.list({}, 10, edited).value()) == std::vector<std::string>{"b2", "c1"});
    CHECK(ids_of(s.list({}, 10, encode_cursor("zzz")).value()).empty());
}

TEST_CASE("cursor: a cursor from another filter's listing resumes by client_id in this one", "[storage][cursor]")
{
    // The cursor holds only the last client_id, not the filter: given to a
    // listing with another filter it seeks there, and that filter still holds.
    memory_storage_st s;
    REQUIRE(s.insert(owned_by("a1", "org-a")).has_value());
    REQUIRE(s.insert(owned_by("a2", "org-b")).has_value());
    REQUIRE(s.insert(owned_by("a3", "org-a")).has_value());
    REQUIRE(s.insert(owned_by("a4", "org-b")).has_value());
    REQUIRE(s.insert(owned_by("a5", "org-a")).has_value());
    auto const page_a = s.list({"org-a", std::nullopt}, 2, "").value();
    CHECK(ids_of(page_a) == std::vector<std::string>{"a1", "a3"});
    REQUIRE(page_a.next_cursor);
    auto const in_b = s.list({"org-b", std::nullopt}, 10, *page_a.next_cursor).value();
    CHECK(ids_of(in_b) == std::vector<std::string>{"a4"}); // after a3, org-b only
    CHECK_FALSE(in_b.next_cursor);
}
