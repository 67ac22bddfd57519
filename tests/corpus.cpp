// The benchmark corpus: every request gets its labelled verdict (RFC 7591 3.2.2).
#include <oauthreg/validate.hpp>

#include "support/catch.hpp"
#include "support/corpus.hpp"

TEST_CASE("the 10,000-request corpus gets its labelled verdicts", "[corpus]")
{
    auto corpus = oauthreg::test::load_corpus();
    REQUIRE(corpus.size() == 10000);
    std::size_t mismatches = 0, valid = 0;
    for (std::size_t i = 0; i < corpus.size(); ++i) {
        auto const& c = corpus[i];
        auto r = oauthreg::validate_request(c.body);
        std::string got = r ? "valid" : std::string(r.error().rfc_code());
        valid += r.has_value();
        if (got != c.expect) {
            ++mismatches;
            UNSCOPED_INFO("line " << i << " (" << c.case_name << "): expected " << c.expect << ", got " << got
                                  << (r ? "" : " - " + r.error().description));
        }
    }
    CHECK(mismatches == 0);
    CHECK(valid == 7500);
}
