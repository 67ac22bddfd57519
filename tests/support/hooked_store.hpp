// Test helper: a movable store over the in-memory one that can run a hook
// before its next write (to interleave another request at that point), answer
// chosen ids as undecodable rows, or fail as an unreachable database would.
#ifndef OAUTHREG_TESTS_SUPPORT_HOOKED_STORE_HPP
#define OAUTHREG_TESTS_SUPPORT_HOOKED_STORE_HPP

#include <oauthreg/storage/concept.hpp>
#include <oauthreg/storage/memory.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>

namespace oauthreg::test_support {

/** @tparam VersionedErase whether it offers erase(id, expected_version) */
template <bool VersionedErase> class hooked_store {
public:
    std::function<void()> before_write; ///< run once, before the next replace or erase
    std::set<std::string, std::less<>> unreadable; ///< ids whose row cannot be decoded
    bool unreachable = false;                      ///< every find fails as a lost database would
    bool erase_fails = false;                      ///< every erase fails as a lost database would

    result<void> insert(client_record rec) { return inner_->insert(std::move(rec)); }
    result<client_record> find(std::string_view id) const
    {
        if (unreachable)
            return make_error(error::storage_failure, "", "find");
        if (unreadable.contains(id))
            return unreadable_record_error("stored record is not a JSON object");
        return inner_->find(id);
    }
    template <class F> result<void> visit(std::string_view id, F&& f) const
    {
        auto rec = find(id);
        if (!rec)
            return rec.error();
        std::forward<F>(f)(std::as_const(*rec));
        return {};
    }
    result<void> replace(client_record rec, std::uint64_t expected_version)
    {
        fire();
        return inner_->replace(std::move(rec), expected_version);
    }
    result<void> erase(std::string_view id)
    {
        fire();
        if (erase_fails)
            return make_error(error::storage_failure, "", "erase");
        return inner_->erase(id);
    }
    result<void> erase(std::string_view id, std::uint64_t expected_version)
        requires VersionedErase
    {
        fire();
        return inner_->erase(id, expected_version);
    }
    result<list_page> list(owner_filter const& filter, std::size_t limit, std::string_view cursor) const
    {
        return inner_->list(filter, limit, cursor);
    }

private:
    void fire()
    {
        if (auto hook = std::exchange(before_write, nullptr))
            hook();
    }

    std::unique_ptr<memory_storage_mt> inner_ = std::make_unique<memory_storage_mt>();
};

static_assert(versioned_erase_storage<hooked_store<true>>);
static_assert(storage_policy<hooked_store<false>> && !versioned_erase_storage<hooked_store<false>>);

} // namespace oauthreg::test_support

#endif
