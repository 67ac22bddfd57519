//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_SECURE_STRING_HPP
#define OAUTHREG_SECURE_STRING_HPP

#include <cryptopp/secblock.h>

#include <string>

namespace oauthreg {

/** A string whose heap buffer is zeroed before it is freed (Crypto++'s
    AllocatorWithCleanup). Plaintext client secrets and registration access
    tokens are handed out in it; it converts to `std::string_view`.

    Secrets are 43 characters, beyond any small-string buffer, so their text
    always lives in the wiped heap buffer; moving one moves that buffer.
*/
using secure_string = std::basic_string<char, std::char_traits<char>, CryptoPP::AllocatorWithCleanup<char>>;

} // namespace oauthreg

#endif
