//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_OPTIONAL_STRING_HPP
#define OAUTHREG_OPTIONAL_STRING_HPP

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace oauthreg {

/** An optional client metadata string: absent, or a non-empty value.

    No RFC 7591 metadata string may be empty: each one names, identifies or
    locates something (a display name, a scope of at least one token, a URI, a
    JWK Set, a software statement), and validation refuses "". So the empty
    string is the absent state, and this type takes the 32 bytes of a
    `std::string` where `std::optional<std::string>` takes 40: a client record
    holds eleven of them. It reads like `std::optional<std::string>`:

    <!-- example: body; given: oauthreg::client_metadata md; void use(std::string const&); -->
    @code
    md.client_name = "Acme";          // present
    if (md.client_name) use(*md.client_name);
    md.client_name = std::nullopt;    // absent; so is md.client_name = ""
    @endcode

    Unlike `std::optional`, dereferencing an absent value is defined: it is the
    empty string.
*/
class optional_string {
public:
    optional_string() noexcept = default;       ///< absent
    optional_string(std::nullopt_t) noexcept {} ///< absent
    /** @param s the value; "" is absent */
    optional_string(std::string s) noexcept : s_(std::move(s)) {}
    /** @param s the value; "" is absent */
    optional_string(std::string_view s) : s_(s) {}
    /** @param s the value, a null-terminated string; "" is absent */
    optional_string(char const* s) : s_(s) {}
    /** @param s the value; nullopt and "" are absent */
    optional_string(std::optional<std::string> s) noexcept
    {
        if (s)
            s_ = std::move(*s);
    }

    /** Makes it absent. @return *this */
    optional_string& operator=(std::nullopt_t) noexcept
    {
        reset();
        return *this;
    }

    /** @return whether a value is present (non-empty) */
    bool has_value() const noexcept { return !s_.empty(); }
    /** @return has_value() */
    explicit operator bool() const noexcept { return has_value(); }

    /** @return the value; the empty string when absent */
    std::string const& operator*() const noexcept { return s_; }
    /** @return the value to change in place; leaving it empty makes it absent */
    std::string& operator*() noexcept { return s_; }
    /** @return the value's address; the empty string's when absent */
    std::string const* operator->() const noexcept { return &s_; }

    /** @return the value
        @throws std::bad_optional_access when absent */
    std::string const& value() const
    {
        if (!has_value())
            throw std::bad_optional_access();
        return s_;
    }

    /** @param fallback what to return when absent
        @return a copy of the value, or @p fallback */
    std::string value_or(std::string_view fallback) const { return has_value() ? s_ : std::string(fallback); }

    /** Sets the value (empty: absent).
        @param args what `std::string::assign` takes
        @return the value */
    template <class... Args> std::string& emplace(Args&&... args)
    {
        s_.assign(std::forward<Args>(args)...);
        return s_;
    }

    /** Sets the value (empty: absent): a new string, which for the fresh
        value validation sets is cheaper than `assign` into the old one.
        @param v the value
        @return the value */
    std::string& emplace(std::string_view v)
    {
        s_ = std::string(v);
        return s_;
    }

    /** Makes it absent and releases the storage. */
    void reset() noexcept { std::string().swap(s_); }

    /** @return a copy as `std::optional<std::string>`, for interfaces that take one */
    std::optional<std::string> to_optional() const
    {
        return has_value() ? std::optional<std::string>(s_) : std::nullopt;
    }

    friend bool operator==(optional_string const&, optional_string const&) = default; ///< both absent or equal
    /** @param a an optional_string @return whether @p a is absent */
    friend bool operator==(optional_string const& a, std::nullopt_t) noexcept { return !a.has_value(); }
    /** @name Comparison with a string
        @{ */
    /** A present value equal to `b`: an absent one equals no string, not even "".
        @param a an optional_string
        @param b a string
        @return whether @p a is present and equal to @p b */
    friend bool operator==(optional_string const& a, std::string_view b) noexcept { return a.has_value() && a.s_ == b; }
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
    std::string s_;
};

} // namespace oauthreg

#endif
