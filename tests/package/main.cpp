// A consumer that knows only the installed package.
#include <oauthreg/oauthreg.hpp>

#include <iostream>

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
    std::cout << "ok\n";
    return 0;
}
