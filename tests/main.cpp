// The Catch2 v2 main; with Catch2 v3 the build links Catch2::Catch2WithMain instead.
#define CATCH_CONFIG_MAIN
#include "support/catch.hpp"
