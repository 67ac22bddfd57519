//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_DETAIL_STRICT_JSON_HPP
#define OAUTHREG_DETAIL_STRICT_JSON_HPP

#include <oauthreg/config.hpp>
#include <oauthreg/detail/member_names.hpp>

#include <boost/json/error.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_stack.hpp>

#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace oauthreg::detail {

/** Where a strict parse found two members with one name. */
struct duplicate_name {
    std::string name;      ///< the repeated member name
    std::string top_level; ///< the top-level member it sits under ("" at the top level)
};

/** What every boost::json::basic_parser handler of ours declares: no size
    limits of the parser's own (the profile's limits are enforced by the
    handlers, with better errors), and the event argument types. */
struct handler_base {
    static constexpr std::size_t max_object_size = std::size_t(-1);
    static constexpr std::size_t max_array_size = std::size_t(-1);
    static constexpr std::size_t max_key_size = std::size_t(-1);
    static constexpr std::size_t max_string_size = std::size_t(-1);

    using ec_t = boost::system::error_code;
    using sv_t = boost::json::string_view;
};

/** A basic_parser handler that builds a boost::json::value like the default
    parser, but refuses duplicate member names in any object (RFC 8259 4
    leaves them unpredictable; RFC 7515 5.2 requires rejecting them in JOSE). */
class strict_value_handler : public handler_base {
public:
    strict_value_handler() { st.reset(); }

    boost::json::value_stack st;
    std::optional<duplicate_name> duplicate;
    /** Members allowed in any one object; more stops the parse, which bounds
        the duplicate check's work (it compares each name with its object's). */
    std::size_t max_members = std::size_t(-1);
    bool too_many_members = false;

    bool on_document_begin(ec_t&) { return true; }
    bool on_document_end(ec_t&) { return true; }
    bool on_object_begin(ec_t&)
    {
        marks_.push_back(names_.open());
        return true;
    }
    bool on_object_end(std::size_t n, ec_t&)
    {
        close();
        st.push_object(n);
        return true;
    }
    bool on_array_begin(ec_t&)
    {
        marks_.push_back(names_.open());
        return true;
    }
    bool on_array_end(std::size_t n, ec_t&)
    {
        close();
        st.push_array(n);
        return true;
    }
    bool on_key_part(sv_t s, std::size_t, ec_t&)
    {
        key_.append(s.data(), s.size());
        st.push_chars(s);
        return true;
    }
    bool on_key(sv_t s, std::size_t, ec_t& ec)
    {
        key_.append(s.data(), s.size());
        if (names_.count(marks_.back()) >= max_members) {
            too_many_members = true;
            ec = boost::json::error::syntax;
            return false;
        }
        if (!names_.add(marks_.back(), key_)) {
            duplicate = duplicate_name{key_, marks_.size() == 1 ? std::string() : top_key_};
            ec = boost::json::error::syntax;
            return false;
        }
        if (marks_.size() == 1)
            top_key_ = key_;
        st.push_key(s);
        key_.clear();
        return true;
    }
    bool on_string_part(sv_t s, std::size_t, ec_t&)
    {
        st.push_chars(s);
        return true;
    }
    bool on_string(sv_t s, std::size_t, ec_t&)
    {
        st.push_string(s);
        return true;
    }
    bool on_number_part(sv_t, ec_t&) { return true; }
    bool on_int64(std::int64_t v, sv_t, ec_t&)
    {
        st.push_int64(v);
        return true;
    }
    bool on_uint64(std::uint64_t v, sv_t, ec_t&)
    {
        st.push_uint64(v);
        return true;
    }
    bool on_double(double v, sv_t, ec_t&)
    {
        st.push_double(v);
        return true;
    }
    bool on_bool(bool v, ec_t&)
    {
        st.push_bool(v);
        return true;
    }
    bool on_null(ec_t&)
    {
        st.push_null();
        return true;
    }
    bool on_comment_part(sv_t, ec_t&) { return true; }
    bool on_comment(sv_t, ec_t&) { return true; }

private:
    void close()
    {
        names_.close(marks_.back());
        marks_.pop_back();
    }

    member_names names_;
    std::vector<member_names::mark> marks_; ///< one per open object or array (an array's holds no names)
    std::string key_;
    std::string top_key_;
};

/** The outcome of a strict parse: a value, or why there is none. */
struct strict_parse_result {
    std::optional<boost::json::value> value;
    boost::system::error_code ec;
    std::optional<duplicate_name> duplicate;
    bool too_many_members = false; ///< an object had more than the max_members asked for
};

/** Parses exactly one JSON text, refusing duplicate member names and, when
    `max_members` is given, objects with more members than that (the body is
    in impl/strict_json.ipp, so that only it instantiates Boost.JSON's parser). */
OAUTHREG_DECL strict_parse_result parse_strict(std::string_view text, std::size_t max_depth = 32,
                                               std::size_t max_members = std::size_t(-1));

/** Whether `pred` holds for a scalar (a string, number, bool or null)
    anywhere in `v`, in document order; it stops at the first. */
template <class Pred> bool any_scalar(boost::json::value const& v, Pred const& pred)
{
    switch (v.kind()) {
    case boost::json::kind::array:
        for (auto const& e : v.get_array())
            if (any_scalar(e, pred))
                return true;
        return false;
    case boost::json::kind::object:
        for (auto const& kv : v.get_object())
            if (any_scalar(kv.value(), pred))
                return true;
        return false;
    default:
        return pred(v);
    }
}

/** Whether `v` holds a number beyond the range of a double anywhere (1e400
    parses as infinity). Boost.JSON writes such a number as `Infinity`, which
    is not JSON, so a value holding one must never be serialized. */
inline bool holds_non_finite(boost::json::value const& v) noexcept
{
    return any_scalar(v, [](boost::json::value const& s) { return s.is_double() && !std::isfinite(s.get_double()); });
}

/** Sets member `k` of `o` to `*v`, or leaves it out when `v` is empty: an
    absent optional member is never written as `null` (rendering and the
    stored record alike). */
template <class Optional> void put(boost::json::object& o, std::string_view k, Optional const& v)
{
    if (v)
        o[k] = *v;
}

/** Stored JSON text (a registered `jwks`) read back without throwing: its
    value, or nothing when the text is not JSON or holds a number that could
    not be written out again. */
inline std::optional<boost::json::value> parse_stored(std::string_view text)
{
    auto parsed = parse_strict(text, 1024);
    if (!parsed.value || holds_non_finite(*parsed.value))
        return std::nullopt;
    return std::move(parsed.value);
}

} // namespace oauthreg::detail

#ifndef OAUTHREG_SEPARATE_COMPILATION
#include <oauthreg/impl/strict_json.ipp>
#endif

#endif
