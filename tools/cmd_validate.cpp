// `oauthreg validate [--profile NAME] [FILE]`

#include "commands.hpp"
#include "lib/cli_common.hpp"

#include <oauthreg/render.hpp>
#include <oauthreg/validate.hpp>

#include <cerrno>
#include <cstring>

namespace oauthreg::cli {

int cmd_validate(int argc, char** argv)
{
    auto opts = parse_common(argc, argv, 2, [](std::string_view, int&, auto&) { return false; });
    if (opts.positional.size() > 1)
        throw usage_error{"validate takes at most one FILE"};
    // One byte past the body limit is enough to know the body is too large.
    auto const max = opts.prof.limits.max_body_bytes + 1;
    std::optional<std::string> body;
    if (opts.positional.empty() || opts.positional[0] == "-") {
        body = read_stream(stdin, max);
        if (!body) {
            std::cerr << "oauthreg: cannot read standard input: " << std::strerror(errno) << "\n";
            return exit_usage;
        }
    } else {
        body = read_file(opts.positional[0], max);
        if (!body) {
            std::cerr << "oauthreg: cannot read " << opts.positional[0] << ": " << std::strerror(errno) << "\n";
            return exit_usage;
        }
    }
    auto md = validate_request(*body, opts.prof);
    if (!md) {
        print_line(error_response(md.error()));
        return exit_invalid;
    }
    print_line(to_json(*md));
    return exit_ok;
}

} // namespace oauthreg::cli
