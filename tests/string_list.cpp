// Tests of the string_list.hpp contract: a list of strings in one block,
// read like a std::vector<std::string> whose elements are std::string_views.
#include <oauthreg/string_list.hpp>

#include "support/catch.hpp"

#include <boost/json/value_from.hpp>

#include <sys/mman.h>

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

using namespace oauthreg;

namespace {
std::vector<std::string> copy_out(string_list const& l) { return {l.begin(), l.end()}; }
} // namespace

static_assert(std::ranges::random_access_range<string_list>);
// Made from a range on purpose only: no implicit conversion hides a copy.
static_assert(!std::is_convertible_v<std::vector<std::string>, string_list>);
static_assert(std::is_constructible_v<string_list, std::vector<std::string>>);
static_assert(!std::is_constructible_v<string_list, std::string>);
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
    string_list l(v);
    CHECK(copy_out(l) == v);
    CHECK(l == v);
    CHECK(v == l);
    CHECK_FALSE(l == std::vector<std::string>{"ops@example.com"});
    CHECK_FALSE(l == std::vector<std::string>{"dev+oauth@example.com", "ops@example.com"});
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

TEST_CASE("string_list: copies are independent, a move keeps the views", "[string_list]")
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

namespace {
// A forward iterator over positions whose elements `make(i)` gives as new
// std::strings, as a transform view does (clang 14 cannot compile
// libstdc++ 12's views).
struct made_string_iterator {
    using value_type = std::string;
    using difference_type = std::ptrdiff_t;
    std::string (*make)(int) = nullptr;
    int i = 0;
    std::string operator*() const { return make(i); }
    made_string_iterator& operator++()
    {
        ++i;
        return *this;
    }
    made_string_iterator operator++(int)
    {
        auto t = *this;
        ++i;
        return t;
    }
    bool operator==(made_string_iterator const& o) const { return i == o.i; }
};
static_assert(std::forward_iterator<made_string_iterator>);

std::string made_uri(int i) { return "https://app.example/cb/" + std::to_string(i) + std::string(40, 'x'); }
} // namespace

TEST_CASE("string_list: a range of temporary strings is copied while each lives", "[string_list]")
{
    string_list l;
    l.assign(made_string_iterator{made_uri, 1}, made_string_iterator{made_uri, 4});
    REQUIRE(l.size() == 3);
    for (int i = 0; i < 3; ++i)
        CHECK(l[static_cast<std::size_t>(i)] == made_uri(i + 1));
}

TEST_CASE("string_list: iterators move in both directions and survive a move of the list", "[string_list]")
{
    string_list a{"one", "two", "three"};
    auto first = a.begin();
    auto last = a.end();
    CHECK(first < last);
    CHECK(last - first == 3);
    CHECK(*--last == "three");
    CHECK(*(last - 1) == "two");
    CHECK(*(1 + first) == "two");
    CHECK((first <=> last) == std::strong_ordering::less);
    std::vector<std::string> backwards(std::make_reverse_iterator(a.end()), std::make_reverse_iterator(a.begin()));
    CHECK(backwards == std::vector<std::string>{"three", "two", "one"});

    string_list b = std::move(a);
    CHECK(*first == "one"); // it points into the block, which moved with the list
    CHECK(first[2] == "three");
    std::swap(a, b);
    CHECK(*first == "one");
}

TEST_CASE("string_list: lists of empty strings", "[string_list]")
{
    string_list one{std::string_view{}};
    CHECK(one.size() == 1);
    CHECK(one[0].empty());
    string_list copy = one;
    copy.push_back("");
    CHECK(copy.size() == 2);
    CHECK(copy == std::vector<std::string>{"", ""});
    CHECK_FALSE(copy == one);
}

namespace {
// Against the concept's rules, longer strings on a second pass over the same
// positions: string_list must refuse to copy past the block it sized.
int reads_seen = 0;
std::string longer_when_read_again(int) { return std::string(reads_seen++ < 2 ? 4 : 40, 'a'); }
} // namespace

TEST_CASE("string_list: a range that changes between its two passes is refused, the list unchanged", "[string_list]")
{
    string_list l{"kept"};
    reads_seen = 0;
    CHECK_THROWS_AS(l.assign(made_string_iterator{longer_when_read_again, 0},
                             made_string_iterator{longer_when_read_again, 2}),
                    std::length_error);
    CHECK(copy_out(l) == std::vector<std::string>{"kept"});
}

TEST_CASE("string_list: more than 2^32 - 1 characters is a length_error, nothing read", "[string_list]")
{
    // A 4 GiB + 1 view over memory reserved, never touched: the sizes are
    // checked before a byte is copied.
    std::size_t const size = (std::size_t{1} << 32) + 1;
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    REQUIRE(p != MAP_FAILED);
    std::string_view const huge(static_cast<char const*>(p), size);
    string_list l{"kept"};
    CHECK_THROWS_AS(l.push_back(huge), std::length_error);
    CHECK_THROWS_AS(l.assign(&huge, &huge + 1), std::length_error);
    std::string_view const halves[] = {huge.substr(0, size / 2), huge.substr(0, size / 2 + 1)};
    CHECK_THROWS_AS(l.assign(std::begin(halves), std::end(halves)), std::length_error);
    CHECK(copy_out(l) == std::vector<std::string>{"kept"});
    ::munmap(p, size);
}
