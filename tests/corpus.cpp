// The benchmark corpus: every request gets its labelled verdict (RFC 7591 3.2.2),
// from validate_request and from check_request alike.
#include <oauthreg/validate.hpp>

#include "support/catch.hpp"
#include "support/corpus.hpp"

namespace {

/** Runs `judge` (a body to a result) on every corpus request and checks each
    verdict against its label: "valid" or the RFC 7591 3.2.2 code. */
template <class Judge> void check_labelled_verdicts(Judge judge)
{
    auto corpus = oauthreg::test::load_corpus();
    REQUIRE(corpus.size() == 10000);
    std::size_t mismatches = 0, valid = 0;
    for (std::size_t i = 0; i < corpus.size(); ++i) {
        auto const& c = corpus[i];
        auto r = judge(c.body);
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

} // namespace

TEST_CASE("the 10,000-request corpus gets its labelled verdicts", "[corpus]")
{
    check_labelled_verdicts([](std::string const& body) { return oauthreg::validate_request(body); });
}

TEST_CASE("check_request gives the 10,000-request corpus its labelled verdicts too", "[corpus][check_request]")
{
    check_labelled_verdicts([](std::string const& body) { return oauthreg::check_request(body); });
}
