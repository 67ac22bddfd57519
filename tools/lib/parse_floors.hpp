// The parse floors validation is measured against, shared by `oauthreg bench`
// and the benchmarks in benchmarks/: Boost.JSON to a DOM, and Boost.JSON's
// streaming parser with a handler that accepts every event.
#ifndef OAUTHREG_TOOLS_PARSE_FLOORS_HPP
#define OAUTHREG_TOOLS_PARSE_FLOORS_HPP

#include <oauthreg/detail/strict_json.hpp>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parser.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace oauthreg::cli {

/** Parses each line to a Boost.JSON DOM, reusing one parser and a monotonic
    buffer per request, and hands `f` each value that parsed. */
template <class F> std::size_t for_each_dom(std::vector<std::string> const& lines, F&& f)
{
    boost::json::parser p;
    unsigned char buf[16 * 1024];
    std::size_t n = 0;
    for (auto const& l : lines) {
        boost::json::monotonic_resource mr(buf, sizeof buf);
        p.reset(&mr);
        boost::system::error_code ec;
        p.write(l.data(), l.size(), ec);
        if (!ec)
            n += f(p.release());
    }
    return n;
}

/** A boost::json::basic_parser handler that accepts every event and keeps
    nothing: the tokenizing and UTF-8 checking any streaming validator pays. */
struct null_handler : oauthreg::detail::handler_base {
    std::size_t events = 0;
    bool on_document_begin(ec_t&) { return true; }
    bool on_document_end(ec_t&) { return true; }
    bool on_object_begin(ec_t&) { return ++events, true; }
    bool on_object_end(std::size_t, ec_t&) { return true; }
    bool on_array_begin(ec_t&) { return ++events, true; }
    bool on_array_end(std::size_t, ec_t&) { return true; }
    bool on_key_part(sv_t, std::size_t, ec_t&) { return true; }
    bool on_key(sv_t, std::size_t, ec_t&) { return ++events, true; }
    bool on_string_part(sv_t, std::size_t, ec_t&) { return true; }
    bool on_string(sv_t, std::size_t, ec_t&) { return ++events, true; }
    bool on_number_part(sv_t, ec_t&) { return true; }
    bool on_int64(std::int64_t, sv_t, ec_t&) { return ++events, true; }
    bool on_uint64(std::uint64_t, sv_t, ec_t&) { return ++events, true; }
    bool on_double(double, sv_t, ec_t&) { return ++events, true; }
    bool on_bool(bool, ec_t&) { return ++events, true; }
    bool on_null(ec_t&) { return ++events, true; }
    bool on_comment_part(sv_t, ec_t&) { return true; }
    bool on_comment(sv_t, ec_t&) { return true; }
};

} // namespace oauthreg::cli

#endif
