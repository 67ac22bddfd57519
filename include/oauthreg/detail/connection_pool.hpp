//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_DETAIL_CONNECTION_POOL_HPP
#define OAUTHREG_DETAIL_CONNECTION_POOL_HPP

#include <oauthreg/storage/concept.hpp>
#include <oauthreg/storage/cursor.hpp>

#include <boost/locale/utf.hpp>

#include <condition_variable>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace oauthreg::detail {

/** A fixed set of connections handed out one per call. */
template <class Connection> class connection_pool {
public:
    explicit connection_pool(storage_log log = {}) : log_(std::move(log)) {}

    /** Where the stores of this pool send the database's own failure text. */
    storage_log const& log() const noexcept { return log_; }

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

    storage_log log_;
    std::mutex mutex_;
    std::condition_variable ready_;
    std::vector<std::unique_ptr<Connection>> idle_;
};

/** Whether `s` is well-formed UTF-8: no stray, truncated, overlong or
    surrogate sequence (RFC 3629 section 3), the text a UTF-8 database holds. */
inline bool valid_utf8(std::string_view s) noexcept
{
    using traits = boost::locale::utf::utf_traits<char>;
    for (auto p = s.begin(); p != s.end();) {
        auto c = traits::decode(p, s.end());
        if (c == boost::locale::utf::illegal || c == boost::locale::utf::incomplete)
            return false;
    }
    return true;
}

inline bool has_nul(std::string_view s) noexcept { return s.find('\0') != std::string_view::npos; }

/** The storage_failure a call returns: it names the operation only; the
    database's own text goes to `log` (a hook that throws is ignored). */
inline error_info storage_failed(storage_log const& log, std::string_view operation, std::string_view why)
{
    if (log && !why.empty()) {
        std::string line(operation);
        line += ": ";
        line += why;
        while (!line.empty() && (line.back() == '\n' || line.back() == ' '))
            line.pop_back();
        try {
            log(line);
        } catch (...) {
        }
    }
    return make_error(error::storage_failure, "", operation);
}

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

/** Whether a store's text columns can hold an id (see @ref valid_utf8). */
using holds_text = bool (*)(std::string_view) noexcept;

/** Where a listing starts. A cursor naming an id the store cannot hold is
    one it never issued; an owner it cannot hold owns nothing. */
inline result<page_start> start_page(owner_filter const& filter, std::size_t limit, std::string_view cursor,
                                     holds_text holds)
{
    auto after = decode_cursor(cursor);
    if (!after)
        return after.error();
    if (!holds(*after))
        return make_error(error::invalid_cursor, "cursor");
    auto which = limit == 0 ? owner_query::nothing : classify(filter);
    if ((filter.org_id && !holds(*filter.org_id)) || (filter.user_id && !holds(*filter.user_id)))
        which = owner_query::nothing;
    return page_start{std::move(*after), which};
}

/** The first id of `rec` the store cannot hold, as an error to return. */
inline std::optional<error_info> unholdable_id(client_record const& rec, holds_text holds)
{
    for (auto [field, value] : {std::pair<char const*, std::string_view>{"client_id", rec.client_id},
                                {"org_id", rec.owner.org_id},
                                {"user_id", rec.owner.user_id}})
        if (!holds(value))
            return make_error(error::invalid_identifier, field);
    return std::nullopt;
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
