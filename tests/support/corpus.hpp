// Access to the benchmark corpus generated into the build tree.
#ifndef OAUTHREG_TESTS_CORPUS_HPP
#define OAUTHREG_TESTS_CORPUS_HPP
#include <fstream>
#include <string>
#include <vector>

namespace oauthreg::test {

struct corpus_entry {
    std::string body;
    std::string expect; // "valid" or an RFC 7591 error code
    std::string case_name;
};

inline std::string label_field(std::string const& line, std::string const& key)
{
    auto k = "\"" + key + "\": \"";
    auto p = line.find(k);
    if (p == std::string::npos)
        return {};
    p += k.size();
    return line.substr(p, line.find('"', p) - p);
}

inline std::vector<corpus_entry> load_corpus()
{
    std::ifstream bodies(OAUTHREG_CORPUS_DIR "/corpus.jsonl");
    std::ifstream labels(OAUTHREG_CORPUS_DIR "/corpus_labels.jsonl");
    std::vector<corpus_entry> out;
    std::string b, l;
    while (std::getline(bodies, b) && std::getline(labels, l))
        out.push_back({b, label_field(l, "expect"), label_field(l, "case")});
    return out;
}

} // namespace oauthreg::test
#endif
