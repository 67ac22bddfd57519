// libFuzzer target: `oauthreg run` operation lines against one in-memory
// registry that lives across inputs, so operations meet earlier state.
#include "../../tools/lib/run_session.hpp"

#include <oauthreg/testing/deterministic_rng.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>

using fuzz_registry = oauthreg::basic_registry<oauthreg::memory_storage_st,
                                               oauthreg::deterministic_rng_for_testing_only, oauthreg::manual_clock>;

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    // One registry across inputs, so operations meet earlier state; renewed
    // when it grows large, to keep a long run's memory bounded.
    static std::unique_ptr<fuzz_registry> reg;
    static std::unique_ptr<oauthreg::cli::session<fuzz_registry>> session;
    if (!reg || reg->storage().size() > 100000) {
        session.reset();
        reg = std::make_unique<fuzz_registry>();
        session = std::make_unique<oauthreg::cli::session<fuzz_registry>>(*reg);
    }
    std::string_view input(reinterpret_cast<char const*>(data), size);
    // each line is one operation, as `oauthreg run` reads them
    while (!input.empty()) {
        auto nl = input.find('\n');
        auto line = input.substr(0, nl);
        auto answer = session->answer(line);
        auto const* ok = answer.if_contains("ok");
        if (!ok || !ok->is_bool())
            std::abort();
        if (!ok->get_bool() && !answer.contains("error"))
            std::abort();
        // every answer is JSON (issue 14: a number out of range once came out as Infinity)
        boost::system::error_code ec;
        (void)boost::json::parse(boost::json::serialize(answer), ec);
        if (ec)
            std::abort();
        if (nl == std::string_view::npos)
            break;
        input.remove_prefix(nl + 1);
    }
    return 0;
}
