// The commands of the oauthreg tool, one translation unit each (cmd_*.cpp).
// Apart, each is optimized on its own: in one unit the server's Beast and
// Asio code used up g++'s inlining budget for the unit (--param
// inline-unit-growth), and the validation that `bench` measures ran 3 to 6%
// slower (benchmarks/README.md).
#ifndef OAUTHREG_TOOLS_COMMANDS_HPP
#define OAUTHREG_TOOLS_COMMANDS_HPP

namespace oauthreg::cli {

int cmd_validate(int argc, char** argv); ///< `oauthreg validate`: one request, a verdict
int cmd_run(int argc, char** argv);      ///< `oauthreg run`: JSON Lines operations on standard input
int cmd_serve(int argc, char** argv);    ///< `oauthreg serve`: the HTTP API
int cmd_bench(int argc, char** argv);    ///< `oauthreg bench`: throughput on a corpus
int cmd_reap(int argc, char** argv);     ///< `oauthreg reap`: delete idle clients

} // namespace oauthreg::cli

#endif
