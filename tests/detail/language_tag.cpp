// Tests of detail/language_tag.hpp: RFC 5646 2.1 Language-Tag, one row per
// production, with the examples of RFC 5646 Appendix A.
#include <oauthreg/detail/language_tag.hpp>

#include "../support/catch.hpp"

#include <string>

using oauthreg::detail::is_language_tag;

namespace {

struct tag_row {
    char const* section;
    std::string tag;
    bool well_formed;
};

} // namespace

TEST_CASE("RFC 5646 2.1: Language-Tag = langtag / privateuse / grandfathered", "[language_tag]")
{
    tag_row const rows[] = {
        // language = 2*3ALPHA ["-" extlang] / 4ALPHA / 5*8ALPHA
        {"RFC 5646 2.2.1", "de", true},
        {"RFC 5646 2.2.1", "haw", true},
        {"RFC 5646 2.2.1", "abcd", true},     // 4ALPHA, reserved
        {"RFC 5646 2.2.1", "abcdefgh", true}, // 5*8ALPHA, registered
        {"RFC 5646 2.2.1", "abcdefghi", false},
        {"RFC 5646 2.2.1", "f", false},
        {"RFC 5646 2.2.1", "123", false},
        {"RFC 5646 2.2.1", "e1", false},
        // extlang = 3ALPHA *2("-" 3ALPHA)
        {"RFC 5646 2.2.2", "zh-cmn-Hans-CN", true},
        {"RFC 5646 2.2.2", "zh-yue-HK", true},
        {"RFC 5646 2.2.2", "zh-abc-def-ghi", true},
        {"RFC 5646 2.2.2", "zh-abc-def-ghi-jkl", false}, // a fourth extlang
        {"RFC 5646 2.2.2", "abcd-abc", false},           // extlang only after a 2-3 letter language
        // script = 4ALPHA; region = 2ALPHA / 3DIGIT
        {"RFC 5646 2.2.3", "zh-Hant", true},
        {"RFC 5646 2.2.3", "sr-Latn-RS", true},
        {"RFC 5646 2.2.4", "es-419", true},
        {"RFC 5646 2.2.4", "de-DE", true},
        {"RFC 5646 2.2.4", "de-419-DE", false}, // two regions
        {"RFC 5646 2.2.4", "en-12", false},
        {"RFC 5646 2.2.4", "en-US-Latn", false}, // script after region
        // variant = 5*8alphanum / (DIGIT 3alphanum)
        {"RFC 5646 2.2.5", "sl-rozaj-biske", true},
        {"RFC 5646 2.2.5", "de-CH-1901", true},
        {"RFC 5646 2.2.5", "hy-Latn-IT-arevela", true},
        {"RFC 5646 2.2.5", "de-1a2b", true},
        {"RFC 5646 2.2.5", "de-a1b2", false}, // four characters must start with a digit
        {"RFC 5646 2.2.5", "en-abcdefghi", false},
        // extension = singleton 1*("-" (2*8alphanum))
        {"RFC 5646 2.2.6", "en-US-u-islamcal", true},
        {"RFC 5646 2.2.6", "en-a-myext-b-another", true},
        {"RFC 5646 2.2.6", "zh-CN-a-myext-x-private", true},
        {"RFC 5646 2.2.6", "en-a", false},   // a singleton needs a subtag
        {"RFC 5646 2.2.6", "en-a-b", false}, // ... of 2 to 8 characters
        {"RFC 5646 2.2.6", "en-a-abcdefghi", false},
        // well-formed (2.2.9) though not valid: a repeated singleton
        {"RFC 5646 2.2.9", "ar-a-aaa-b-bbb-a-ccc", true},
        // privateuse = "x" 1*("-" (1*8alphanum))
        {"RFC 5646 2.2.7", "x-klingon", true},
        {"RFC 5646 2.2.7", "X-Whatever-1", true},
        {"RFC 5646 2.2.7", "x-a", true},
        {"RFC 5646 2.2.7", "de-CH-x-phonebk", true},
        {"RFC 5646 2.2.7", "az-Arab-x-AZE-derbend", true},
        {"RFC 5646 2.2.7", "qaa-Qaaa-QM-x-southern", true},
        {"RFC 5646 2.2.7", "x", false},
        {"RFC 5646 2.2.7", "x-", false},
        {"RFC 5646 2.2.7", "en-x", false},
        {"RFC 5646 2.2.7", "x-abcdefghi", false},
        {"RFC 5646 2.2.7", "en-x0", false}, // not "x-0"
        // grandfathered = irregular / regular, the fixed list, any case
        {"RFC 5646 2.2.8", "i-klingon", true},
        {"RFC 5646 2.2.8", "I-KLINGON", true},
        {"RFC 5646 2.2.8", "i-enochian", true},
        {"RFC 5646 2.2.8", "i-default", true},
        {"RFC 5646 2.2.8", "en-GB-oed", true},
        {"RFC 5646 2.2.8", "sgn-CH-DE", true},
        {"RFC 5646 2.2.8", "art-lojban", true},
        {"RFC 5646 2.2.8", "cel-gaulish", true},
        {"RFC 5646 2.2.8", "zh-min-nan", true},
        {"RFC 5646 2.2.8", "no-bok", true},
        {"RFC 5646 2.2.8", "i-foo", false}, // "i-" only in the list
        {"RFC 5646 2.2.8", "en-GB-oeda", false},
        {"RFC 5646 2.2.8", "i-klingon-x", false},
        // the separators
        {"RFC 5646 2.1", "", false},
        {"RFC 5646 2.1", "-en", false},
        {"RFC 5646 2.1", "en-", false},
        {"RFC 5646 2.1", "en--US", false},
        {"RFC 5646 2.1", "en_US", false},
        {"RFC 5646 2.1", "en US", false},
        {"RFC 5646 2.1", "a-DE", false},
    };
    for (auto const& r : rows) {
        INFO(r.section << ": \"" << r.tag << "\"");
        CHECK(is_language_tag(r.tag) == r.well_formed);
    }
}

TEST_CASE("RFC 5646 4.4.1: a language tag has no upper length", "[language_tag]")
{
    std::string tag = "en-x";
    for (int i = 0; i < 20; ++i)
        tag += "-abcdefgh";
    CHECK(tag.size() > 64);
    CHECK(is_language_tag(tag));
}
