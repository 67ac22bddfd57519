// How `oauthreg run` reads one line: bounded as it is read, checked as JSON
// without building it, then cut into its top-level members as sent, so the
// request reaches validation as the bytes the client wrote.
#ifndef OAUTHREG_TOOLS_LIB_RUN_LINE_HPP
#define OAUTHREG_TOOLS_LIB_RUN_LINE_HPP

#include <oauthreg/detail/member_names.hpp>
#include <oauthreg/detail/strict_json.hpp>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/error.hpp>

#include <cstddef>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace oauthreg::cli {

enum class line_status { line, too_long, end };

/** Reads one line (without its '\n') into `line`. A line longer than `max`
    bytes is read to its end and dropped as it goes (too_long), so a huge line
    costs no more memory than `max`. */
inline line_status read_line(std::istream& in, std::string& line, std::size_t max)
{
    line.clear();
    auto* sb = in.rdbuf();
    bool any = false, too_long = false;
    for (int c; (c = sb->sbumpc()) != std::char_traits<char>::eof();) {
        any = true;
        if (c == '\n')
            break;
        if (line.size() < max)
            line.push_back(static_cast<char>(c));
        else
            too_long = true;
    }
    if (!any)
        return line_status::end;
    return too_long ? line_status::too_long : line_status::line;
}

/** A basic_parser handler that builds nothing: it checks that the line is
    JSON, notes the first repeated top-level name, and remembers the top-level
    member it is in, so a depth error can be laid at the right member's door. */
class line_check_handler : public detail::handler_base {
public:
    std::size_t depth = 0;
    std::string member; ///< the top-level member being read (decoded)
    std::optional<std::string> duplicate;

    bool on_document_begin(ec_t&) { return true; }
    bool on_document_end(ec_t&) { return true; }
    bool on_object_begin(ec_t&) { return ++depth, true; }
    bool on_object_end(std::size_t, ec_t&) { return --depth, true; }
    bool on_array_begin(ec_t&) { return ++depth, true; }
    bool on_array_end(std::size_t, ec_t&) { return --depth, true; }
    bool on_key_part(sv_t s, std::size_t, ec_t&)
    {
        if (depth == 1)
            key_.append(s.data(), s.size());
        return true;
    }
    bool on_key(sv_t s, std::size_t, ec_t&)
    {
        if (depth != 1)
            return true;
        key_.append(s.data(), s.size());
        // A repeated name is remembered, and the line read on, so that a
        // readable correlation id can still be echoed with the error.
        if (!names_.add({}, key_) && !duplicate)
            duplicate = key_;
        member = std::move(key_);
        key_.clear();
        return true;
    }
    bool on_string_part(sv_t, std::size_t, ec_t&) { return true; }
    bool on_string(sv_t, std::size_t, ec_t&) { return true; }
    bool on_number_part(sv_t, ec_t&) { return true; }
    bool on_int64(std::int64_t, sv_t, ec_t&) { return true; }
    bool on_uint64(std::uint64_t, sv_t, ec_t&) { return true; }
    bool on_double(double, sv_t, ec_t&) { return true; }
    bool on_bool(bool, ec_t&) { return true; }
    bool on_null(ec_t&) { return true; }
    bool on_comment_part(sv_t, ec_t&) { return true; }
    bool on_comment(sv_t, ec_t&) { return true; }

private:
    std::string key_;
    detail::member_names names_; ///< the top-level names, the only object checked
};

/** One top-level member of a line: its decoded name and its value's bytes. */
struct line_member {
    std::string name;
    std::string_view value;
};

namespace scan {

inline std::size_t skip_ws(std::string_view s, std::size_t i)
{
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
        ++i;
    return i;
}

/** The index just past the string that starts at s[i] (a '"'). */
inline std::size_t skip_string(std::string_view s, std::size_t i)
{
    for (++i; i < s.size() && s[i] != '"'; ++i)
        if (s[i] == '\\')
            ++i;
    return i + 1;
}

/** The index just past the value that starts at s[i]. */
inline std::size_t skip_value(std::string_view s, std::size_t i)
{
    if (s[i] == '"')
        return skip_string(s, i);
    if (s[i] != '{' && s[i] != '[') { // a number, true, false or null
        auto const end = s.find_first_of(",}] \t\r\n", i);
        return end == std::string_view::npos ? s.size() : end;
    }
    std::size_t open = 0;
    do {
        if (s[i] == '"') {
            i = skip_string(s, i);
            continue;
        }
        if (s[i] == '{' || s[i] == '[')
            ++open;
        else if (s[i] == '}' || s[i] == ']')
            --open;
        ++i;
    } while (open > 0 && i < s.size());
    return i;
}

} // namespace scan

/** The top-level members of `line`, which must already have passed
    line_check_handler as one JSON object: Boost.JSON reports no byte offsets,
    so this walk over known-good JSON finds where each value starts and ends. */
inline std::vector<line_member> top_level_members(std::string_view line)
{
    std::vector<line_member> out;
    std::size_t i = scan::skip_ws(line, 0) + 1; // past '{'
    for (i = scan::skip_ws(line, i); i < line.size() && line[i] == '"';) {
        auto const key_end = scan::skip_string(line, i);
        auto key = line.substr(i + 1, key_end - i - 2);
        line_member m;
        if (key.find('\\') == std::string_view::npos) {
            m.name.assign(key);
        } else if (auto decoded = oauthreg::detail::parse_strict(line.substr(i, key_end - i));
                   decoded.value && decoded.value->is_string()) {
            m.name.assign(decoded.value->get_string());
        }
        auto const start = scan::skip_ws(line, scan::skip_ws(line, key_end) + 1); // past ':'
        auto const end = scan::skip_value(line, start);
        m.value = line.substr(start, end - start);
        out.push_back(std::move(m));
        i = scan::skip_ws(line, end);
        if (i < line.size() && line[i] == ',')
            i = scan::skip_ws(line, i + 1);
    }
    return out;
}

} // namespace oauthreg::cli

#endif
