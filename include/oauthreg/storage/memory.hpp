//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_STORAGE_MEMORY_HPP
#define OAUTHREG_STORAGE_MEMORY_HPP

#include <oauthreg/storage/concept.hpp>
#include <oauthreg/storage/cursor.hpp>

#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace oauthreg {

/** A mutex that does nothing, for single-threaded stores (spdlog's null_mutex). */
struct null_mutex {
    void lock() noexcept {}
    void unlock() noexcept {}
    bool try_lock() noexcept { return true; }
    void lock_shared() noexcept {}
    void unlock_shared() noexcept {}
    bool try_lock_shared() noexcept { return true; }
};

namespace detail {
struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
} // namespace detail

/** The in-memory store: a hash map by client_id, plus ordered indexes by
    organization, user and (organization, user) so a listing costs
    O(log n + page).

    Thread safety comes from `Mutex`: `std::shared_mutex` (readers in
    parallel) in @ref memory_storage_mt, @ref null_mutex in @ref memory_storage_st.
*/
template <class Mutex> class basic_memory_storage {
public:
    basic_memory_storage() = default;
    basic_memory_storage(basic_memory_storage const&) = delete;
    basic_memory_storage& operator=(basic_memory_storage const&) = delete;

    result<void> insert(client_record rec)
    {
        std::unique_lock lock(mutex_);
        auto [it, inserted] = by_id_.try_emplace(rec.client_id);
        if (!inserted)
            return make_error(error::client_exists, "client_id");
        it->second = std::move(rec);
        index(it->first, it->second.owner);
        return {};
    }

    result<client_record> find(std::string_view id) const
    {
        std::shared_lock lock(mutex_);
        auto it = by_id_.find(id);
        if (it == by_id_.end())
            return make_error(error::client_not_found, "client_id");
        return it->second;
    }

    template <class F> result<void> visit(std::string_view id, F&& f) const
    {
        std::shared_lock lock(mutex_);
        auto it = by_id_.find(id);
        if (it == by_id_.end())
            return make_error(error::client_not_found, "client_id");
        std::forward<F>(f)(std::as_const(it->second));
        return {};
    }

    result<void> replace(client_record rec, std::uint64_t expected_version)
    {
        std::unique_lock lock(mutex_);
        auto it = by_id_.find(std::string_view(rec.client_id));
        if (it == by_id_.end())
            return make_error(error::client_not_found, "client_id");
        if (it->second.version != expected_version)
            return make_error(error::version_conflict, "client_id");
        if (!(it->second.owner == rec.owner)) {
            unindex(it->first, it->second.owner);
            index(it->first, rec.owner);
        }
        it->second = std::move(rec);
        return {};
    }

    result<void> erase(std::string_view id)
    {
        std::unique_lock lock(mutex_);
        auto it = by_id_.find(id);
        if (it == by_id_.end())
            return make_error(error::client_not_found, "client_id");
        unindex(it->first, it->second.owner);
        by_id_.erase(it);
        return {};
    }

    result<list_page> list(owner_filter const& filter, std::size_t limit, std::string_view cursor) const
    {
        auto after = decode_cursor(cursor);
        if (!after)
            return after.error();
        std::shared_lock lock(mutex_);
        id_set const* ids = &all_;
        static id_set const empty;
        if (filter.org_id && filter.user_id) {
            auto it = by_owner_.find(std::pair<std::string, std::string>(*filter.org_id, *filter.user_id));
            ids = it == by_owner_.end() ? &empty : &it->second;
        } else if (filter.org_id) {
            auto it = by_org_.find(*filter.org_id);
            ids = it == by_org_.end() ? &empty : &it->second;
        } else if (filter.user_id) {
            auto it = by_user_.find(*filter.user_id);
            ids = it == by_user_.end() ? &empty : &it->second;
        }
        list_page page;
        auto it = after->empty() ? ids->begin() : ids->upper_bound(std::string_view(*after));
        for (; it != ids->end() && page.clients.size() < limit; ++it)
            page.clients.push_back(by_id_.find(*it)->second);
        if (it != ids->end() && !page.clients.empty()) {
            page.next_cursor = encode_cursor(page.clients.back().client_id);
        }
        return page;
    }

    /** Number of stored clients. */
    std::size_t size() const
    {
        std::shared_lock lock(mutex_);
        return by_id_.size();
    }

private:
    // Keys of by_id_ are stable (node-based map), so the indexes hold views of them.
    using id_set = std::set<std::string_view, std::less<>>;

    void index(std::string const& id, owner const& o)
    {
        all_.insert(id);
        if (!o.org_id.empty())
            by_org_[o.org_id].insert(id);
        if (!o.user_id.empty())
            by_user_[o.user_id].insert(id);
        if (!o.org_id.empty() && !o.user_id.empty())
            by_owner_[{o.org_id, o.user_id}].insert(id);
    }

    template <class Map, class Key> static void drop(Map& m, Key const& k, std::string_view id)
    {
        auto it = m.find(k);
        if (it == m.end())
            return;
        it->second.erase(id);
        if (it->second.empty())
            m.erase(it);
    }

    void unindex(std::string const& id, owner const& o)
    {
        all_.erase(std::string_view(id));
        if (!o.org_id.empty())
            drop(by_org_, o.org_id, id);
        if (!o.user_id.empty())
            drop(by_user_, o.user_id, id);
        if (!o.org_id.empty() && !o.user_id.empty())
            drop(by_owner_, std::pair<std::string, std::string>(o.org_id, o.user_id), id);
    }

    mutable Mutex mutex_;
    std::unordered_map<std::string, client_record, detail::string_hash, std::equal_to<>> by_id_;
    id_set all_;
    std::map<std::string, id_set, std::less<>> by_org_;
    std::map<std::string, id_set, std::less<>> by_user_;
    std::map<std::pair<std::string, std::string>, id_set> by_owner_;
};

/** The thread-safe in-memory store: the default. */
using memory_storage_mt = basic_memory_storage<std::shared_mutex>;
/** The single-threaded in-memory store: no locking at all. */
using memory_storage_st = basic_memory_storage<null_mutex>;
/** The default store. */
using memory_storage = memory_storage_mt;

static_assert(storage_policy<memory_storage_mt>);
static_assert(storage_policy<memory_storage_st>);

} // namespace oauthreg

#endif
