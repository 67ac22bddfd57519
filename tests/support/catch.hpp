// Catch2 compatibility: Debian 12 ships Catch2 2.13 (single header); newer
// systems ship Catch2 3 (split headers). Tests include only this file.
#ifndef OAUTHREG_TESTS_CATCH_HPP
#define OAUTHREG_TESTS_CATCH_HPP
#if __has_include(<catch2/catch_all.hpp>)
#include <catch2/catch_all.hpp>
#else
#include <catch2/catch.hpp>
#endif
#endif
