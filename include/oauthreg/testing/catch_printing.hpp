//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_TESTING_CATCH_PRINTING_HPP
#define OAUTHREG_TESTING_CATCH_PRINTING_HPP

// How Catch2 (v2.13 or v3) prints oauthreg's values, so that a failed
// `REQUIRE(r)` or `CHECK(e.kind() == error::client_not_found)` says what went
// wrong ("client_not_found (not_found): client-a: client not found") instead of
// "59 == 50", and so that a result can be printed at all. Include it in a test
// file before the checks that print these values; included before a call of
// the storage conformance suite, it makes the suite's failures print names too.

#if __has_include(<catch2/catch_all.hpp>)
#include <catch2/catch_all.hpp>
#else
#include <catch2/catch.hpp>
#endif

#include <oauthreg/error.hpp>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace oauthreg::testing {

namespace detail {
/** The name of enumerator `E`, read from the compiler's name of this
    function ("... [with oauthreg::error E = oauthreg::error::client_not_found; ...]"
    with g++, "... [E = oauthreg::error::client_not_found]" with clang). */
template <error E> constexpr std::string_view enumerator_name() noexcept
{
    std::string_view const f = __PRETTY_FUNCTION__;
    std::string_view const marker = "error::";
    auto const at = f.rfind(marker);
    if (at == std::string_view::npos)
        return {};
    auto const name = f.substr(at + marker.size());
    return name.substr(0, name.find_first_of(";]"));
}

template <std::size_t... I> constexpr auto enumerator_names(std::index_sequence<I...>) noexcept
{
    return std::array<std::string_view, sizeof...(I)>{enumerator_name<static_cast<error>(I + 1)>()...};
}

/** By value - 1, the name of every enumerator (they run from 1 to last_error). */
inline constexpr auto error_names =
    enumerator_names(std::make_index_sequence<static_cast<std::size_t>(oauthreg::detail::last_error)>());
} // namespace detail

/** The enumerator's name, as written in error.hpp.
    @param e an error
    @return "client_not_found", ...; "error 1234" for a value that is not an enumerator */
inline std::string name_of(error e)
{
    auto const i = static_cast<std::size_t>(e);
    if (i >= 1 && i <= detail::error_names.size())
        return std::string(detail::error_names[i - 1]);
    return "error " + std::to_string(static_cast<int>(e));
}

/** An error as a failed check shows it: the enumerator's name, the wire code
    and the description; for a code of another category (a custom store's
    own), its category and value instead of the name.
    @param e the error
    @return e.g. "client_not_found (not_found): client-a: client not found" */
inline std::string describe(error_info const& e)
{
    std::string out = e.code.category() == error_category()
                          ? name_of(e.kind())
                          : std::string(e.code.category().name()) + " error " + std::to_string(e.code.value());
    out += " (";
    out += e.rfc_code();
    out += ")";
    if (!e.description.empty()) {
        out += ": ";
        out += e.description;
    }
    return out;
}

} // namespace oauthreg::testing

namespace Catch {

/** Prints an oauthreg::error by its enumerator's name ("client_not_found"). */
template <> struct StringMaker<oauthreg::error> {
    /** @param e an error @return its name */
    static std::string convert(oauthreg::error e) { return oauthreg::testing::name_of(e); }
};

/** Prints an oauthreg::error_info: its name, wire code and description. */
template <> struct StringMaker<oauthreg::error_info> {
    /** @param e an error @return oauthreg::testing::describe(e) */
    static std::string convert(oauthreg::error_info const& e) { return oauthreg::testing::describe(e); }
};

/** Prints an oauthreg::result: "ok" (and the value, when Catch2 can print
    it), or "error: " and the error, so that a failed `REQUIRE(r)` names it. */
template <class T> struct StringMaker<oauthreg::result<T>> {
    /** @param r a result @return what it holds */
    static std::string convert(oauthreg::result<T> const& r)
    {
        if (!r)
            return "error: " + oauthreg::testing::describe(r.error());
        if constexpr (std::is_void_v<T>)
            return "ok";
        else
            return "ok: " + Catch::Detail::stringify(*r);
    }
};

} // namespace Catch

#endif
