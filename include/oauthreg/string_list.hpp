//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_STRING_LIST_HPP
#define OAUTHREG_STRING_LIST_HPP

#include <algorithm>
#include <compare>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <memory>
#include <ranges>
#include <stdexcept>
#include <string_view>
#include <type_traits>
#include <utility>

namespace oauthreg {

class string_list;

namespace detail {
/** A range of strings a string_list is made from or compared with: read
    twice (sizes, then characters), each element seen as a string_view. */
template <class Range>
concept string_range = !std::same_as<std::remove_cvref_t<Range>, string_list> &&
                       std::ranges::forward_range<Range const> &&
                       std::convertible_to<std::ranges::range_reference_t<Range const>, std::string_view>;
} // namespace detail

/** An immutable-element list of strings held in one allocation: the list
    members of client metadata (`redirect_uris`, `contacts`).

    A `std::vector<std::string>` costs an allocation for the vector and one
    for each string longer than the short-string buffer, which every URI is:
    building, copying and freeing a validated request's lists was most of the
    allocations of `validate_request`. Here the end offset of each element and
    the characters share one block, the count is kept beside it (so `size()`
    reads no other cache line), and the empty list holds none. It reads like a
    vector of strings whose elements are `std::string_view`s:

    <!-- example: body; given: oauthreg::client_metadata md; std::vector<std::string> uris; void use(std::string_view); -->
    @code
    md.redirect_uris = {"https://app.example/cb", "com.example.app:/cb"};
    md.redirect_uris.push_back("http://127.0.0.1/cb");
    for (std::string_view uri : md.redirect_uris) use(uri);
    if (md.redirect_uris == uris) use(md.redirect_uris.front());
    md.redirect_uris = uris; // any range of strings, copied
    @endcode

    An element is a view into the list, not a string: `auto uri = list[0]`
    dangles once the list is changed, assigned or destroyed (copy it into a
    `std::string` to keep it), and it is not NUL-terminated. Moving or
    swapping a list keeps its views and iterators valid, as a vector's.
    Elements are replaced as a whole list (`assign`, `push_back`, `clear`),
    never changed in place. A list holds at most 2^32 - 1 characters
    (`std::length_error` beyond).
*/
class string_list {
public:
    class const_iterator;
    using value_type = std::string_view;        ///< elements are read as views
    using reference = std::string_view;         ///< what `*it` and `[i]` give
    using const_reference = std::string_view;   ///< the same
    using size_type = std::size_t;              ///< element counts
    using difference_type = std::ptrdiff_t;     ///< iterator distances
    using iterator = const_iterator;            ///< elements are not changed in place

    string_list() noexcept = default; ///< empty, no allocation

    /** @param items the elements, in order */
    string_list(std::initializer_list<std::string_view> items) { assign(items.begin(), items.end()); }

    /** From any range of strings, e.g. a `std::vector<std::string>`.
        @param items the elements, in order */
    template <class Range>
        requires detail::string_range<Range>
    explicit string_list(Range const& items)
    {
        assign(std::ranges::begin(items), std::ranges::end(items));
    }

    /** @param other the list to take; its views and iterators stay valid, and it is left empty */
    string_list(string_list&& other) noexcept
        : block_(std::move(other.block_)), size_(std::exchange(other.size_, 0))
    {
    }
    /** @param other the list to take; its views and iterators stay valid, and it is left empty
        @return *this */
    string_list& operator=(string_list&& other) noexcept
    {
        block_ = std::move(other.block_);
        size_ = std::exchange(other.size_, 0);
        return *this;
    }
    /** @param other the list to copy, in one allocation */
    string_list(string_list const& other) : block_(copy_block(other)), size_(other.size_) {}
    /** @param other the list to copy @return *this */
    string_list& operator=(string_list const& other)
    {
        block_ = copy_block(other); // built before the old block goes: self-assignment is safe
        size_ = other.size_;
        return *this;
    }
    /** Replaces the elements with those of a range of strings.
        @param items e.g. a `std::vector<std::string>`; it may view this list
        @return *this */
    template <class Range>
        requires detail::string_range<Range>
    string_list& operator=(Range const& items)
    {
        assign(std::ranges::begin(items), std::ranges::end(items));
        return *this;
    }
    ~string_list() = default; ///< frees the one block

    /** Replaces the elements with those of [first, last), one allocation.
        The range may view this list's own elements; if anything throws, the
        list is unchanged.
        @param first the first element's position
        @param last the end of the range */
    template <std::forward_iterator It, std::sentinel_for<It> End>
        requires std::convertible_to<std::iter_reference_t<It>, std::string_view>
    void assign(It first, End last)
    {
        std::size_t n = 0;
        std::size_t total = 0;
        for (auto it = first; it != last; ++it, ++n)
            total = add_checked(total, view_size(*it));
        replace(n, total, [&](char* out, std::uint32_t* ends) {
            std::size_t at = 0;
            std::size_t i = 0;
            for (; first != last && i < n; ++first, ++i) {
                auto&& element = *first; // kept alive while it is copied: it may be a temporary string
                std::string_view const s(element);
                if (s.size() > total - at)
                    break;
                if (!s.empty())
                    std::memcpy(out + at, s.data(), s.size());
                at += s.size();
                ends[i] = static_cast<std::uint32_t>(at);
            }
            if (i != n || at != total || first != last) // not the range the first pass sized
                throw std::length_error("oauthreg::string_list: the range changed while it was copied");
        });
    }

    /** Appends one element (a new block: lists here hold a few elements).
        @param s the element; it may view this list's own elements */
    void push_back(std::string_view s)
    {
        auto const n = size();
        replace(n + 1, add_checked(chars(), s.size()), [&](char* out, std::uint32_t* ends) {
            if (n) {
                std::memcpy(out, data(), chars());
                std::memcpy(ends, block_.get(), n * sizeof(std::uint32_t));
            }
            if (!s.empty())
                std::memcpy(out + chars(), s.data(), s.size());
            ends[n] = static_cast<std::uint32_t>(chars() + s.size());
        });
    }
    /** push_back(s). @param s the element @return the element as stored */
    std::string_view emplace_back(std::string_view s)
    {
        push_back(s);
        return back();
    }

    /** Makes it empty, and frees the block. */
    void clear() noexcept
    {
        block_.reset();
        size_ = 0;
    }

    /** @return the number of elements */
    size_type size() const noexcept { return size_; }
    /** @return whether there is no element */
    bool empty() const noexcept { return size_ == 0; }

    /** @param i an index below size() @return the element */
    std::string_view operator[](size_type i) const noexcept { return element(block_.get(), size_, i); }
    /** @return the first element; the list must not be empty */
    std::string_view front() const noexcept { return (*this)[0]; }
    /** @return the last element; the list must not be empty */
    std::string_view back() const noexcept { return (*this)[size() - 1]; }

    const_iterator begin() const noexcept; ///< @return the first element's position
    const_iterator end() const noexcept;   ///< @return the position after the last

    /** @param a a list @param b a list @return whether both hold the same elements in order */
    friend bool operator==(string_list const& a, string_list const& b) noexcept
    {
        auto const n = a.size();
        if (n != b.size())
            return false;
        return n == 0 || (a.chars() == b.chars() &&
                          std::memcmp(a.block_.get(), b.block_.get(), n * sizeof(std::uint32_t)) == 0 &&
                          std::memcmp(a.data(), b.data(), a.chars()) == 0);
    }
    /** @param a a list @param b a range of strings, e.g. a `std::vector<std::string>`
        @return whether both hold the same elements in the same order */
    template <class Range>
        requires detail::string_range<Range>
    friend bool operator==(string_list const& a, Range const& b)
    {
        return std::ranges::equal(a, b, [](std::string_view x, std::string_view y) { return x == y; });
    }

private:
    /** Element `i` of the `n` elements of `block`: the end offsets, then the characters. */
    static std::string_view element(std::uint32_t const* block, std::size_t n, std::size_t i) noexcept
    {
        std::uint32_t const begin = i ? block[i - 1] : 0;
        return {reinterpret_cast<char const*>(block + n) + begin, block[i] - begin};
    }
    template <class T> static std::size_t view_size(T&& element) { return std::string_view(element).size(); }
    /** `a + b`, or `std::length_error` past what the 32-bit offsets hold. */
    static std::size_t add_checked(std::size_t a, std::size_t b)
    {
        constexpr std::size_t max = std::numeric_limits<std::uint32_t>::max();
        if (a > max || b > max - a)
            throw std::length_error("oauthreg::string_list: more than 2^32 - 1 characters");
        return a + b;
    }

    /** Characters of all the elements together: the last end offset. */
    std::size_t chars() const noexcept { return size_ ? block_[size_ - 1] : 0; }
    /** Where the characters start: after the end offsets. */
    char const* data() const noexcept { return reinterpret_cast<char const*>(block_.get() + size_); }

    /** Replaces the elements with `n` elements of `total` characters (at most
        2^32 - 1), which `fill(characters, ends)` writes into a new block (none
        when `n` is 0) before the old one is freed. */
    template <class Fill> void replace(std::size_t n, std::size_t total, Fill&& fill)
    {
        std::unique_ptr<std::uint32_t[]> block;
        if (n) {
            if (n > std::numeric_limits<std::uint32_t>::max())
                throw std::length_error("oauthreg::string_list: more than 2^32 - 1 elements");
            block = std::make_unique_for_overwrite<std::uint32_t[]>(words(n, total));
            fill(reinterpret_cast<char*>(block.get() + n), block.get());
        }
        block_ = std::move(block);
        size_ = static_cast<std::uint32_t>(n);
    }
    static std::unique_ptr<std::uint32_t[]> copy_block(string_list const& other)
    {
        if (other.empty())
            return nullptr;
        auto const w = words(other.size_, other.chars());
        auto block = std::make_unique_for_overwrite<std::uint32_t[]>(w);
        std::memcpy(block.get(), other.block_.get(), w * sizeof(std::uint32_t));
        return block;
    }
    /** The end offsets, then the characters rounded up to a word; both
        counts are at most 2^32 - 1, so on a 64-bit `size_t` this cannot wrap. */
    static std::size_t words(std::size_t n, std::size_t total)
    {
        std::uint64_t const w = std::uint64_t{n} + (std::uint64_t{total} + 3) / 4;
        if (w > std::numeric_limits<std::size_t>::max() / sizeof(std::uint32_t))
            throw std::length_error("oauthreg::string_list: larger than memory");
        return static_cast<std::size_t>(w);
    }

    std::unique_ptr<std::uint32_t[]> block_; ///< the end offsets, then the characters; null when empty
    std::uint32_t size_ = 0;                 ///< the number of elements
};

/** A random-access position in a @ref string_list; `*it` is a `std::string_view`.
    It points into the list's block, so moving the list keeps it valid. It
    has the random-access operations (`++`, `--`, `+=`, `-=`, `+`, `-`,
    the difference of two positions) and compares by position. */
class string_list::const_iterator {
public:
    using iterator_concept = std::random_access_iterator_tag; ///< a C++20 random-access iterator
    using iterator_category = std::input_iterator_tag;        ///< `*it` is a value, so only an input iterator to C++17
    using value_type = std::string_view;                       ///< the element
    using difference_type = std::ptrdiff_t;                    ///< distances
    using reference = std::string_view;                        ///< `*it` gives a view
    using pointer = void;                                      ///< no `->`

    const_iterator() noexcept = default; ///< singular
    /** @return the element here */
    std::string_view operator*() const noexcept { return element(block_, n_, static_cast<std::size_t>(i_)); }
    /** @param d an offset @return the element @p d after this one */
    std::string_view operator[](difference_type d) const noexcept
    {
        return element(block_, n_, static_cast<std::size_t>(i_ + d));
    }

    /// @cond ITERATOR_ARITHMETIC (the usual random-access operations, by index)
    // clang-format off
    const_iterator& operator++() noexcept { ++i_; return *this; }
    const_iterator operator++(int) noexcept { auto t = *this; ++i_; return t; }
    const_iterator& operator--() noexcept { --i_; return *this; }
    const_iterator operator--(int) noexcept { auto t = *this; --i_; return t; }
    const_iterator& operator+=(difference_type d) noexcept { i_ += d; return *this; }
    const_iterator& operator-=(difference_type d) noexcept { i_ -= d; return *this; }
    friend const_iterator operator+(const_iterator it, difference_type d) noexcept { return it += d; }
    friend const_iterator operator+(difference_type d, const_iterator it) noexcept { return it += d; }
    friend const_iterator operator-(const_iterator it, difference_type d) noexcept { return it -= d; }
    friend difference_type operator-(const_iterator a, const_iterator b) noexcept { return a.i_ - b.i_; }
    // clang-format on
    /// @endcond
    /** @param a a position @param b a position in the same list @return whether they are the same */
    friend bool operator==(const_iterator a, const_iterator b) noexcept { return a.i_ == b.i_; }
    /** @param a a position @param b a position in the same list @return their order */
    friend std::strong_ordering operator<=>(const_iterator a, const_iterator b) noexcept { return a.i_ <=> b.i_; }

private:
    friend class string_list;
    const_iterator(std::uint32_t const* block, std::size_t n, difference_type i) noexcept : block_(block), n_(n), i_(i) {}
    std::uint32_t const* block_ = nullptr;
    std::size_t n_ = 0;
    difference_type i_ = 0;
};

inline string_list::const_iterator string_list::begin() const noexcept { return {block_.get(), size_, 0}; }
inline string_list::const_iterator string_list::end() const noexcept
{
    return {block_.get(), size_, static_cast<difference_type>(size_)};
}

static_assert(std::random_access_iterator<string_list::const_iterator>);

} // namespace oauthreg

#endif
