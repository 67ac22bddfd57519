// Shared helpers of the oauthreg command-line tool.
#ifndef OAUTHREG_TOOLS_CLI_COMMON_HPP
#define OAUTHREG_TOOLS_CLI_COMMON_HPP

#include <oauthreg/error.hpp>
#include <oauthreg/profile.hpp>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace oauthreg::cli {

/** Exit codes of DESIGN.md: 0 valid/ok, 1 invalid input, 2 usage or I/O error. */
enum exit_code : int { exit_ok = 0, exit_invalid = 1, exit_usage = 2 };

struct usage_error {
    std::string message;
};

/** The RFC 7591 3.2.2 error response: {"error": ..., "error_description": ...}. */
inline boost::json::object error_object(error_info const& e)
{
    boost::json::object o;
    o["error"] = e.rfc_code();
    o["error_description"] = e.description;
    return o;
}

inline std::optional<std::string> read_all(std::istream& in)
{
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad())
        return std::nullopt;
    return std::move(ss).str();
}

inline std::optional<std::string> read_file(std::string const& path)
{
    std::ifstream f(path, std::ios::binary);
    if (!f)
        return std::nullopt;
    return read_all(f);
}

/** Options every subcommand shares. */
struct common_options {
    profile prof = profile::default_profile();
    std::vector<std::string> positional;
};

/** Parses `--profile NAME` and collects positional arguments; the caller
    handles its own flags first through `extra`, which returns true when it
    consumed argv[i] (and may advance i). */
template <class Extra> common_options parse_common(int argc, char** argv, int first, Extra extra)
{
    common_options o;
    for (int i = first; i < argc; ++i) {
        std::string_view a = argv[i];
        auto need_value = [&]() -> std::string {
            if (i + 1 >= argc)
                throw usage_error{std::string(a) + " needs a value"};
            return argv[++i];
        };
        if (a == "--profile") {
            auto name = need_value();
            auto p = profile::by_name(name);
            if (!p)
                throw usage_error{"unknown profile '" + name + "' (known: default, rfc7591)"};
            o.prof = std::move(*p);
        } else if (extra(a, i, need_value)) {
            continue;
        } else if (a.size() > 1 && a[0] == '-') {
            throw usage_error{"unknown option " + std::string(a)};
        } else {
            o.positional.emplace_back(a);
        }
    }
    return o;
}

inline void print_line(boost::json::object const& o)
{
    std::string s = boost::json::serialize(o);
    s += '\n';
    std::fwrite(s.data(), 1, s.size(), stdout);
    std::fflush(stdout);
}

} // namespace oauthreg::cli

#endif
