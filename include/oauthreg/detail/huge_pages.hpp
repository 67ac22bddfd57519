//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_DETAIL_HUGE_PAGES_HPP
#define OAUTHREG_DETAIL_HUGE_PAGES_HPP

// Blocks mapped as transparent huge pages. The memory store allocates with
// them only when OAUTHREG_HUGE_PAGES is defined (off by default,
// storage/memory.hpp); it always takes its pool's block size from
// elements_per_huge_page below.

#include <boost/config.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace oauthreg::detail {

/** The size of a transparent huge page on x86-64 and most AArch64 kernels. */
inline constexpr std::size_t huge_page_size = std::size_t{2} << 20;

/** Bytes held in huge-page mappings right now, process-wide (memory accounting
    and tests: these mappings are not malloc's, so mallinfo does not see them). */
inline std::atomic<std::size_t>& huge_page_bytes() noexcept
{
    static std::atomic<std::size_t> bytes{0};
    return bytes;
}

/** The whole huge pages a block of `bytes` is mapped as, or 0 when it goes to
    the heap: when it is smaller than most of one page, or when rounding it up
    would leave more than an eighth of the mapping unused. */
constexpr std::size_t huge_page_span(std::size_t bytes) noexcept
{
    if (bytes < huge_page_size / 8 * 7 || bytes > static_cast<std::size_t>(-1) / 2)
        return 0;
    std::size_t const size = (bytes + huge_page_size - 1) / huge_page_size * huge_page_size;
    return size - bytes <= size / 8 ? size : 0;
}

/** A block of `bytes`: from the heap when small; otherwise a mapping of whole
    huge pages, aligned to one, advised as transparent huge pages on Linux.
    Under OAUTHREG_HUGE_PAGES the memory store's entries (840 bytes each) at
    10^6 clients then fill ~400 huge pages instead of ~205,000 4 KiB ones (the
    records' strings stay in malloc; benchmarks/README.md). Where the TLB caches
    2 MiB translations, that is ~400 entries; on the virtual machine of
    benchmarks/README.md, whose hypervisor backs guests with 4 KiB pages, it
    shortens the page walk but does not widen the TLB's reach
    (`address_translation`); measured alone, lookups at 10^6 clients ran 8%
    faster ("Huge pages alone"). Returns nullptr when out of memory. */
inline void* allocate_block(std::size_t bytes) noexcept
{
#if defined(__linux__)
    if (std::size_t const size = huge_page_span(bytes)) {
        // Over-map by one huge page, then unmap what lies outside the aligned part.
        void* raw = ::mmap(nullptr, size + huge_page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (raw == MAP_FAILED)
            return nullptr;
        auto const start = reinterpret_cast<std::uintptr_t>(raw);
        auto const aligned = (start + huge_page_size - 1) / huge_page_size * huge_page_size;
        if (aligned > start)
            ::munmap(raw, aligned - start);
        if (std::size_t const tail = start + huge_page_size - aligned; tail > 0)
            ::munmap(reinterpret_cast<void*>(aligned + size), tail);
        auto* p = reinterpret_cast<void*>(aligned);
        ::madvise(p, size, MADV_HUGEPAGE); // advice: a kernel without THP ignores it
        huge_page_bytes().fetch_add(size, std::memory_order_relaxed);
        return p;
    }
#endif
    return std::malloc(bytes);
}

/** Returns a block from @ref allocate_block with the same `bytes`. */
inline void deallocate_block(void* p, std::size_t bytes) noexcept
{
    if (!p)
        return;
#if defined(__linux__)
    if (std::size_t const size = huge_page_span(bytes)) {
        ::munmap(p, size);
        huge_page_bytes().fetch_sub(size, std::memory_order_relaxed);
        return;
    }
#endif
    std::free(p);
}

/** A standard allocator over @ref allocate_block: large arrays (a hash table
    of 10^5 clients and more) go to huge pages, small ones to the heap. */
template <class T> struct huge_page_allocator {
    using value_type = T;

    huge_page_allocator() noexcept = default;
    template <class U> huge_page_allocator(huge_page_allocator<U> const&) noexcept {}

    T* allocate(std::size_t n)
    {
        if (n > static_cast<std::size_t>(-1) / sizeof(T))
            throw std::bad_array_new_length();
        if (void* p = allocate_block(n * sizeof(T)))
            return static_cast<T*>(p);
        throw std::bad_alloc();
    }
    void deallocate(T* p, std::size_t n) noexcept { deallocate_block(p, n * sizeof(T)); }

    template <class U> friend bool operator==(huge_page_allocator const&, huge_page_allocator<U> const&) noexcept
    {
        return true;
    }
};

/** Boost.Pool's UserAllocator over @ref allocate_block. Boost.Pool frees a
    block without its size, so the size sits in a header before the block. */
struct huge_page_user_allocator {
    using size_type = std::size_t;
    using difference_type = std::ptrdiff_t;
    /** The header, 64 bytes: in a block mapped as huge pages (aligned to one)
        the pool's storage starts on a cache line; a heap block (a small pool's)
        has only malloc's 16-byte alignment, and elements whose size is not a
        multiple of 64 (the memory store's 840-byte entries) fall on no line
        boundary either way. */
    static constexpr std::size_t header = 64;

    static char* malloc BOOST_PREVENT_MACRO_SUBSTITUTION(size_type bytes) noexcept
    {
        auto* p = static_cast<char*>(allocate_block(bytes + header));
        if (!p)
            return nullptr;
        *reinterpret_cast<size_type*>(p) = bytes + header;
        return p + header;
    }
    static void free BOOST_PREVENT_MACRO_SUBSTITUTION(char* block) noexcept
    {
        char* p = block - header;
        deallocate_block(p, *reinterpret_cast<size_type*>(p));
    }

    /** The most elements of `element_size` bytes a Boost.Pool block may hold
        so that the block, its header and the pool's own 16 bytes fit in one
        huge page: at most its 2,097,152 bytes, not exactly (2,496 entries of
        840 bytes take 2,096,720). With blocks growing from 32 elements and
        doubling, the blocks of 32 to 2,048 stay on the heap (under 7/8 of a
        page, huge_page_span), so under OAUTHREG_HUGE_PAGES the memory store's
        first huge page holds its 4,065th client (32 + 64 + ... + 2,048 = 4,064
        before it). */
    static constexpr std::size_t elements_per_huge_page(std::size_t element_size) noexcept
    {
        return (huge_page_size - header - 2 * sizeof(void*)) / element_size;
    }
};

} // namespace oauthreg::detail

#endif
