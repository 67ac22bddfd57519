// `--store URI`: memory, sqlite:PATH, postgres:CONNINFO.
#ifndef OAUTHREG_TOOLS_LIB_STORE_HPP
#define OAUTHREG_TOOLS_LIB_STORE_HPP

#include "cli_common.hpp"

#include <oauthreg/detail/http_query.hpp>
#include <oauthreg/registry.hpp>
#include <oauthreg/rng/cryptopp.hpp>
#ifdef OAUTHREG_HAS_SQLITE
#include <oauthreg/storage/sqlite.hpp>
#endif
#ifdef OAUTHREG_HAS_POSTGRES
#include <oauthreg/storage/postgres.hpp>
#endif

#include <iostream>
#include <string>
#include <string_view>
#include <utility>

namespace oauthreg::cli {

/** The store schemes this build of the tool knows. */
inline std::string known_stores()
{
    std::string s = "memory";
#ifdef OAUTHREG_HAS_SQLITE
    s += ", sqlite:PATH";
#endif
#ifdef OAUTHREG_HAS_POSTGRES
    s += ", postgres:CONNINFO";
#endif
    return s;
}

/** Whether `uri` names a store that outlives the process (and so is slow enough
    that benchmarks scale their operation counts down). */
inline bool is_persistent_store(std::string_view uri) { return uri != "memory"; }

/** A persistent store's own text about a failure (SQLite's message, the
    PostgreSQL server's SQLSTATE and primary message, or why a stored row
    cannot be decoded), as one line on standard error: "oauthreg: store:
    OPERATION: TEXT", printable ASCII, at most 512 bytes. The answer to the
    request says only "storage failure: OPERATION". The text names tables,
    constraints, addresses and client ids, never a secret, a token or a
    hash: those are bound as parameters, and PostgreSQL's DETAIL, which may
    quote a failing row, is left out. */
inline void log_store_failure(std::string_view line)
{
    write_stderr_line("oauthreg: store: " + detail::printable(line, 512));
}

/** Calls `f(registry&)` with a registry over the store `uri` names and returns
    what `f` returns; a store that cannot be opened is an I/O error (exit 2).
    A persistent store's failure text goes to `log`. */
template <class F> int with_store(std::string_view uri, registry_options ro, F&& f, storage_log log = log_store_failure)
{
    if (uri == "memory") {
        registry reg(std::move(ro));
        return f(reg);
    }
    // A SQLite path is named; a PostgreSQL conninfo never is (it may hold a password).
    auto cannot_open = [&](error_info const& e) {
        std::string_view const named = uri.starts_with("sqlite:") ? uri : uri.substr(0, uri.find(':'));
        std::cerr << "oauthreg: cannot open store " << detail::printable(named, 512) << ": " << e.description << "\n";
        return static_cast<int>(exit_usage);
    };
#ifdef OAUTHREG_HAS_SQLITE
    if (uri.starts_with("sqlite:")) {
        auto store = sqlite_storage::open({.path = std::string(uri.substr(7)), .log = std::move(log)});
        if (!store)
            return cannot_open(store.error());
        basic_registry<sqlite_storage, os_rng, system_clock> reg(std::move(ro), std::move(*store));
        return f(reg);
    }
#endif
#ifdef OAUTHREG_HAS_POSTGRES
    if (uri.starts_with("postgres:")) {
        // postgres:CONNINFO (a conninfo string or any libpq URI), or a postgres:// URI whole
        std::string conninfo(uri.starts_with("postgres://") ? uri : uri.substr(9));
        auto store = postgres_storage::open({.conninfo = std::move(conninfo), .log = std::move(log)});
        if (!store)
            return cannot_open(store.error());
        basic_registry<postgres_storage, os_rng, system_clock> reg(std::move(ro), std::move(*store));
        return f(reg);
    }
#endif
    (void)cannot_open;
    (void)log;
    throw usage_error{"unknown store '" + std::string(uri.substr(0, uri.find(':'))) + "' (known: " + known_stores() +
                      ")"};
}

} // namespace oauthreg::cli

#endif
