// `oauthreg run [--store URI] [--profile NAME] [--registration-base-uri URI]
//               [--cimd [--cimd-allow-loopback] [--cimd-ca-file FILE] [--cimd-timeout-ms MS]]`

#include "commands.hpp"
#include "lib/cli_common.hpp"
#include "lib/https_fetch.hpp"
#include "lib/run_session.hpp"
#include "lib/store.hpp"

#include <oauthreg/client_check.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>

namespace oauthreg::cli {

/** run's --cimd options (docs/cli.md): documents resolve, fetched as serve fetches them. */
template <class Value> bool read_run_cimd_option(client_directory_options& dir, https_fetch_settings& fetch,
                                                 std::string_view a, Value& value)
{
    if (a == "--cimd")
        dir.metadata_documents = true;
    else if (a == "--cimd-allow-loopback")
        fetch.allow_loopback = true;
    else if (a == "--cimd-ca-file")
        fetch.ca_file = value();
    else if (a == "--cimd-timeout-ms")
        fetch.timeout = std::chrono::milliseconds(to_number(a, value(), 1, 60000));
    else
        return false;
    return true;
}

int cmd_run(int argc, char** argv)
{
    std::string store = "memory";
    std::optional<std::string> base_uri;
    client_directory_options dir_opts;
    https_fetch_settings fetch;
    auto opts = parse_common(argc, argv, 2, [&](std::string_view a, int&, auto& value) {
        if (a == "--store") {
            store = value();
            return true;
        }
        if (a == "--registration-base-uri") {
            base_uri = value();
            return true;
        }
        return read_run_cimd_option(dir_opts, fetch, a, value);
    });
    if (!opts.positional.empty())
        throw usage_error{"run takes no positional arguments"};
    if (!dir_opts.metadata_documents && (fetch.allow_loopback || fetch.ca_file))
        throw usage_error{"--cimd-allow-loopback and --cimd-ca-file need --cimd", false};
    registry_options ro;
    ro.profile = opts.prof;
    ro.registration_base_uri = base_uri;
    if (char const* pepper = std::getenv("OAUTHREG_SECRET_PEPPER"))
        ro.secret_pepper = pepper;
    std::optional<https_fetcher> fetcher;
    try {
        fetcher.emplace(fetch);
    } catch (std::exception const& e) {
        throw usage_error{std::string("--cimd-ca-file: ") + e.what(), false};
    }
    return with_store(store, std::move(ro), [&](auto& reg) {
        basic_client_directory<std::remove_reference_t<decltype(reg)>, https_fetcher> dir(reg, dir_opts, *fetcher);
        run_session(reg, std::cin, dir);
        return static_cast<int>(exit_ok);
    });
}

} // namespace oauthreg::cli
