//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_OPTIONAL_STRING_HPP
#define OAUTHREG_OPTIONAL_STRING_HPP

#include <cstddef>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

// OAUTHREG_CHECK_STRING_VIEWS, 1 (the default where NDEBUG is not defined):
// a value held in place is overwritten with optional_string::vacated bytes
// when it leaves its object by a move, reset(), = std::nullopt or a shorter
// value, so that a view which outlived it reads those bytes instead of a value
// that looks right. 0: the bytes are left as they are. Define it alike in
// every translation unit (the tests build with 1).
#ifndef OAUTHREG_CHECK_STRING_VIEWS
#ifdef NDEBUG
#define OAUTHREG_CHECK_STRING_VIEWS 0
#else
#define OAUTHREG_CHECK_STRING_VIEWS 1
#endif
#endif

namespace oauthreg {

/** An optional client metadata string: absent, or a non-empty value.

    No RFC 7591 metadata string may be empty: each one names, identifies or
    locates something (a display name, a scope of at least one token, a URI, a
    JWK Set, a software statement), and validation refuses "". So the empty
    string is the absent state. It reads like `std::optional<std::string>`,
    except that the value is read as a `std::string_view`:

    <!-- example: body; given: oauthreg::client_metadata md; void use(std::string_view); -->
    @code
    md.client_name = "Acme";          // present
    if (md.client_name) use(*md.client_name);
    auto n = md.client_name->size();  // the members of std::string_view
    md.client_name = std::nullopt;    // absent; so is md.client_name = ""
    @endcode

    A value of up to @ref inline_capacity bytes is held in the object itself,
    a longer one in one allocation, in 32 bytes. libstdc++'s `std::string`,
    as large, keeps only 15 bytes in place, and most metadata values (URIs of
    20 to 40 characters, scopes, names) are longer: each took an allocation
    to validate, to copy and to free. A client record holds twelve of these.

    The view `*s` is valid while `s` holds that value: until `s` (or the
    object holding it, such as a `client_metadata`) is assigned, moved from,
    reset or destroyed. A short value lives inside the object, so a view of it
    does not follow the value when the object is moved. Copy it into a
    `std::string` to keep it; it is not NUL-terminated. Dereferencing an
    absent value is defined: it is the empty string. In debug builds
    (`OAUTHREG_CHECK_STRING_VIEWS`) a view kept past a move of a short
    value reads @ref vacated bytes.
*/
class optional_string {
public:
    /** The longest value held without an allocation. */
    static constexpr std::size_t inline_capacity = 31;
    /** What the bytes of a short value hold once it has left (moved from,
        reset, made shorter) under `OAUTHREG_CHECK_STRING_VIEWS`: a UTF-8
        lead byte, never followed by one in valid text, so no valid
        metadata string is made of them. */
    static constexpr char vacated = static_cast<char>(0xDD);

    optional_string() noexcept { set_inline_size(0); }              ///< absent
    optional_string(std::nullopt_t) noexcept : optional_string() {} ///< absent
    /** @param s the value, copied; "" is absent */
    optional_string(std::string_view s) : optional_string() { assign(s); }
    /** @param s the value, copied; "" is absent */
    optional_string(std::string const& s) : optional_string(std::string_view(s)) {}
    /** @param s the value, a null-terminated string; "" is absent */
    optional_string(char const* s) : optional_string(std::string_view(s)) {}
    /** @param s the value, copied; nullopt and "" are absent */
    optional_string(std::optional<std::string> const& s) : optional_string()
    {
        if (s)
            assign(*s);
    }

    /** @param other the value to copy */
    optional_string(optional_string const& other) : optional_string() { assign(*other); }
    /** @param other the value to take; it is left absent */
    optional_string(optional_string&& other) noexcept
    {
        std::memcpy(rep_, other.rep_, sizeof rep_); // a long value's buffer changes hands
        other.vacate();
    }
    /** @param other the value to copy @return *this */
    optional_string& operator=(optional_string const& other)
    {
        assign(*other); // safe on itself: see assign
        return *this;
    }
    /** @param other the value to take; it is left absent @return *this */
    optional_string& operator=(optional_string&& other) noexcept
    {
        if (this != &other) {
            auto const was = short_size();
            release();
            std::memcpy(rep_, other.rep_, sizeof rep_);
            other.vacate();
            mark_vacated_tail(was);
        }
        return *this;
    }
    /** Makes it absent. @return *this */
    optional_string& operator=(std::nullopt_t) noexcept
    {
        reset();
        return *this;
    }
    ~optional_string() { release(); } ///< frees a long value's buffer

    /** @return whether a value is present (non-empty) */
    bool has_value() const noexcept { return tag() != 0; }
    /** @return has_value() */
    explicit operator bool() const noexcept { return has_value(); }

    /** @return the value; the empty string when absent */
    std::string_view operator*() const noexcept
    {
        return tag() == on_heap ? std::string_view(heap_data(), heap_size()) : std::string_view(rep_, tag());
    }

    /** What `->` gives: the value, so that `s->size()` reads as on a `std::string_view`. */
    struct arrow {
        std::string_view value; ///< the value; empty when absent
        /** @return the value's address */
        std::string_view const* operator->() const noexcept { return &value; }
    };
    /** @return the value, for its members */
    arrow operator->() const noexcept { return {**this}; }

    /** @return the value
        @throws std::bad_optional_access when absent */
    std::string_view value() const
    {
        if (!has_value())
            throw std::bad_optional_access();
        return **this;
    }

    /** @param fallback what to return when absent
        @return a copy of the value, or @p fallback */
    std::string value_or(std::string_view fallback) const { return std::string(has_value() ? **this : fallback); }

    /** Sets the value (empty: absent).
        @param v the value, copied; it may view this object's own value
        @return the value */
    std::string_view emplace(std::string_view v)
    {
        assign(v);
        return **this;
    }

    /** Makes it absent and releases the storage. */
    void reset() noexcept
    {
        release();
        vacate();
    }

    /** @return a copy as `std::optional<std::string>`, for interfaces that take one */
    std::optional<std::string> to_optional() const
    {
        return has_value() ? std::optional<std::string>(**this) : std::nullopt;
    }

    /** @param a an optional_string
        @param b another
        @return whether both are absent or both present and equal */
    friend bool operator==(optional_string const& a, optional_string const& b) noexcept { return *a == *b; }
    /** @param a an optional_string @return whether @p a is absent */
    friend bool operator==(optional_string const& a, std::nullopt_t) noexcept { return !a.has_value(); }
    /** @name Comparison with a string
        @{ */
    /** A present value equal to `b`: an absent one equals no string, not even "".
        @param a an optional_string
        @param b a string
        @return whether @p a is present and equal to @p b */
    friend bool operator==(optional_string const& a, std::string_view b) noexcept { return a.has_value() && *a == b; }
    friend bool operator==(optional_string const& a, std::string const& b) noexcept { return a == std::string_view(b); }
    friend bool operator==(optional_string const& a, char const* b) noexcept { return a == std::string_view(b); }
    /** @} */
    /** @param a an optional_string
        @param b an optional string
        @return whether both are absent or both present and equal */
    friend bool operator==(optional_string const& a, std::optional<std::string> const& b) noexcept
    {
        return b ? a == std::string_view(*b) : !a.has_value();
    }

private:
    /** The last byte: a short value's size (0: absent), or on_heap. */
    static constexpr unsigned char on_heap = 0xFF;
    static_assert(inline_capacity < on_heap);

    unsigned char tag() const noexcept { return static_cast<unsigned char>(rep_[inline_capacity]); }
    void set_inline_size(std::size_t n) noexcept { rep_[inline_capacity] = static_cast<char>(n); }

    // A long value's pointer and size are kept as bytes (memcpy in and out):
    // the storage is one char array, never a union read through another member.
    char* heap_data() const noexcept
    {
        char* p;
        std::memcpy(&p, rep_, sizeof p);
        return p;
    }
    std::size_t heap_size() const noexcept
    {
        std::size_t n;
        std::memcpy(&n, rep_ + sizeof(char*), sizeof n);
        return n;
    }
    void set_heap(char* data, std::size_t n) noexcept
    {
        std::memcpy(rep_, &data, sizeof data);
        std::memcpy(rep_ + sizeof data, &n, sizeof n);
        rep_[inline_capacity] = static_cast<char>(on_heap);
    }

    void release() noexcept
    {
        if (tag() == on_heap)
            delete[] heap_data();
    }

    /** @return the size of a short value; 0 for a long one or none */
    std::size_t short_size() const noexcept { return tag() == on_heap ? 0 : tag(); }

    /** Makes it absent, its buffer (if any) gone to another object or freed;
        checked builds mark the bytes of a short value that was there. */
    void vacate() noexcept
    {
        auto const was = short_size();
        set_inline_size(0);
        mark_vacated_tail(was);
    }

    /** Checked builds: marks the bytes that a short value of `was` bytes held
        past the short value (or none) now there. */
    void mark_vacated_tail([[maybe_unused]] std::size_t was) noexcept
    {
#if OAUTHREG_CHECK_STRING_VIEWS
        if (tag() != on_heap && tag() < was)
            std::memset(rep_ + tag(), vacated, was - tag());
#endif
    }

    /** The new value is in place before the old one's buffer goes, so `v`
        may view it (memmove: a short value may overlap itself). */
    void assign(std::string_view v)
    {
        if (v.size() <= inline_capacity) {
            char* const old = tag() == on_heap ? heap_data() : nullptr;
            auto const was = short_size();
            if (!v.empty()) // a null data() is no source for memmove, even of 0 bytes
                std::memmove(rep_, v.data(), v.size());
            set_inline_size(v.size());
            mark_vacated_tail(was);
            delete[] old;
            return;
        }
        char* const data = new char[v.size()];
        std::memcpy(data, v.data(), v.size());
        release();
        set_heap(data, v.size());
    }

    /** A short value then its size in the last byte; or a long value's
        pointer and size, then on_heap in the last byte. */
    alignas(char*) char rep_[inline_capacity + 1];
    static_assert(sizeof(char*) + sizeof(std::size_t) < inline_capacity);
};

static_assert(sizeof(optional_string) == optional_string::inline_capacity + 1);

} // namespace oauthreg

#endif
