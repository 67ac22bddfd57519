// A storage backend written by a user: every record kept as a client_record
// value in a std::map, behind one std::mutex. It models oauthreg::storage_policy,
// so basic_registry takes it as is.
#include <oauthreg/oauthreg.hpp>

#include <iostream>
#include <map>
#include <mutex>

class map_storage {
public:
    using result_void = oauthreg::result<void>;

    result_void insert(oauthreg::client_record rec)
    {
        std::lock_guard lock(m_);
        auto id = rec.client_id;
        if (!records_.try_emplace(id, std::move(rec)).second)
            return oauthreg::make_error(oauthreg::error::client_exists, "client_id");
        return {};
    }
    oauthreg::result<oauthreg::client_record> find(std::string_view id) const
    {
        std::lock_guard lock(m_);
        auto it = records_.find(std::string(id));
        if (it == records_.end())
            return oauthreg::make_error(oauthreg::error::client_not_found, "client_id");
        return it->second;
    }
    template <class F> result_void visit(std::string_view id, F&& f) const
    {
        auto r = find(id); // a copy, so f never runs under our lock
        if (!r)
            return r.error();
        f(*r);
        return {};
    }
    result_void replace(oauthreg::client_record rec, std::uint64_t expected)
    {
        std::lock_guard lock(m_);
        auto it = records_.find(rec.client_id);
        if (it == records_.end())
            return oauthreg::make_error(oauthreg::error::client_not_found, "client_id");
        if (it->second.version != expected)
            return oauthreg::make_error(oauthreg::error::version_conflict, "client_id");
        it->second = std::move(rec);
        return {};
    }
    result_void erase(std::string_view id)
    {
        std::lock_guard lock(m_);
        if (records_.erase(std::string(id)) == 0)
            return oauthreg::make_error(oauthreg::error::client_not_found, "client_id");
        return {};
    }
    // The cursor helpers encode the last client_id of a page and reject malformed cursors.
    oauthreg::result<oauthreg::list_page> list(oauthreg::owner_filter const& f, std::size_t limit,
                                               std::string_view cursor) const
    {
        auto after = oauthreg::decode_cursor(cursor);
        if (!after)
            return after.error();
        std::lock_guard lock(m_);
        oauthreg::list_page page;
        auto it = records_.upper_bound(*after);
        for (; it != records_.end(); ++it) {
            auto const& o = it->second.owner;
            if ((f.org_id && o.org_id != *f.org_id) || (f.user_id && o.user_id != *f.user_id))
                continue;
            if (page.clients.size() == limit) {
                page.next_cursor = oauthreg::encode_cursor(page.clients.back().client_id);
                break;
            }
            page.clients.push_back(it->second);
        }
        return page;
    }

private:
    mutable std::mutex m_;
    std::map<std::string, oauthreg::client_record> records_;
};

static_assert(oauthreg::storage_policy<map_storage>);

#ifndef OAUTHREG_CUSTOM_STORAGE_NO_MAIN
int main()
{
    oauthreg::basic_registry<map_storage, oauthreg::os_rng, oauthreg::system_clock> reg;
    auto r = reg.register_client(R"({"grant_types":["client_credentials"],"scope":"reports"})", {"org-9", "bob"});
    // Checked in every build type (assert vanishes under NDEBUG, and the examples build as Release).
    if (!r || !reg.authenticate(r->record.client_id, *r->client_secret) ||
        reg.list({{"org-9", std::nullopt}, 10, {}}).value().clients.size() != 1) {
        std::cerr << "custom_storage: the store did not keep the client\n";
        return 1;
    }
    std::cout << "custom_storage: registered " << r->record.client_id << " in a user-written store\n";
    return 0;
}
#endif
