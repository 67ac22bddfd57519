//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_STORAGE_MEMORY_HPP
#define OAUTHREG_STORAGE_MEMORY_HPP

#include <oauthreg/client_page.hpp>
#include <oauthreg/detail/huge_pages.hpp>
#include <oauthreg/storage/assertion_replay.hpp>
#include <oauthreg/storage/concept.hpp>
#include <oauthreg/storage/cursor.hpp>
#include <oauthreg/storage/lifecycle.hpp>

#include <boost/intrusive/set.hpp>
#include <boost/pool/pool.hpp>
#include <boost/unordered/unordered_flat_map.hpp>
#include <boost/unordered/unordered_flat_set.hpp>

#include <cstdint>
#include <algorithm>
#include <array>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace oauthreg {

/** A mutex that does nothing, for single-threaded stores (spdlog's null_mutex). */
struct null_mutex {
    void lock() noexcept {}   ///< does nothing
    void unlock() noexcept {} ///< does nothing
    /** @return true */
    bool try_lock() noexcept { return true; }
    void lock_shared() noexcept {}   ///< does nothing
    void unlock_shared() noexcept {} ///< does nothing
    /** @return true */
    bool try_lock_shared() noexcept { return true; }
};

namespace detail {

/** One stored client: its record, linked into the store's five ordered
    indexes by hooks inside it (no allocation per index entry). The client_id
    is also kept inline, at the entry's start, when it fits (a UUID does): the
    table compares it there, on the line the record begins on, instead of
    following the string to another page. */
struct memory_entry {
    using hook = boost::intrusive::set_member_hook<boost::intrusive::link_mode<boost::intrusive::safe_link>,
                                                   boost::intrusive::optimize_size<true>>;
    static constexpr std::size_t inline_id_capacity = 40;

    explicit memory_entry(client_record r) noexcept : rec(std::move(r))
    {
        if (rec.client_id.size() <= inline_id_capacity)
            std::char_traits<char>::copy(id_chars, rec.client_id.data(), rec.client_id.size());
    }

    /** The id: its inline copy when it fits (the string's size, read to tell,
        is on the same line), else the record's string. */
    std::string_view id() const noexcept
    {
        auto const n = rec.client_id.size();
        return n <= inline_id_capacity ? std::string_view(id_chars, n) : std::string_view(rec.client_id);
    }

    char id_chars[inline_id_capacity];
    client_record rec;
    hook by_id, by_org, by_user, by_owner, by_name, by_type;
};

/** Hash and equality of the primary table: an entry is known by its
    client_id, and a bare client_id finds it (heterogeneous lookup). */
struct memory_entry_id {
    using is_transparent = void;
    static std::string_view id(std::string_view s) noexcept { return s; }
    static std::string_view id(memory_entry const* e) noexcept { return e->id(); }
    template <class K> std::size_t operator()(K const& k) const noexcept
    {
        return std::hash<std::string_view>{}(id(k));
    }
    template <class A, class B> bool operator()(A const& a, B const& b) const noexcept { return id(a) == id(b); }
};

// The orders of the listings: client_id within an organization, a user, or both
// (keyset pagination needs exactly these orders, RFC 7592 has no listing of its own).
struct order_by_id {
    static auto key(memory_entry const& e) noexcept { return std::string_view(e.rec.client_id); }
};
struct order_by_org {
    static auto key(memory_entry const& e) noexcept
    {
        return std::pair<std::string_view, std::string_view>(e.rec.owner.org_id, e.rec.client_id);
    }
};
struct order_by_user {
    static auto key(memory_entry const& e) noexcept
    {
        return std::pair<std::string_view, std::string_view>(e.rec.owner.user_id, e.rec.client_id);
    }
};
struct order_by_owner {
    static auto key(memory_entry const& e) noexcept
    {
        return std::tuple<std::string_view, std::string_view, std::string_view>(e.rec.owner.org_id, e.rec.owner.user_id,
                                                                                e.rec.client_id);
    }
};

// A name within an organization: an exact filter[name] is a range of it, in client_id order.
struct order_by_org_name {
    static auto key(memory_entry const& e) noexcept
    {
        return std::tuple<std::string_view, std::string_view, std::string_view>(
            e.rec.owner.org_id, std::string_view(*e.rec.metadata.client_name), e.rec.client_id);
    }
};

// A type within an organization: an exact filter[client_type] is a range of it, in client_id order.
struct order_by_org_type {
    static auto key(memory_entry const& e) noexcept
    {
        return std::tuple<std::string_view, client_type, std::string_view>(e.rec.owner.org_id, e.rec.type(),
                                                                           e.rec.client_id);
    }
};

/** An organization's clients, and of each client_type (named organizations
    only, as the type index holds), kept for quotas and for the totals of pages. */
struct org_tally {
    std::size_t clients = 0;
    std::array<std::size_t, 2> of_type{}; ///< by client_type's value
};

/** Compares entries, or an entry and a key of the same order. */
template <class Order> struct entry_less {
    template <class K> static K const& key(K const& k) noexcept { return k; }
    static auto key(memory_entry const& e) noexcept { return Order::key(e); }
    template <class A, class B> bool operator()(A const& a, B const& b) const noexcept { return key(a) < key(b); }
};

/** The key upper_bound is given, with past_group, to find a group's end. */
struct group_end {};

/** Orders each entry of an index before or after the end of a group (the
    entries from `from` on while `in_group` holds): an entry at or past
    `from` and not in the group is after it. */
template <class Less, class Key, class InGroup> struct past_group {
    Key const& from;
    InGroup const& in_group;
    bool after(memory_entry const& e) const { return !Less{}(e, from) && !in_group(e); }
    bool operator()(group_end, memory_entry const& e) const { return after(e); }
    bool operator()(memory_entry const& e, group_end) const { return !after(e); }
};

template <class Order, memory_entry::hook memory_entry::*Hook>
using entry_index =
    boost::intrusive::set<memory_entry, boost::intrusive::member_hook<memory_entry, memory_entry::hook, Hook>,
                          boost::intrusive::compare<entry_less<Order>>>;

// The store's allocators. OAUTHREG_HUGE_PAGES (off by default; define it alike
// in every translation unit) maps its pool blocks and large table arrays as
// aligned transparent huge pages (detail/huge_pages.hpp). Measured alone (same
// block sizes, 5 + 5 interleaved runs): lookup at 10^6 clients 46.0 against
// 49.8 ns, authenticate and 10^3 clients within noise (benchmarks/README.md,
// "Huge pages alone").
#if defined(OAUTHREG_HUGE_PAGES)
using memory_pool_allocator = huge_page_user_allocator;
template <class T> using memory_table_allocator = huge_page_allocator<T>;
#else
using memory_pool_allocator = boost::default_user_allocator_new_delete;
template <class T> using memory_table_allocator = std::allocator<T>;
#endif

} // namespace detail

/** The in-memory store: an open-addressing table by client_id
    (Boost.Unordered's flat set, one pointer per slot) and six ordered indexes
    (all, organization, user, organization and user, organization and name,
    organization and type) intrusive in each entry, so a listing costs
    O(log n + page). Entries are carved from a pool
    (Boost.Pool) of blocks growing from 32 entries to what fits one 2 MiB page:
    no malloc header per entry. With `OAUTHREG_HUGE_PAGES` defined (off by
    default) those blocks, like the table's large arrays, are mapped as whole
    transparent huge pages (detail/huge_pages.hpp). Memory of erased clients is
    reused by later ones and returned when the store is destroyed.

    Thread safety comes from `Mutex`: `std::shared_mutex` (readers in
    parallel) in `memory_storage_mt`, @ref null_mutex in `memory_storage_st`.
*/
template <class Mutex> class basic_memory_storage {
public:
    basic_memory_storage() = default;
    basic_memory_storage(basic_memory_storage const&) = delete;
    basic_memory_storage& operator=(basic_memory_storage const&) = delete;
    /** Takes over the clients (the entries stay where they are). A moved-from
        store may only be destroyed or assigned to. */
    basic_memory_storage(basic_memory_storage&&) noexcept = default;
    /** Drops this store's clients and takes over `other`'s. @return *this */
    basic_memory_storage& operator=(basic_memory_storage&&) noexcept = default;

    /** Inserts a record if no record has its client_id.
        @param rec the record
        @return nothing, or `client_exists` */
    result<void> insert(client_record rec)
    {
        std::unique_lock lock(s_->mutex_);
        return insert_locked(std::move(rec));
    }

    /** Inserts a record under @p c, checked and counted under the same lock
        as the insert (see lifecycle_storage).
        @param rec the record
        @param c the quota and the initial access token to spend
        @return nothing, `client_exists`, `quota_exceeded` or `invalid_initial_access_token` */
    result<void> insert(client_record rec, insert_conditions const& c)
    {
        std::unique_lock lock(s_->mutex_);
        initial_access_token_record* token = nullptr;
        if (c.initial_access_token) {
            auto it = s_->tokens_.find(*c.initial_access_token);
            if (it == s_->tokens_.end() || it->second.org_id != rec.owner.org_id ||
                !detail::token_spendable(it->second, c.now))
                return make_error(error::invalid_initial_access_token, "");
            token = &it->second;
        }
        if (c.max_clients_per_org > 0 && org_count(rec.owner.org_id) >= c.max_clients_per_org)
            return make_error(error::quota_exceeded, "org_id");
        auto r = insert_locked(std::move(rec));
        if (r && token)
            ++token->uses;
        return r;
    }

    /** Records a use: `last_used_at` becomes @p used_at if that is later;
        the version and every other member stay as they are.
        @param id a client_id
        @param used_at the time of the use
        @return nothing, or `client_not_found` */
    result<void> touch(std::string_view id, unix_seconds used_at)
    {
        std::unique_lock lock(s_->mutex_);
        auto it = s_->by_id_.find(id);
        if (it == s_->by_id_.end())
            return make_error(error::client_not_found, "client_id");
        auto& last = (*it)->rec.last_used_at;
        last = std::max(last, used_at);
        return {};
    }

    /** Deletes at most `q.limit` idle clients. The lock is taken for one
        slice of the store at a time, so registrations go on between slices,
        and each client is tested for idleness under the lock that deletes it.
        @param q which clients, and how many at most
        @return how many were deleted */
    result<std::size_t> reap(reap_query const& q)
    {
        std::size_t deleted = 0;
        std::string from;
        for (bool more = true; more && deleted < q.limit;) {
            std::unique_lock lock(s_->mutex_);
            std::vector<entry*> doomed;
            more = slice(from, [&](entry& e) {
                if (deleted + doomed.size() < q.limit && detail::reapable(e.rec, q))
                    doomed.push_back(&e);
            });
            for (entry* e : doomed)
                erase_entry(s_->by_id_.find(e->id()));
            deleted += doomed.size();
        }
        return deleted;
    }

    /** @param q which clients (`q.limit` is ignored)
        @return how many @ref reap would delete, all batches together */
    result<std::size_t> count_idle(reap_query const& q) const
    {
        std::size_t n = 0;
        std::string from;
        for (bool more = true; more;) {
            std::shared_lock lock(s_->mutex_);
            more = slice(from, [&](entry const& e) { n += detail::reapable(e.rec, q); });
        }
        return n;
    }

    /** Stores an initial access token (RFC 7591 3).
        @param t the token's record (its hash, never the token)
        @return nothing, or `client_exists` when its hash or id is taken */
    result<void> insert_token(initial_access_token_record t)
    {
        std::unique_lock lock(s_->mutex_);
        for (auto const& [h, stored] : s_->tokens_)
            if (stored.id == t.id)
                return make_error(error::client_exists, "id");
        auto const hash = t.token_hash;
        if (!s_->tokens_.emplace(hash, std::move(t)).second)
            return make_error(error::client_exists, "id");
        return {};
    }

    /** @param hash a presented token's hash
        @return its record, or `invalid_initial_access_token` */
    result<initial_access_token_record> find_token(secret_hash const& hash) const
    {
        std::shared_lock lock(s_->mutex_);
        auto it = s_->tokens_.find(hash);
        if (it == s_->tokens_.end())
            return make_error(error::invalid_initial_access_token, "");
        return it->second;
    }

    /** @param org_id an organization
        @return its tokens, newest first, spent and expired ones included */
    result<std::vector<initial_access_token_record>> list_tokens(std::string_view org_id) const
    {
        std::vector<initial_access_token_record> out;
        {
            std::shared_lock lock(s_->mutex_);
            for (auto const& [h, t] : s_->tokens_)
                if (t.org_id == org_id)
                    out.push_back(t);
        }
        std::sort(out.begin(), out.end(), detail::newest_token_first);
        return out;
    }

    /** Revokes a token.
        @param org_id the caller's organization
        @param id the token's id
        @return nothing, or `client_not_found` (unknown, or another organization's) */
    result<void> erase_token(std::string_view org_id, std::string_view id)
    {
        std::unique_lock lock(s_->mutex_);
        for (auto it = s_->tokens_.begin(); it != s_->tokens_.end(); ++it)
            if (it->second.id == id && it->second.org_id == org_id) {
                s_->tokens_.erase(it);
                return {};
            }
        return make_error(error::client_not_found, "id");
    }

    /** Remembers an RFC 7523 client assertion's `jti`. Atomically: while
        the pair is held (`expires_at >= now`) nothing changes and the answer
        is false, a replay; otherwise the pair is held until @p expires_at
        and the answer is true (see assertion_replay_storage).
        @param client_id the client the assertion authenticated
        @param jti the assertion's `jti`
        @param expires_at the assertion's `exp`: the pair is held until then, inclusive
        @param now the time of the call
        @return true the first time (or once the pair has expired), false for
        a replay, `invalid_identifier`, or (a persistent store) `storage_failure` */
    result<bool> remember_assertion(std::string_view client_id, std::string_view jti, unix_seconds expires_at,
                                    unix_seconds now)
    {
        if (auto ok = detail::check_assertion_ids(client_id, jti); !ok)
            return ok.error();
        // Under a lock of its own: client calls do not wait for it. Expired
        // pairs are dropped in one pass when the pairs held reach twice those
        // the last pass left (and 64): O(1) amortized per call, and never
        // more held than that. Neither id holds a NUL, so the NUL-joined key
        // names one pair only.
        std::string key;
        key.reserve(client_id.size() + 1 + jti.size());
        key.append(client_id).append(1, '\0').append(jti);
        std::unique_lock lock(s_->assertion_mutex_);
        auto& held = s_->assertions_;
        auto it = held.find(key);
        if (it != held.end()) {
            if (it->second >= now)
                return false;
            it->second = expires_at;
            return true;
        }
        if (held.size() >= std::max<std::size_t>(2 * s_->assertions_after_sweep_, 64)) {
            boost::unordered::erase_if(held, [now](auto const& pair) { return pair.second < now; });
            s_->assertions_after_sweep_ = held.size();
        }
        held.emplace(std::move(key), expires_at);
        return true;
    }

    /** @return how many remembered assertions the store holds, expired ones
        not dropped yet included (tests watch it stay bounded) */
    std::size_t remembered_assertions() const
    {
        std::unique_lock lock(s_->assertion_mutex_);
        return s_->assertions_.size();
    }

    /** @param id a client_id
        @return a copy of the record, or `client_not_found` */
    result<client_record> find(std::string_view id) const
    {
        std::shared_lock lock(s_->mutex_);
        auto it = s_->by_id_.find(id);
        if (it == s_->by_id_.end())
            return make_error(error::client_not_found, "client_id");
        return (*it)->rec;
    }

    /** Calls `f(client_record const&)` while the record cannot change.
        @param id a client_id
        @param f the visitor; it must not call back into the store
        @return nothing, or `client_not_found` */
    template <class F> result<void> visit(std::string_view id, F&& f) const
    {
        std::shared_lock lock(s_->mutex_);
        auto it = s_->by_id_.find(id);
        if (it == s_->by_id_.end())
            return make_error(error::client_not_found, "client_id");
        std::forward<F>(f)(std::as_const((*it)->rec));
        return {};
    }

    /** Stores @p rec only if the stored version is still @p expected_version,
        so no update is lost.
        @param rec the new record, whose version is expected_version + 1
        @param expected_version the version the caller read
        @return nothing, `client_not_found`, or `version_conflict` */
    result<void> replace(client_record rec, std::uint64_t expected_version)
    {
        std::unique_lock lock(s_->mutex_);
        auto it = s_->by_id_.find(std::string_view(rec.client_id));
        if (it == s_->by_id_.end())
            return make_error(error::client_not_found, "client_id");
        entry& e = **it;
        if (e.rec.version != expected_version)
            return make_error(error::version_conflict, "client_id");
        // A use recorded meanwhile (touch) does not bump the version; keep it.
        rec.last_used_at = std::max(rec.last_used_at, e.rec.last_used_at);
        bool const moved = !(e.rec.owner == rec.owner) || e.rec.metadata.client_name != rec.metadata.client_name ||
                           e.rec.type() != rec.type();
        if (moved)
            unindex_owner(e); // the owner, the name and the type are part of these indexes' keys
        e.rec = std::move(rec);
        if (moved)
            index_owner(e);
        return {};
    }

    /** @param id a client_id
        @return nothing, or `client_not_found` */
    result<void> erase(std::string_view id)
    {
        std::unique_lock lock(s_->mutex_);
        auto it = s_->by_id_.find(id);
        if (it == s_->by_id_.end())
            return make_error(error::client_not_found, "client_id");
        erase_entry(it);
        return {};
    }

    /** Erases the record only if its stored version is still
        @p expected_version, in one step (see versioned_erase_storage).
        @param id a client_id
        @param expected_version the version the caller checked
        @return nothing, `client_not_found`, or `version_conflict` */
    result<void> erase(std::string_view id, std::uint64_t expected_version)
    {
        std::unique_lock lock(s_->mutex_);
        auto it = s_->by_id_.find(id);
        if (it == s_->by_id_.end())
            return make_error(error::client_not_found, "client_id");
        if ((*it)->rec.version != expected_version)
            return make_error(error::version_conflict, "client_id");
        erase_entry(it);
        return {};
    }

    /** A page of an owner's records, ordered by client_id.
        @param filter whose records
        @param limit at most this many
        @param cursor the previous page's `next_cursor`; empty: from the start
        @return the page */
    result<list_page> list(owner_filter const& filter, std::size_t limit, std::string_view cursor) const
    {
        auto after = decode_cursor(cursor);
        if (!after)
            return after.error();
        std::string_view const last = *after;
        std::shared_lock lock(s_->mutex_);
        list_page page;
        with_owner_index(filter, last, [&](auto const& index, auto const& from, auto in_group) {
            fill(page, index, from, limit, last.empty(), in_group);
        });
        return page;
    }

    /** A filtered, page-numbered listing (`paging_storage`). Unfiltered (an
        organization, or every client), the total is the count kept for
        quotas and the walk of the index stops at the page's end, from the
        nearer end of the owner's range: O(log n + min(offset, n - offset) +
        page size). An organization's exact name is a range of its name
        index: O(log n + matches); its type one of its type index, with a
        kept total alone (as unfiltered), else O(log n + matches). Otherwise
        filtered, one pass over the owner's index under
        the read lock, filtering in place, copying only the page's records:
        O(n) for an owner with n clients (the totals count every match), but
        no record is copied to be counted.
        @param q whose clients, the filters, the page number and size (already checked)
        @return the page and the totals */
    result<client_page> page(client_page_query const& q) const
    {
        detail::page_builder b(q);
        auto take = [&](entry const& e) {
            if (detail::page_filters_match(q, e.rec))
                b.take_copy(e.rec);
        };
        auto const& f = q.owner;
        // An empty id is "none" in a record: it selects nothing, as in the SQL stores.
        if ((f.org_id && f.org_id->empty()) || (f.user_id && f.user_id->empty()))
            return b.finish();
        std::shared_lock lock(s_->mutex_);
        if (auto const total = known_total(q)) {
            // Unfiltered: the total is kept, so the walk stops at the page's
            // end, and a page past the middle is walked to from the group's end.
            with_owner_index(f, {}, [&](auto const& index, auto const& from, auto in_group) {
                scan_counted_page(index, from, in_group, *total, b);
            });
        } else if (q.client_id) {
            auto it = s_->by_id_.find(std::string_view(*q.client_id));
            if (it != s_->by_id_.end() && detail::owner_matches(f, (*it)->rec.owner))
                take(**it);
        } else if (f.org_id && q.type) {
            org_type_page(q, b, take);
        } else if (f.org_id && q.name) {
            using key = std::tuple<std::string_view, std::string_view, std::string_view>;
            std::string_view const org = *f.org_id, name = *q.name;
            auto const take_owned = [&](entry const& e) { // the user too, when the filter names one
                if (detail::owner_matches(f, e.rec.owner))
                    take(e);
            };
            scan(s_->by_name_, key(org, name, {}), take_owned, [org, name](entry const& e) {
                return e.rec.owner.org_id == org && std::string_view(*e.rec.metadata.client_name) == name;
            });
        } else {
            with_owner_index(f, {}, [&](auto const& index, auto const& from, auto in_group) {
                scan(index, from, take, in_group);
            });
        }
        return b.finish();
    }

    /** @return the number of stored clients */
    std::size_t size() const
    {
        std::shared_lock lock(s_->mutex_);
        return s_->by_id_.size();
    }

private:
    using entry = detail::memory_entry;

    /** insert() once the lock is held. */
    result<void> insert_locked(client_record rec)
    {
        void* block = s_->pool_.malloc();
        if (!block)
            throw std::bad_alloc();
        entry* e = new (block) entry(std::move(rec));
        try {
            // One probe: an id already present leaves the table as it was.
            if (!s_->by_id_.insert(e).second) {
                destroy(e);
                return make_error(error::client_exists, "client_id");
            }
        } catch (...) { // bad_alloc growing the table: nothing is indexed yet
            destroy(e);
            throw;
        }
        s_->all_.insert(*e);
        index_owner(*e);
        return {};
    }

    /** @param org an organization @return how many clients it holds; the lock is held */
    std::size_t org_count(std::string const& org) const
    {
        auto it = s_->org_counts_.find(org);
        return it == s_->org_counts_.end() ? 0 : it->second.clients;
    }

    /** Calls `f` on up to slice_size entries in client_id order after
        `from` (empty: the start), and moves `from` past them; the lock is held.
        @return whether entries are left after them */
    template <class F> bool slice(std::string& from, F&& f) const
    {
        constexpr std::size_t slice_size = 4096; // ~100 us under the lock at 10^6 clients
        auto less = typename decltype(s_->all_)::key_compare{};
        auto it = from.empty() ? s_->all_.begin() : s_->all_.upper_bound(std::string_view(from), less);
        std::vector<entry*> seen;
        seen.reserve(slice_size);
        for (; it != s_->all_.end() && seen.size() < slice_size; ++it)
            seen.push_back(const_cast<entry*>(&*it));
        if (seen.empty())
            return false;
        from.assign(seen.back()->id());
        for (entry* e : seen)
            f(*e);
        return it != s_->all_.end();
    }

    void destroy(entry* e) noexcept
    {
        e->~entry();
        s_->pool_.free(e);
    }

    // An organization or user left empty by the host is not listed under "".
    void index_owner(entry& e)
    {
        auto& tally = s_->org_counts_[e.rec.owner.org_id];
        ++tally.clients;
        if (!e.rec.owner.org_id.empty()) {
            s_->by_org_.insert(e);
            s_->by_type_.insert(e);
            ++tally.of_type[static_cast<std::size_t>(e.rec.type())];
        }
        if (!e.rec.owner.user_id.empty())
            s_->by_user_.insert(e);
        if (!e.rec.owner.org_id.empty() && !e.rec.owner.user_id.empty())
            s_->by_owner_.insert(e);
        if (!e.rec.owner.org_id.empty() && e.rec.metadata.client_name)
            s_->by_name_.insert(e);
    }

    void unindex_owner(entry& e)
    {
        if (auto it = s_->org_counts_.find(e.rec.owner.org_id); it != s_->org_counts_.end()) {
            if (e.by_type.is_linked())
                --it->second.of_type[static_cast<std::size_t>(e.rec.type())];
            if (--it->second.clients == 0)
                s_->org_counts_.erase(it);
        }
        if (e.by_type.is_linked())
            s_->by_type_.erase(s_->by_type_.iterator_to(e));
        if (e.by_org.is_linked())
            s_->by_org_.erase(s_->by_org_.iterator_to(e));
        if (e.by_user.is_linked())
            s_->by_user_.erase(s_->by_user_.iterator_to(e));
        if (e.by_owner.is_linked())
            s_->by_owner_.erase(s_->by_owner_.iterator_to(e));
        if (e.by_name.is_linked())
            s_->by_name_.erase(s_->by_name_.iterator_to(e));
    }

    /** The one dispatch on an owner filter: the index that orders its clients
        (the pair's, the organization's, the user's, or all), the key of
        `after_id` in it, and the test that an entry is still the filter's;
        calls `f(index, key, in_group)` with them. The lock is held. */
    template <class F> void with_owner_index(owner_filter const& filter, std::string_view after_id, F&& f) const
    {
        using pair_key = std::pair<std::string_view, std::string_view>;
        if (filter.org_id && filter.user_id) {
            std::string_view const org = *filter.org_id, user = *filter.user_id;
            using key = std::tuple<std::string_view, std::string_view, std::string_view>;
            f(s_->by_owner_, key(org, user, after_id),
              [org, user](entry const& e) { return e.rec.owner.org_id == org && e.rec.owner.user_id == user; });
        } else if (filter.org_id) {
            std::string_view const org = *filter.org_id;
            f(s_->by_org_, pair_key(org, after_id), [org](entry const& e) { return e.rec.owner.org_id == org; });
        } else if (filter.user_id) {
            std::string_view const user = *filter.user_id;
            f(s_->by_user_, pair_key(user, after_id), [user](entry const& e) { return e.rec.owner.user_id == user; });
        } else {
            f(s_->all_, after_id, [](entry const&) { return true; });
        }
    }

    /** The total of an unfiltered listing of one organization (its count,
        kept for quotas) or of every client; nullopt when a filter must be
        tested on each client. The lock is held. */
    std::optional<std::size_t> known_total(client_page_query const& q) const
    {
        if (filtered(q, false))
            return std::nullopt;
        return q.owner.org_id ? org_count(*q.owner.org_id) : s_->by_id_.size();
    }

    /** @return whether a page has a filter besides its organization (and its type, when `but_type`) */
    static bool filtered(client_page_query const& q, bool but_type) noexcept
    {
        return q.owner.user_id || q.client_id || q.name || q.name_contains || (q.type && !but_type) ||
               q.grant_type_contains || q.last_used_before || q.created_before || q.origin;
    }

    /** An organization's clients of one type (`filter[client_type]`): a
        range of the type index. With no other filter its total is kept, and
        the walk stops at the page, from the nearer end; else each client of
        the range is tested. The lock is held. */
    template <class Take> void org_type_page(client_page_query const& q, detail::page_builder& b, Take const& take) const
    {
        using key = std::tuple<std::string_view, client_type, std::string_view>;
        std::string_view const org = *q.owner.org_id;
        client_type const type = *q.type;
        auto const in_group = [org, type](entry const& e) { return e.rec.owner.org_id == org && e.rec.type() == type; };
        key const from(org, type, {});
        if (filtered(q, true)) {
            scan(s_->by_type_, from, [&](entry const& e) {
                if (detail::owner_matches(q.owner, e.rec.owner))
                    take(e);
            }, in_group);
            return;
        }
        auto const it = s_->org_counts_.find(*q.owner.org_id);
        auto const total = it == s_->org_counts_.end() ? 0 : it->second.of_type[static_cast<std::size_t>(type)];
        scan_counted_page(s_->by_type_, from, in_group, total, b);
    }

    /** The page `b` asks for of a group whose `total` is kept: none read
        past the total, and one past the middle walked to from the group's end. */
    template <class Index, class Key, class InGroup>
    static void scan_counted_page(Index const& index, Key const& from, InGroup in_group, std::size_t total,
                                  detail::page_builder& b)
    {
        if (b.first < total && b.first > total / 2)
            scan_page_back(index, from, in_group, total - b.first, b);
        else if (b.first < total)
            scan_page(index, from, in_group, b);
        b.out.total_results = total;
    }

    /** The page `b` asks for, from an index's entries from `from` on while
        `in_group` holds: the entries before it skipped, none read after it. */
    template <class Index, class Key, class InGroup>
    static void scan_page(Index const& index, Key const& from, InGroup in_group, detail::page_builder& b)
    {
        std::size_t skipped = 0;
        for (auto it = index.lower_bound(from, typename Index::key_compare{});
             it != index.end() && in_group(*it) && b.out.clients.size() < b.out.page_size; ++it) {
            if (skipped < b.first)
                ++skipped;
            else
                b.out.clients.push_back(it->rec);
        }
    }

    /** As scan_page, for a page that starts `from_end` entries before the
        group's end: the walk goes back from that end, then reads the page
        forwards (the last page of 10^6: 126 ms to 0.009 ms). */
    template <class Index, class Key, class InGroup>
    static void scan_page_back(Index const& index, Key const& from, InGroup in_group, std::size_t from_end,
                               detail::page_builder& b)
    {
        using less = typename Index::key_compare;
        auto it = index.upper_bound(detail::group_end{}, detail::past_group<less, Key, InGroup>{from, in_group});
        for (; from_end > 0 && it != index.begin() && in_group(*std::prev(it)); --from_end)
            --it;
        for (; it != index.end() && in_group(*it) && b.out.clients.size() < b.out.page_size; ++it)
            b.out.clients.push_back(it->rec);
    }

    /** Calls `f` on every entry of an index from `from` on while `in_group` holds. */
    template <class Index, class Key, class F, class InGroup>
    static void scan(Index const& index, Key const& from, F&& f, InGroup in_group)
    {
        for (auto it = index.lower_bound(from, typename Index::key_compare{}); it != index.end() && in_group(*it); ++it)
            f(*it);
    }

    /** Unlinks and destroys the entry `it` names; the lock is held. */
    template <class It> void erase_entry(It it)
    {
        entry* e = *it;
        unindex_owner(*e);
        s_->all_.erase(s_->all_.iterator_to(*e));
        s_->by_id_.erase(it);
        destroy(e);
    }

    /** One page of an index: the entries after `from` (or from its first one
        when `from_start`) while `in_group` holds. */
    template <class Index, class Key, class InGroup>
    static void fill(list_page& page, Index const& index, Key const& from, std::size_t limit, bool from_start,
                     InGroup in_group)
    {
        auto less = typename Index::key_compare{};
        auto it = from_start ? index.lower_bound(from, less) : index.upper_bound(from, less);
        for (; it != index.end() && in_group(*it) && page.clients.size() < limit; ++it)
            page.clients.push_back(it->rec);
        if (it != index.end() && in_group(*it) && !page.clients.empty())
            page.next_cursor = encode_cursor(page.clients.back().client_id);
    }

    /** Everything the store holds, in one place that does not move, so the
        store moves by one pointer (the indexes are intrusive and point into
        their own headers). */
    struct state {
        state() = default;
        state(state const&) = delete;
        state& operator=(state const&) = delete;
        ~state()
        {
            // Unlink every entry from the indexes, then end each entry's life;
            // the pool returns the blocks when it goes.
            all_.clear();
            by_org_.clear();
            by_user_.clear();
            by_owner_.clear();
            by_name_.clear();
            by_type_.clear();
            for (entry* e : by_id_)
                e->~entry();
        }

        Mutex mutex_;
        // Blocks of 32 entries, doubling, up to what fits one huge page, with
        // or without OAUTHREG_HUGE_PAGES; under it, from client 4,065 on
        // (32 + 64 + ... + 2,048 = 4,064 before) every block is one huge page.
        boost::pool<detail::memory_pool_allocator> pool_{
            sizeof(entry), 32, detail::huge_page_user_allocator::elements_per_huge_page(sizeof(entry))};
        boost::unordered_flat_set<entry*, detail::memory_entry_id, detail::memory_entry_id,
                                  detail::memory_table_allocator<entry*>>
            by_id_;
        detail::entry_index<detail::order_by_id, &entry::by_id> all_;
        detail::entry_index<detail::order_by_org, &entry::by_org> by_org_;
        detail::entry_index<detail::order_by_user, &entry::by_user> by_user_;
        detail::entry_index<detail::order_by_owner, &entry::by_owner> by_owner_;
        detail::entry_index<detail::order_by_org_name, &entry::by_name> by_name_;
        detail::entry_index<detail::order_by_org_type, &entry::by_type> by_type_;
        boost::unordered_flat_map<std::string, detail::org_tally> org_counts_; ///< per organization (quotas, totals)
        std::map<secret_hash, initial_access_token_record> tokens_;     ///< by hash (RFC 7591 3)
        // Remembered assertions (RFC 7523 jti), apart from the clients and their lock.
        Mutex assertion_mutex_;
        boost::unordered_flat_map<std::string, unix_seconds> assertions_; ///< client_id NUL jti -> expiry
        std::size_t assertions_after_sweep_ = 0;                         ///< held after the last pass
    };
    std::unique_ptr<state> s_ = std::make_unique<state>();
};

/** The thread-safe in-memory store: the default. */
using memory_storage_mt = basic_memory_storage<std::shared_mutex>;
/** The single-threaded in-memory store: no locking at all. */
using memory_storage_st = basic_memory_storage<null_mutex>;
/** The default store. */
using memory_storage = memory_storage_mt;

static_assert(versioned_erase_storage<memory_storage_mt>);
static_assert(versioned_erase_storage<memory_storage_st>);
static_assert(lifecycle_storage<memory_storage_mt>);
static_assert(lifecycle_storage<memory_storage_st>);
static_assert(assertion_replay_storage<memory_storage_mt>);
static_assert(assertion_replay_storage<memory_storage_st>);

} // namespace oauthreg

#endif
