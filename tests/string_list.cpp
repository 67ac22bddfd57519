// Tests of the string_list.hpp contract: a list of strings in one block,
// read like a std::vector<std::string> whose elements are std::string_views.
#include <oauthreg/string_list.hpp>

#include "support/catch.hpp"

#include <boost/json/value_from.hpp>

#include <algorithm>
#include <iterator>
#include <ranges>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

using namespace oauthreg;

namespace {
std::vector<std::string> copy_out(string_list const& l) { return {l.begin(), l.end()}; }
} // namespace

static_assert(std::ranges::random_access_range<string_list>);
static_assert(std::is_nothrow_move_constructible_v<string_list>);
// The count beside one pointer: smaller than the vector it replaces.
static_assert(sizeof(string_list) <= 16 && sizeof(string_list) < sizeof(std::vector<std::string>));

TEST_CASE("string_list: empty until given elements", "[string_list]")
{
    string_list l;
    CHECK(l.empty());
    CHECK(l.size() == 0);
    CHECK(l.begin() == l.end());
    CHECK(l == string_list{});
    CHECK(l == std::vector<std::string>{});
    string_list copy = l;
    CHECK(copy.empty());
    l = {};
    CHECK(l.empty());
}

TEST_CASE("string_list: elements in order, read as views", "[string_list]")
{
    string_list l{"https://app.example/cb", "", "com.example.app:/cb"};
    REQUIRE(l.size() == 3);
    CHECK_FALSE(l.empty());
    CHECK(l[0] == "https://app.example/cb");
    CHECK(l[1].empty()); // the type keeps an empty element; metadata validation refuses one
    CHECK(l[2] == "com.example.app:/cb");
    CHECK(l.front() == "https://app.example/cb");
    CHECK(l.back() == "com.example.app:/cb");
    CHECK(std::distance(l.begin(), l.end()) == 3);
    CHECK(l.begin()[2] == "com.example.app:/cb");
    CHECK(*(l.end() - 1) == "com.example.app:/cb");
    CHECK(std::find(l.begin(), l.end(), "") - l.begin() == 1);
    CHECK(copy_out(l) == std::vector<std::string>{"https://app.example/cb", "", "com.example.app:/cb"});
}

TEST_CASE("string_list: converts from any range of strings", "[string_list]")
{
    std::vector<std::string> v{"ops@example.com", "dev+oauth@example.com"};
    string_list l = v;
    CHECK(copy_out(l) == v);
    CHECK(l == v);
    std::vector<std::string_view> views{"a", "b"};
    l = views;
    CHECK(copy_out(l) == std::vector<std::string>{"a", "b"});
    l = std::vector<std::string>{};
    CHECK(l.empty());
}

TEST_CASE("string_list: equal means the same elements, not the same characters", "[string_list]")
{
    CHECK(string_list{"a", "bc"} == string_list{"a", "bc"});
    CHECK_FALSE(string_list{"ab", "c"} == string_list{"a", "bc"});
    CHECK_FALSE(string_list{"a"} == string_list{"a", ""});
    CHECK_FALSE(string_list{"a"} == string_list{"b"});
    CHECK_FALSE(string_list{"a"} == string_list{});
}

TEST_CASE("string_list: push_back and assign may read the list itself", "[string_list]")
{
    string_list l{"https://a.example/cb"};
    l.push_back("https://b.example/cb");
    CHECK(l.emplace_back(l[0]) == "https://a.example/cb"); // a view into the block being replaced
    CHECK(copy_out(l) == std::vector<std::string>{"https://a.example/cb", "https://b.example/cb", "https://a.example/cb"});
    l.assign(l.begin() + 1, l.end());
    CHECK(copy_out(l) == std::vector<std::string>{"https://b.example/cb", "https://a.example/cb"});
    l.push_back("");
    CHECK(l.size() == 3);
    CHECK(l.back().empty());
    l.clear();
    CHECK(l.empty());
    l.push_back("x");
    CHECK(copy_out(l) == std::vector<std::string>{"x"});
}

TEST_CASE("string_list: copies are independent; a move keeps the views", "[string_list]")
{
    string_list a{"one", "two"};
    string_list b = a;
    a.push_back("three");
    CHECK(copy_out(b) == std::vector<std::string>{"one", "two"});
    b = a;
    CHECK(b == a);
    auto const& same = b;
    b = same; // self-assignment
    CHECK(copy_out(b) == std::vector<std::string>{"one", "two", "three"});

    std::string_view const view = a[1];
    string_list moved = std::move(a);
    CHECK(view.data() == moved[1].data()); // the block moved, not the characters
    CHECK(a.empty());                      // NOLINT(bugprone-use-after-move): a moved-from list is empty
    string_list target{"old"};
    target = std::move(moved);
    CHECK(view.data() == target[1].data());
    CHECK(moved.empty()); // NOLINT(bugprone-use-after-move)
}

TEST_CASE("string_list: written as a JSON array of strings", "[string_list]")
{
    CHECK(boost::json::value_from(string_list{"a", "b"}) == boost::json::array{"a", "b"});
    CHECK(boost::json::value_from(string_list{}) == boost::json::array{});
}
