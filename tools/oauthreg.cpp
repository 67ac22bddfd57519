// The oauthreg command-line tool: drives the engine end to end (docs/cli.md).
#include "commands.hpp"
#include "lib/cli_common.hpp"

#include <oauthreg/version.hpp>

#include <exception>
#include <iostream>
#include <string_view>

namespace {

constexpr char const* usage_text =
    "usage:\n"
    "  oauthreg validate [--profile NAME] [--trusted-issuers FILE] [FILE]\n"
    "      validate one registration request (FILE or standard input)\n"
    "  oauthreg run [--store URI] [--profile NAME] [--trusted-issuers FILE] [--registration-base-uri URI]\n"
    "      answer JSON Lines operations on standard input (register, get, authenticate,\n"
    "      update, delete, list, rotate_secret, match_redirect_uri; create, patch, page: the\n"
    "      oauth_client record API)\n"
    "      stores: memory (default), sqlite:PATH, postgres:CONNINFO (libpq conninfo or URI)\n"
    "      (the secret pepper, if any, comes from OAUTHREG_SECRET_PEPPER)\n"
    "  oauthreg serve [--listen HOST:PORT] [--store URI] [--api-keys FILE] [--public-url URL]\n"
    "                 [--threads N] [--profile NAME] [--trusted-issuers FILE] [more: serve --help]\n"
    "      serve the registration API over HTTP/1.1 (docs/http.md); prints\n"
    "      {\"listening\": URL} when ready, one access-log line per request on standard error\n"
    "  oauthreg bench --corpus FILE [--passes N] [--threads T] [--profile NAME] [--store URI]\n"
    "      throughput on a corpus (one request per line): one JSON object, medians of N passes\n"
    "  oauthreg reap --store URI --idle DAYS [--origin registration|api|any] [--dry-run]\n"
    "      delete clients of that origin (default registration) neither used nor created in the\n"
    "      last DAYS days (0: all); prints {\"deleted\": N} ({\"would_delete\": N}); safe beside serve\n"
    "  oauthreg --version\n"
    "\n"
    "profiles: default (the reference API), rfc7591 (every RFC 7591 grant type and auth method)\n"
    "validate, run and serve take --trusted-issuers FILE: {\"issuers\": [{\"iss\": ..., \"jwks\": {\"keys\": [...]}}]}\n"
    "exit codes: 0 valid, 1 invalid request, 2 usage or I/O error\n";

} // namespace

int main(int argc, char** argv)
{
    using namespace oauthreg::cli;
    if (argc < 2) {
        std::cerr << usage_text;
        return exit_usage;
    }
    std::string_view cmd = argv[1];
    try {
        if (cmd == "validate")
            return cmd_validate(argc, argv);
        if (cmd == "run")
            return cmd_run(argc, argv);
        if (cmd == "serve")
            return cmd_serve(argc, argv);
        if (cmd == "bench")
            return cmd_bench(argc, argv);
        if (cmd == "reap")
            return cmd_reap(argc, argv);
        if (cmd == "--version") {
            std::cout << "oauthreg " OAUTHREG_VERSION_STRING "\n";
            return exit_ok;
        }
        if (cmd == "--help" || cmd == "-h" || cmd == "help") {
            std::cout << usage_text;
            return exit_ok;
        }
        std::cerr << "oauthreg: unknown command '" << cmd << "'\n" << usage_text;
        return exit_usage;
    } catch (usage_error const& e) {
        std::cerr << "oauthreg: " << e.message << "\n";
        if (e.show_usage) // usage is for usage errors: not for a bad value or file (docs/cli.md)
            std::cerr << usage_text;
        return exit_usage;
    } catch (std::exception const& e) {
        std::cerr << "oauthreg: " << e.what() << "\n";
        return exit_usage;
    }
}
