// Catch2 compatibility: Debian 12 ships Catch2 2.13 (single header); newer
// systems ship Catch2 3 (split headers). Tests include only this file.
//
// It also brings oauthreg/testing/catch_printing.hpp to every test file: a
// file that printed an `error` without its StringMaker would instantiate
// Catch's own (the number) under the same name, and the linker keeps one of
// the two (at -O0, clang's build printed "50" for client_not_found).
#ifndef OAUTHREG_TESTS_CATCH_HPP
#define OAUTHREG_TESTS_CATCH_HPP
#if __has_include(<catch2/catch_all.hpp>)
#include <catch2/catch_all.hpp>
#else
#include <catch2/catch.hpp>
#endif
#include <oauthreg/testing/catch_printing.hpp>
#endif
