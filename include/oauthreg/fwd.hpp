//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
// Forward declarations of the public class templates and policies, and the
// default `registry` alias, for headers that only name them (as <iosfwd> or
// <boost/json/fwd.hpp>). Nothing here needs Boost, Crypto++ or a database.
//
#ifndef OAUTHREG_FWD_HPP
#define OAUTHREG_FWD_HPP

#include <shared_mutex>

namespace oauthreg {

// Policies (clock.hpp, rng/cryptopp.hpp, testing/deterministic_rng.hpp)
struct system_clock;
class manual_clock;
class os_rng;
class deterministic_rng_for_testing_only;

// Stores (storage/memory.hpp, storage/sqlite.hpp, storage/postgres.hpp)
struct null_mutex;
template <class Mutex> class basic_memory_storage;
class sqlite_storage;
class postgres_storage;

// The engine and its HTTP layer (registry.hpp, http.hpp, api_keys.hpp)
struct registry_options;
template <class Storage, class Rng, class Clock> class basic_registry;
template <class Registry> class basic_http_handler;
class api_keys;

/** The registry with the default policies: thread-safe in-memory store, the
    operating system's CSPRNG through Crypto++, the system clock. */
using registry = basic_registry<basic_memory_storage<std::shared_mutex>, os_rng, system_clock>;

} // namespace oauthreg

#endif
