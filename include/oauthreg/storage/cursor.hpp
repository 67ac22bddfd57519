//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_STORAGE_CURSOR_HPP
#define OAUTHREG_STORAGE_CURSOR_HPP

#include <oauthreg/detail/base64url.hpp>
#include <oauthreg/error.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace oauthreg {

/** The opaque listing cursor every bundled store issues, for backend authors: the last client_id
    of the page, base64url-encoded, so a page resumes with a keyset seek
    (`client_id > last`) whatever was inserted or erased meanwhile.
    @param last_client_id the client_id of the page's last record
    @return the cursor */
inline std::string encode_cursor(std::string_view last_client_id)
{
    return detail::base64url_encode(reinterpret_cast<std::uint8_t const*>(last_client_id.data()),
                                    last_client_id.size());
}

/** The client_id a cursor resumes after.
    @param cursor a cursor from @ref encode_cursor; empty for the first page
    @return the client_id (empty for the first page), or an error for a cursor
    no store issued */
inline result<std::string> decode_cursor(std::string_view cursor)
{
    if (cursor.empty())
        return std::string();
    auto decoded = detail::base64url_decode(cursor);
    if (!decoded || decoded->empty())
        return make_error(error::invalid_cursor, "cursor");
    return std::move(*decoded);
}

} // namespace oauthreg

#endif
