// For tests/detail/uri_oracle.py: reads one string a line on standard input and
// writes what detail/uri.hpp makes of it, one line each:
//   <URI? 0|1> <relative-ref? 0|1> [<host kind> <scheme> <userinfo> <host> <port> <path> <query> <fragment>]
// tab-separated, an absent component as "-", a present one as "+" and its text.
// With --rows, writes the table rows of support/uri_rows.hpp instead:
//   row <valid 0|1> <host kind> <uri>   and   example <uri>   and   relative <uri>
// each <uri> in hexadecimal (rows hold tabs and newlines).
#include <oauthreg/detail/uri.hpp>

#include "../support/uri_rows.hpp"

#include <iostream>
#include <string>

namespace {

char const* kind(oauthreg::detail::uri_host_kind k)
{
    constexpr char const* names[] = {"none", "reg_name", "ipv4", "ipv6", "ipv_future"};
    return names[static_cast<int>(k)];
}

struct hex {
    std::string_view v;
};

std::ostream& operator<<(std::ostream& o, hex x)
{
    for (unsigned char c : x.v)
        o << "0123456789abcdef"[c >> 4] << "0123456789abcdef"[c & 15];
    return o;
}

struct opt {
    bool has;
    std::string_view v;
};

std::ostream& operator<<(std::ostream& o, opt x) { return x.has ? o << '+' << x.v : o << '-'; }

} // namespace

int main(int argc, char** argv)
{
    using namespace oauthreg;
    if (argc > 1 && std::string(argv[1]) == "--rows") {
        for (auto const& r : test::uri_rows())
            std::cout << "row\t" << r.valid << '\t' << kind(r.kind) << '\t' << hex{r.uri} << '\n';
        for (auto s : test::rfc3986_examples())
            std::cout << "example\t" << hex{s} << '\n';
        for (auto s : test::rfc3986_relative_examples())
            std::cout << "relative\t" << hex{s} << '\n';
        return 0;
    }
    for (std::string line; std::getline(std::cin, line);) {
        auto const p = detail::parse_uri(line);
        std::cout << p.has_value() << '\t' << detail::is_relative_ref(line);
        if (p)
            std::cout << '\t' << kind(p->host_kind) << '\t' << p->scheme << '\t'
                      << opt{p->has_userinfo, p->userinfo} << '\t' << opt{p->has_authority(), p->host} << '\t'
                      << opt{p->has_port, p->port} << '\t' << p->path << '\t' << opt{p->has_query, p->query} << '\t'
                      << opt{p->has_fragment, p->fragment};
        std::cout << '\n';
    }
    return 0;
}
