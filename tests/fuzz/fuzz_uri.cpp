// libFuzzer target: detail/uri.hpp against Boost.URL 1.81 on the same input,
// as a URI and as a relative-ref. Any disagreement that is not one of the
// listed differences (tests/support/uri_oracle.hpp) aborts, and so does an
// answer of ours that RFC 3986's grammar refutes where Boost.URL is wrong.
#include "../support/uri_oracle.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    std::string_view const in(reinterpret_cast<char const*>(data), size);
    for (auto const& v : {oauthreg::test::compare_uri(in), oauthreg::test::compare_relative_ref(in)}) {
        if (v.difference == oauthreg::test::uri_difference::unexplained) {
            std::fprintf(stderr, "unexplained difference (%s) on [%.*s]\n", v.detail.c_str(),
                         static_cast<int>(in.size()), in.data());
            std::abort();
        }
    }
    return 0;
}
