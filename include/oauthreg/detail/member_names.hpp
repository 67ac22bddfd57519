//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_DETAIL_MEMBER_NAMES_HPP
#define OAUTHREG_DETAIL_MEMBER_NAMES_HPP

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace oauthreg::detail {

/** The member names of the open objects of one JSON text, for the duplicate
    check of every parser of ours (RFC 8259 4 leaves repeated names
    unpredictable; docs/profile.md: no duplicate member names). A name is
    compared only with the names of its own object. The names sit in one
    string, so once warm a check allocates nothing.

    An object's names start at the mark taken when it opened: `open()` on
    its first event, `add(mark, name)` for each name, `close(mark)` at its end.
*/
class member_names {
public:
    /** Where an object's names begin. The default mark is the first object's. */
    struct mark {
        std::size_t first = 0; ///< its first name's index
        std::size_t bytes = 0; ///< the names' size when it opened
    };

    /** @return the mark of an object opening now */
    mark open() const noexcept { return {spans_.size(), names_.size()}; }

    /** Forgets the names of the object opened at `m` (and of any inside it). */
    void close(mark m)
    {
        spans_.resize(m.first);
        names_.resize(m.bytes);
    }

    /** Forgets every name, keeping the memory. */
    void clear() noexcept
    {
        spans_.clear();
        names_.clear();
    }

    /** @return how many names the object opened at `m` has */
    std::size_t count(mark m) const noexcept { return spans_.size() - m.first; }

    /** Adds `name` to the object opened at `m` unless that object has it.
        @param compared counts the names compared with it that differ
        @return whether the name was new */
    bool add(mark m, std::string_view name, std::size_t& compared)
    {
        for (auto i = m.first; i < spans_.size(); ++i, ++compared)
            if (std::string_view(names_).substr(spans_[i].first, spans_[i].second) == name)
                return false;
        spans_.emplace_back(names_.size(), name.size());
        names_ += name;
        return true;
    }

    /** As above, counting nothing. */
    bool add(mark m, std::string_view name)
    {
        std::size_t compared = 0;
        return add(m, name, compared);
    }

private:
    std::string names_;                                      ///< the names, one after the other
    std::vector<std::pair<std::size_t, std::size_t>> spans_; ///< (offset, size) of each in names_
};

} // namespace oauthreg::detail

#endif
