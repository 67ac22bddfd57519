//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
// Forward declarations, and the one place default template arguments live.
//
#ifndef OAUTHREG_FWD_HPP
#define OAUTHREG_FWD_HPP

#include <oauthreg/clock.hpp>
#include <oauthreg/rng/concept.hpp>
#include <oauthreg/storage/concept.hpp>

#include <shared_mutex>

namespace oauthreg {

struct null_mutex;
template <class Mutex> class basic_memory_storage;
class os_rng;
class deterministic_rng_for_testing_only;

/** See registry.hpp; the policies are checked there with readable static_asserts. */
template <class Storage, class Rng, class Clock> class basic_registry;

/** The registry with the default policies: thread-safe in-memory store, the
    operating system's CSPRNG through Crypto++, the system clock. */
using registry = basic_registry<basic_memory_storage<std::shared_mutex>, os_rng, system_clock>;

} // namespace oauthreg

#endif
