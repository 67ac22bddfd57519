// A consumer of the optional PostgreSQL store: it links libpq through its
// build system and gets a refused connection back as a value, not a crash.
#include <oauthreg/storage/postgres.hpp>

#include <iostream>

int main()
{
    auto store = oauthreg::postgres_storage::open({.conninfo = "host=/nonexistent-oauthreg-consumer connect_timeout=1"});
    if (store || store.error().code != oauthreg::error::storage_failure)
        return 1;
    std::cout << "ok\n";
    return 0;
}
