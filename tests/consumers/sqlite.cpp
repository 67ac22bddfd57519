// A consumer of the installed package's optional SQLite store (oauthreg::sqlite).
#include <oauthreg/oauthreg.hpp>
#include <oauthreg/storage/sqlite.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <iostream>

#include <unistd.h>

int main()
{
    char path[] = "/tmp/oauthreg-consumer-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 1;
    close(fd);
    auto store = oauthreg::sqlite_storage::open({.path = path});
    if (!store) {
        std::cerr << store.error().description << "\n";
        return 1;
    }
    oauthreg::basic_registry<oauthreg::sqlite_storage, oauthreg::os_rng, oauthreg::system_clock> reg(
        {}, std::move(*store));
    auto r = reg.register_client(R"({"redirect_uris":["https://app.example.com/cb"]})");
    bool ok = r && reg.find(r->record.client_id).has_value();
    for (char const* suffix : {"", "-wal", "-shm"})
        std::remove((std::string(path) + suffix).c_str());
    std::cout << (ok ? "ok\n" : "failed\n");
    return ok ? 0 : 1;
}
