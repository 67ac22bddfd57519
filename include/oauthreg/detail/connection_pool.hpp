//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_DETAIL_CONNECTION_POOL_HPP
#define OAUTHREG_DETAIL_CONNECTION_POOL_HPP

#include <oauthreg/storage/concept.hpp>
#include <oauthreg/storage/cursor.hpp>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace oauthreg::detail {

/** A fixed set of connections handed out one per call. */
template <class Connection> class connection_pool {
public:
    class lease {
    public:
        lease(connection_pool& p, std::unique_ptr<Connection> c) noexcept : pool_(&p), conn_(std::move(c)) {}
        lease(lease&& o) noexcept = default;
        lease& operator=(lease&&) = delete;
        ~lease()
        {
            if (conn_)
                pool_->give_back(std::move(conn_));
        }
        Connection* operator->() const noexcept { return conn_.get(); }
        Connection& operator*() const noexcept { return *conn_; }

    private:
        connection_pool* pool_;
        std::unique_ptr<Connection> conn_;
    };

    void add(std::unique_ptr<Connection> c) { idle_.push_back(std::move(c)); }

    lease take()
    {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [&] { return !idle_.empty(); });
        auto c = std::move(idle_.back());
        idle_.pop_back();
        return lease(*this, std::move(c));
    }

private:
    void give_back(std::unique_ptr<Connection> c)
    {
        {
            std::lock_guard lock(mutex_);
            idle_.push_back(std::move(c));
        }
        ready_.notify_one();
    }

    std::mutex mutex_;
    std::condition_variable ready_;
    std::vector<std::unique_ptr<Connection>> idle_;
};

/** What the owner filter selects, for stores that keep no row for "no owner". */
enum class owner_query : std::uint8_t { all, org, user, both, nothing };

inline owner_query classify(owner_filter const& f) noexcept
{
    // An empty id means "none" in a record, so it selects nothing, as in memory_storage.
    if ((f.org_id && f.org_id->empty()) || (f.user_id && f.user_id->empty()))
        return owner_query::nothing;
    if (f.org_id && f.user_id)
        return owner_query::both;
    if (f.org_id)
        return owner_query::org;
    if (f.user_id)
        return owner_query::user;
    return owner_query::all;
}

/** Where a listing starts: the client_id to seek after and which owner
    columns to match; `which == nothing` for a page that must be empty. */
struct page_start {
    std::string after;
    owner_query which;
};

inline result<page_start> start_page(owner_filter const& filter, std::size_t limit, std::string_view cursor)
{
    auto after = decode_cursor(cursor);
    if (!after)
        return after.error();
    auto which = limit == 0 ? owner_query::nothing : classify(filter);
    return page_start{std::move(*after), which};
}

/** `visit` for stores that decode a copy: `f` sees a record nothing can change. */
template <class Store, class F> result<void> visit_copy(Store const& store, std::string_view id, F&& f)
{
    auto rec = store.find(id);
    if (!rec)
        return rec.error();
    std::forward<F>(f)(std::as_const(*rec));
    return {};
}

} // namespace oauthreg::detail

#endif
