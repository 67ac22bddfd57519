// `oauthreg run [--store URI] [--profile NAME] [--registration-base-uri URI]`

#include "commands.hpp"
#include "lib/cli_common.hpp"
#include "lib/run_session.hpp"
#include "lib/store.hpp"

#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>

namespace oauthreg::cli {

int cmd_run(int argc, char** argv)
{
    std::string store = "memory";
    std::optional<std::string> base_uri;
    auto opts = parse_common(argc, argv, 2, [&](std::string_view a, int&, auto& value) {
        if (a == "--store") {
            store = value();
            return true;
        }
        if (a == "--registration-base-uri") {
            base_uri = value();
            return true;
        }
        return false;
    });
    if (!opts.positional.empty())
        throw usage_error{"run takes no positional arguments"};
    registry_options ro;
    ro.profile = opts.prof;
    ro.registration_base_uri = base_uri;
    if (char const* pepper = std::getenv("OAUTHREG_SECRET_PEPPER"))
        ro.secret_pepper = pepper;
    return with_store(store, std::move(ro), [](auto& reg) {
        run_session(reg, std::cin);
        return static_cast<int>(exit_ok);
    });
}

} // namespace oauthreg::cli
