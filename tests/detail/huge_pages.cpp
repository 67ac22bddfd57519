// Tests of detail/huge_pages.hpp: large blocks are whole, aligned huge pages
// advised as such, small ones come from the heap, and every byte is given back.
// The header is usable whatever OAUTHREG_HUGE_PAGES says; the memory store uses
// it only when that macro is defined (last case).
#include <oauthreg/detail/huge_pages.hpp>

#include "../support/catch.hpp"

#include <oauthreg/storage/memory.hpp>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

using namespace oauthreg;
using detail::huge_page_size;

namespace {

bool aligned_to_huge_page(void const* p) { return reinterpret_cast<std::uintptr_t>(p) % huge_page_size == 0; }

#if defined(__linux__)
/** Whether the kernel has transparent huge pages: its setting file exists (a
    kernel built without them, or a container that hides /sys, has none).
    Whatever the setting, even "never", madvise(MADV_HUGEPAGE) then marks the
    mapping (VM_HUGEPAGE, "hg" in smaps); the setting decides only whether
    huge pages back it. */
bool kernel_has_transparent_huge_pages()
{
    std::ifstream setting("/sys/kernel/mm/transparent_hugepage/enabled");
    std::string modes;
    return static_cast<bool>(std::getline(setting, modes));
}

/** The VmFlags line of the mapping that holds `p`, from /proc/self/smaps. */
std::string vm_flags_of(void const* p)
{
    auto const addr = reinterpret_cast<std::uintptr_t>(p);
    std::ifstream smaps("/proc/self/smaps");
    std::string line;
    bool inside = false;
    while (std::getline(smaps, line)) {
        std::uintptr_t lo = 0, hi = 0;
        char dash = 0;
        std::istringstream head(line);
        if (head >> std::hex >> lo >> dash >> hi && dash == '-') {
            inside = lo <= addr && addr < hi;
            continue;
        }
        if (inside && line.rfind("VmFlags:", 0) == 0)
            return line;
    }
    return {};
}
#endif

oauthreg::client_record small_record(int i)
{
    client_record r;
    r.client_id = "00000000-0000-4000-8000-" + std::to_string(100000000000 + i);
    r.metadata.redirect_uris = {"https://app.example.com/cb"};
    r.owner = {"org", "user"};
    return r;
}

} // namespace

TEST_CASE("huge pages: a large block is whole huge pages, aligned, and given back", "[huge_pages]")
{
    auto const before = detail::huge_page_bytes().load();
    std::size_t const bytes = 2 * huge_page_size - 4096; // rounds up to two pages
    void* p = detail::allocate_block(bytes);
    REQUIRE(p != nullptr);
    std::memset(p, 0xA5, bytes); // all of it is ours to write
#if defined(__linux__)
    CHECK(aligned_to_huge_page(p));
    CHECK(detail::huge_page_bytes().load() == before + 2 * huge_page_size);
    // MADV_HUGEPAGE shows as "hg"; whether the kernel grants huge pages is its setting.
    if (kernel_has_transparent_huge_pages()) {
        INFO(vm_flags_of(p));
        CHECK(vm_flags_of(p).find(" hg") != std::string::npos);
    } else if (std::getenv("CI")) {
        FAIL("CI must run the MADV_HUGEPAGE check: no /sys/kernel/mm/transparent_hugepage/enabled here");
    } else {
        WARN("SKIPPED: the MADV_HUGEPAGE check: a kernel without transparent huge pages "
             "(/sys/kernel/mm/transparent_hugepage/enabled absent)");
    }
#endif
    detail::deallocate_block(p, bytes);
    CHECK(detail::huge_page_bytes().load() == before);
}

TEST_CASE("huge pages: a block is mapped as huge pages only when it wastes at most an eighth", "[huge_pages]")
{
    STATIC_REQUIRE(detail::huge_page_span(4096) == 0);
    STATIC_REQUIRE(detail::huge_page_span(huge_page_size / 2) == 0);
    STATIC_REQUIRE(detail::huge_page_span(huge_page_size - 100) == huge_page_size);
    STATIC_REQUIRE(detail::huge_page_span(huge_page_size) == huge_page_size);
    STATIC_REQUIRE(detail::huge_page_span(huge_page_size + 1) == 0); // would waste half
    STATIC_REQUIRE(detail::huge_page_span(7 * huge_page_size + 1) == 8 * huge_page_size);
    STATIC_REQUIRE(detail::huge_page_span(static_cast<std::size_t>(-1)) == 0);
}

TEST_CASE("huge pages: a small block comes from the heap", "[huge_pages]")
{
    auto const before = detail::huge_page_bytes().load();
    void* p = detail::allocate_block(4096);
    REQUIRE(p != nullptr);
    CHECK(detail::huge_page_bytes().load() == before);
    detail::deallocate_block(p, 4096);
    detail::deallocate_block(nullptr, 4096); // a no-op, like free(nullptr)
}

TEST_CASE("huge pages: the most elements a Boost.Pool block holds fit in one huge page", "[huge_pages]")
{
    using ua = detail::huge_page_user_allocator;
    std::size_t const elem = 768;
    std::size_t const n = ua::elements_per_huge_page(elem);
    std::size_t const pool_block = n * elem + 2 * sizeof(void*); // what boost::pool asks for
    CHECK(pool_block + ua::header <= huge_page_size);
    CHECK(pool_block + elem + ua::header > huge_page_size);
    auto const before = detail::huge_page_bytes().load();
    char* b = ua::malloc(pool_block);
    REQUIRE(b != nullptr);
#if defined(__linux__)
    CHECK(aligned_to_huge_page(b - ua::header));
    CHECK(detail::huge_page_bytes().load() == before + huge_page_size);
#endif
    ua::free(b);
    CHECK(detail::huge_page_bytes().load() == before);
}

TEST_CASE("huge pages: the memory store keeps large stores on huge pages only under OAUTHREG_HUGE_PAGES "
          "and returns them",
          "[huge_pages][storage]")
{
    auto const before = detail::huge_page_bytes().load();
    std::size_t grown = 0;
    {
        memory_storage_st store;
        for (int i = 0; i < 10000; ++i)
            REQUIRE(store.insert(small_record(i)).has_value());
        grown = detail::huge_page_bytes().load() - before;
#if defined(OAUTHREG_HUGE_PAGES) && defined(__linux__)
        CHECK(grown >= 2 * huge_page_size); // 10,000 entries need more than the small blocks
#else
        CHECK(grown == 0); // off by default: the pool and the table take only heap blocks
#endif
        // Erased entries' memory is reused: the same number again takes nothing more.
        for (int i = 0; i < 10000; ++i)
            REQUIRE(store.erase(small_record(i).client_id).has_value());
        for (int i = 10000; i < 20000; ++i)
            REQUIRE(store.insert(small_record(i)).has_value());
        CHECK(detail::huge_page_bytes().load() - before == grown);
        CHECK(store.find(small_record(19999).client_id).has_value());
        CHECK_FALSE(store.find(small_record(0).client_id).has_value());
    }
    CHECK(detail::huge_page_bytes().load() == before);
}
