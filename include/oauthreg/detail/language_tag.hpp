//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_DETAIL_LANGUAGE_TAG_HPP
#define OAUTHREG_DETAIL_LANGUAGE_TAG_HPP

#include <oauthreg/detail/text.hpp>

#include <cstddef>
#include <string_view>

namespace oauthreg::detail {

/** RFC 5646 2.1 `grandfathered`: the irregular and regular tags, a fixed list
    ("no additional tags will be added to it", RFC 5646 2.2.8). */
inline constexpr std::string_view grandfathered_language_tags[] = {
    // irregular
    "en-GB-oed", "i-ami", "i-bnn", "i-default", "i-enochian", "i-hak", "i-klingon", "i-lux", "i-mingo", "i-navajo",
    "i-pwn", "i-tao", "i-tay", "i-tsu", "sgn-BE-FR", "sgn-BE-NL", "sgn-CH-DE",
    // regular
    "art-lojban", "cel-gaulish", "no-bok", "no-nyn", "zh-guoyu", "zh-hakka", "zh-min", "zh-min-nan", "zh-xiang"};

/** The characters a subtag of RFC 5646 2.1 is made of. */
enum class subtag_chars { alpha, digit, alphanum };

/** The subtags of a tag, one at a time: the text between two '-'. */
class subtag_cursor {
public:
    explicit subtag_cursor(std::string_view tag) noexcept : rest_(tag) { advance(); }

    bool done() const noexcept { return done_; }

    /** Whether the current subtag is `min` to `max` characters of `k`. */
    bool is(std::size_t min, std::size_t max, subtag_chars k) const noexcept
    {
        if (done_ || cur_.size() < min || cur_.size() > max)
            return false;
        for (char c : cur_) {
            bool const alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
            bool const digit = c >= '0' && c <= '9';
            if (!(k == subtag_chars::alpha ? alpha : k == subtag_chars::digit ? digit : alpha || digit))
                return false;
        }
        return true;
    }

    /** Consumes the current subtag if it is one of those; says whether it was. */
    bool take(std::size_t min, std::size_t max, subtag_chars k) noexcept
    {
        if (!is(min, max, k))
            return false;
        advance();
        return true;
    }

    std::string_view current() const noexcept { return cur_; }

    void advance() noexcept
    {
        done_ = !more_;
        auto const dash = rest_.find('-');
        cur_ = rest_.substr(0, dash);
        more_ = dash != std::string_view::npos;
        rest_ = more_ ? rest_.substr(dash + 1) : std::string_view{};
    }

private:
    std::string_view rest_, cur_;
    bool more_ = true, done_ = false;
};

/** privateuse = "x" 1*("-" (1*8alphanum)), from the "x" on; the rest of the tag. */
inline bool take_privateuse(subtag_cursor& c) noexcept
{
    if (c.done() || !ascii_iequals(c.current(), "x"))
        return false;
    c.advance();
    if (!c.take(1, 8, subtag_chars::alphanum))
        return false;
    while (c.take(1, 8, subtag_chars::alphanum)) {
    }
    return c.done();
}

/** variant = 5*8alphanum / (DIGIT 3alphanum) */
inline bool take_variant(subtag_cursor& c) noexcept
{
    if (c.is(4, 4, subtag_chars::alphanum) && c.current()[0] >= '0' && c.current()[0] <= '9')
        return c.take(4, 4, subtag_chars::alphanum);
    return c.take(5, 8, subtag_chars::alphanum);
}

/** langtag = language ["-" script] ["-" region] *("-" variant) *("-" extension) ["-" privateuse]. */
inline bool take_langtag(subtag_cursor& c) noexcept
{
    using enum subtag_chars;
    // language = 2*3ALPHA ["-" extlang] / 4ALPHA / 5*8ALPHA; extlang = 3ALPHA *2("-" 3ALPHA)
    if (c.take(2, 3, alpha)) {
        for (int i = 0; i < 3 && c.take(3, 3, alpha); ++i) {
        }
    } else if (!c.take(4, 8, alpha)) {
        return false;
    }
    c.take(4, 4, alpha);      // script = 4ALPHA
    if (!c.take(2, 2, alpha)) // region = 2ALPHA / 3DIGIT
        c.take(3, 3, digit);
    while (take_variant(c)) {
    }
    // extension = singleton 1*("-" (2*8alphanum)); a singleton is any alphanum but "x"
    while (c.is(1, 1, alphanum) && !ascii_iequals(c.current(), "x")) {
        c.advance();
        if (!c.take(2, 8, alphanum))
            return false;
        while (c.take(2, 8, alphanum)) {
        }
    }
    return c.done() || take_privateuse(c);
}

/** RFC 5646 2.1: Language-Tag = langtag / privateuse / grandfathered, the
    ABNF exactly and case-insensitively (2.1.1). This is well-formedness (RFC
    5646 2.2.9): the subtag registry is not consulted, and neither are the
    validity rules beyond the ABNF (a repeated variant or singleton). */
inline bool is_language_tag(std::string_view tag) noexcept
{
    for (auto g : grandfathered_language_tags)
        if (ascii_iequals(tag, g))
            return true;
    subtag_cursor c(tag);
    if (ascii_iequals(c.current(), "x"))
        return take_privateuse(c);
    return take_langtag(c);
}

} // namespace oauthreg::detail

#endif
