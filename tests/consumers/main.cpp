// A consumer that knows oauthreg only through its build system: validates a
// request, registers a client and authenticates it, and checks that the
// version its build system saw (OAUTHREG_EXPECTED_VERSION) is the header's.
#include <oauthreg/oauthreg.hpp>

#include <iostream>
#include <string_view>

int main()
{
    auto md = oauthreg::validate_request(R"({"redirect_uris":["https://app.example.com/cb"]})");
    if (!md) {
        std::cerr << md.error().description << "\n";
        return 1;
    }
    auto bad = oauthreg::validate_request(R"({"redirect_uris":["https://app.example.com/cb#x"]})");
    if (bad || bad.error().rfc_code() != "invalid_redirect_uri")
        return 1;

    oauthreg::registry reg;
    auto r = reg.register_client(R"({"redirect_uris":["https://app.example.com/cb"]})");
    if (!r || !r->client_secret || !reg.authenticate(r->record.client_id, *r->client_secret))
        return 1;

#ifdef OAUTHREG_EXPECTED_VERSION
    if (std::string_view(OAUTHREG_VERSION_STRING) != OAUTHREG_EXPECTED_VERSION) {
        std::cerr << "header says " OAUTHREG_VERSION_STRING ", build system says " OAUTHREG_EXPECTED_VERSION "\n";
        return 1;
    }
#endif
    std::cout << "ok " OAUTHREG_VERSION_STRING "\n";
    return 0;
}
