// Shared helpers of the oauthreg command-line tool.
#ifndef OAUTHREG_TOOLS_LIB_CLI_COMMON_HPP
#define OAUTHREG_TOOLS_LIB_CLI_COMMON_HPP

#include <oauthreg/detail/http_query.hpp>
#include <oauthreg/detail/strict_json.hpp>
#include <oauthreg/error.hpp>
#include <oauthreg/profile.hpp>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace oauthreg::cli {

/** Exit codes of docs/cli.md: 0 valid/ok, 1 invalid input, 2 usage or I/O error. */
enum exit_code : int { exit_ok = 0, exit_invalid = 1, exit_usage = 2 };

struct usage_error {
    std::string message;
    bool show_usage = true; ///< false for a bad value or file: the message alone says it
};

/** Reads `f` to its end, or its first `max` bytes; nothing on a read error
    (a directory, an unreadable device): an I/O error, not an empty input. */
inline std::optional<std::string> read_stream(std::FILE* f, std::size_t max = std::size_t(-1))
{
    std::string out;
    char buf[65536];
    while (out.size() < max) {
        auto n = std::fread(buf, 1, std::min(sizeof buf, max - out.size()), f);
        out.append(buf, n);
        if (n == 0)
            break;
    }
    if (std::ferror(f))
        return std::nullopt;
    return out;
}

inline std::optional<std::string> read_file(std::string const& path, std::size_t max = std::size_t(-1))
{
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!f)
        return std::nullopt;
    return read_stream(f.get(), max);
}

/** A configuration file holding one JSON object (no repeated names, at most
    `depth` deep); a usage error naming the file otherwise. */
inline boost::json::value read_json_object_file(std::string const& path, std::size_t depth)
{
    auto text = read_file(path);
    if (!text)
        throw usage_error{"cannot read " + path, false};
    auto doc = detail::parse_strict(*text, depth);
    if (!doc.value || !doc.value->is_object())
        throw usage_error{path + ": not a JSON object (duplicate names are refused too)", false};
    return std::move(*doc.value);
}

/** Reads `{"issuers": [{"iss": ..., "jwks": {"keys": [...]}, "required_claims": [...]}],
    "clock_skew": 60}` (docs/cli.md: whose software statements are trusted). */
inline software_statement_rules load_trusted_issuers(std::string const& path)
{
    auto const doc = read_json_object_file(path, 16);
    auto const& root = doc.as_object();
    auto bad = [&](std::string const& why) { return usage_error{path + ": " + why, false}; };
    software_statement_rules rules;
    if (auto const* skew = root.if_contains("clock_skew")) {
        if (!skew->is_int64() || skew->get_int64() < 0)
            throw bad("\"clock_skew\" must be a non-negative integer (seconds)");
        rules.clock_skew = skew->get_int64();
    }
    auto const* issuers = root.if_contains("issuers");
    if (!issuers || !issuers->is_array())
        throw bad("no \"issuers\" array");
    for (auto const& item : issuers->get_array()) {
        auto const* obj = item.if_object();
        if (!obj)
            throw bad("an issuer is not an object");
        auto const* iss = obj->if_contains("iss");
        auto const* jwks = obj->if_contains("jwks");
        if (!iss || !iss->is_string() || iss->get_string().empty())
            throw bad("an issuer has no \"iss\" string");
        if (!jwks || !jwks->is_object() || !jwks->as_object().contains("keys") ||
            !jwks->as_object().at("keys").is_array())
            throw bad("issuer " + std::string(iss->get_string()) + " has no \"jwks\" with a \"keys\" array");
        trusted_issuer t;
        t.iss = std::string(iss->get_string());
        t.jwks = boost::json::serialize(*jwks);
        if (auto const* req = obj->if_contains("required_claims")) {
            if (!req->is_array())
                throw bad("\"required_claims\" must be an array of strings");
            for (auto const& c : req->get_array()) {
                if (!c.is_string())
                    throw bad("\"required_claims\" must be an array of strings");
                t.required_claims.emplace_back(c.get_string());
            }
        }
        rules.trusted_issuers.push_back(std::move(t));
    }
    return rules;
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
            auto statements = std::move(o.prof.software_statements); // --trusted-issuers may come first
            o.prof = std::move(*p);
            o.prof.software_statements = std::move(statements);
        } else if (a == "--trusted-issuers") {
            o.prof.software_statements = load_trusted_issuers(need_value());
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

/** Writes `line` and a newline to standard error with one write(2), so lines
    from several threads never interleave. */
/** A flag's integer value in [lo, hi]; a usage error naming the flag otherwise. */
inline long to_number(std::string_view flag, std::string const& v, long lo, long hi)
{
    auto n = detail::parse_bounded(v, static_cast<std::size_t>(lo), static_cast<std::size_t>(hi));
    if (!n)
        throw usage_error{std::string(flag) + " takes an integer from " + std::to_string(lo) + " to " + std::to_string(hi),
                          false};
    return static_cast<long>(*n);
}

inline void write_stderr_line(std::string line)
{
    line += '\n';
    ssize_t const n = ::write(2, line.data(), line.size());
    (void)n;
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
