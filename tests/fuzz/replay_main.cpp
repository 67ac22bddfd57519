// Runs a fuzz target over files and directories of inputs without libFuzzer,
// so every build replays the seeds and the regression inputs of past findings.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size);

int main(int argc, char** argv)
{
    std::size_t runs = 0;
    bool lines = false; // after --lines, each line of a file is one input
    auto run_file = [&](std::filesystem::path const& p) {
        std::ifstream f(p, std::ios::binary);
        std::vector<char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        LLVMFuzzerTestOneInput(reinterpret_cast<std::uint8_t const*>(bytes.data()), bytes.size());
        ++runs;
    };
    auto run_lines = [&](std::filesystem::path const& p) {
        std::ifstream f(p, std::ios::binary);
        for (std::string l; std::getline(f, l); ++runs)
            LLVMFuzzerTestOneInput(reinterpret_cast<std::uint8_t const*>(l.data()), l.size());
    };
    for (int i = 1; i < argc; ++i) {
        if (std::string(argv[i]) == "--lines") {
            lines = true;
            continue;
        }
        std::filesystem::path p(argv[i]);
        if (lines) {
            run_lines(p);
            continue;
        }
        if (std::filesystem::is_directory(p)) {
            for (auto const& e : std::filesystem::recursive_directory_iterator(p))
                if (e.is_regular_file())
                    run_file(e.path());
        } else {
            run_file(p);
        }
    }
    std::printf("replayed %zu inputs\n%zu passed, 0 failed\n", runs, runs);
    return runs > 0 ? 0 : 1;
}
