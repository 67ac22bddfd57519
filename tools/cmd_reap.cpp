// `oauthreg reap --store URI --idle DAYS [--origin registration|api|any] [--dry-run]`
// (docs/open-registration.md): deletes clients neither used nor created in the
// last DAYS days, in bounded batches, each delete conditional on the client
// still being idle, so it is safe beside a live server on the same store.

#include "commands.hpp"
#include "lib/cli_common.hpp"
#include "lib/reaper.hpp"
#include "lib/store.hpp"

#include <optional>
#include <string>

namespace oauthreg::cli {

namespace {

/** `--origin`'s value: a client origin, or nullopt for `any`. */
std::optional<client_origin> origin_from(std::string const& v)
{
    if (v == "any")
        return std::nullopt;
    if (auto o = parse_client_origin(v))
        return o;
    throw usage_error{"--origin takes registration, api or any", false};
}

} // namespace

int cmd_reap(int argc, char** argv)
{
    std::string store;
    std::optional<long> days;
    std::optional<client_origin> origin = client_origin::registration;
    bool dry_run = false;
    auto opts = parse_common(argc, argv, 2, [&](std::string_view a, int&, auto& value) {
        if (a == "--store")
            store = value();
        else if (a == "--idle")
            days = to_number(a, value(), 0, 36600);
        else if (a == "--origin")
            origin = origin_from(value());
        else if (a == "--dry-run")
            dry_run = true;
        else
            return false;
        return true;
    });
    if (!opts.positional.empty())
        throw usage_error{"reap takes no positional arguments"};
    if (store.empty() || !days)
        throw usage_error{"reap needs --store URI and --idle DAYS"};
    return with_store(store, registry_options{}, [&](auto& reg) {
        if constexpr (!requires { reg.reap(origin, unix_seconds{}, dry_run); }) {
            throw usage_error{"this store cannot reap", false};
            return static_cast<int>(exit_usage);
        } else {
            auto n = reg.reap(origin, idle_cutoff(system_clock{}.now(), *days), dry_run);
            if (!n) {
                std::cerr << "oauthreg: reap: " << detail::printable(n.error().description, 512) << "\n";
                return static_cast<int>(exit_usage);
            }
            print_line(boost::json::object{{dry_run ? "would_delete" : "deleted", *n}});
            return static_cast<int>(exit_ok);
        }
    });
}

} // namespace oauthreg::cli
