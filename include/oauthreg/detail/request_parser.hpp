//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_DETAIL_REQUEST_PARSER_HPP
#define OAUTHREG_DETAIL_REQUEST_PARSER_HPP

#include <oauthreg/detail/jwk.hpp>
#include <oauthreg/detail/member_names.hpp>
#include <oauthreg/detail/strict_json.hpp>
#include <oauthreg/detail/text.hpp>
#include <oauthreg/error.hpp>
#include <oauthreg/metadata.hpp>
#include <oauthreg/profile.hpp>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/error.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_stack.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace oauthreg::detail {

/** A string array member as sent: its elements view the request body (or the
    handler's arena when they held escapes). */
struct raw_list {
    bool present = false;
    std::vector<std::string_view> items;
};

/** A localized member (`client_name#fr`) as sent. */
struct raw_localized {
    localizable member{};
    std::string_view language_tag;
    std::string_view value;
};

/** The request members, as sent, before any rule is applied. Every string is
    a view: into the request body when it held no escapes, otherwise into the
    handler's per-request arena. Both outlive the validation of the request. */
struct raw_request {
    raw_list redirect_uris, grant_types, response_types, contacts;
    std::optional<std::string_view> token_endpoint_auth_method, client_name, client_uri, logo_uri, scope, tos_uri,
        policy_uri, jwks_uri, software_id, software_version, software_statement, application_type;
    std::optional<std::string_view> client_id; ///< only when a string; RFC 7592 2.2 update checks it
    std::optional<boost::json::value> jwks;    ///< allocated from the handler's arena
    std::vector<raw_localized> localized;
    /** The RFC 8705 2.1.2 members, by tls_client_auth_subject. */
    std::optional<std::string_view> tls_client_auth[detail::tls_client_auth_subject_names.names.size()];

    /** Forget the previous request, keeping the vectors' capacity. */
    void clear() noexcept
    {
        for (auto* l : {&redirect_uris, &grant_types, &response_types, &contacts}) {
            l->present = false;
            l->items.clear();
        }
        for (auto* o :
             {&token_endpoint_auth_method, &client_name, &client_uri, &logo_uri, &scope, &tos_uri, &policy_uri,
              &jwks_uri, &software_id, &software_version, &software_statement, &application_type, &client_id})
            o->reset();
        jwks.reset();
        localized.clear();
        for (auto& t : tls_client_auth)
            t.reset();
    }
};

/** How a member's value is read: ignored members may hold anything. */
enum class member_kind : std::uint8_t { ignored, string, string_array, object };

/** What sets a member's limits and errors apart. */
struct member_flags {
    bool uri = false;           ///< a URI: the profile's max_uri_length applies
    bool redirect_uris = false; ///< its own errors and limits (RFC 7591 2)
    bool statement = false;     ///< max_software_statement applies
    bool lenient = false;       ///< a value of another type makes the member ignored, not an error
};

/** A top-level member the handler reads: its name, the type its value must
    have, and where the value goes in a raw_request. */
struct member_spec {
    std::string_view name;
    member_kind kind = member_kind::ignored;
    std::optional<std::string_view> raw_request::*str = nullptr; ///< a string member's destination
    raw_list raw_request::*list = nullptr;                       ///< a string array's destination
    std::int8_t tls = -1; ///< the RFC 8705 2.1.2 members: their index in raw_request::tls_client_auth
    member_flags flags{};
};

namespace member_table_detail {
using R = raw_request;
constexpr member_spec str(std::string_view n, std::optional<std::string_view> R::*m, bool uri = false)
{
    member_spec s{n, member_kind::string};
    s.str = m;
    s.flags.uri = uri;
    return s;
}
constexpr member_spec list(std::string_view n, raw_list R::*m)
{
    member_spec s{n, member_kind::string_array};
    s.list = m;
    s.flags.redirect_uris = n == "redirect_uris";
    return s;
}
constexpr member_spec with(member_spec s, bool member_flags::*flag)
{
    s.flags.*flag = true;
    return s;
}
constexpr std::size_t tls_count = tls_client_auth_subject_names.names.size();

/** The members of RFC 7591 section 2 (and OpenID Connect's application_type).
    client_id, client_secret, ... are the server's to set (RFC 7591 3.2.1), so
    ignored, but a string client_id is kept for the RFC 7592 2.2 update check. */
inline constexpr std::array rfc7591_members{
    member_spec{"jwks", member_kind::object},
    str("scope", &R::scope),
    str("tos_uri", &R::tos_uri, true),
    list("contacts", &R::contacts),
    str("logo_uri", &R::logo_uri, true),
    str("jwks_uri", &R::jwks_uri, true),
    with(str("client_id", &R::client_id), &member_flags::lenient),
    str("client_uri", &R::client_uri, true),
    str("policy_uri", &R::policy_uri, true),
    str("client_name", &R::client_name),
    list("grant_types", &R::grant_types),
    str("software_id", &R::software_id),
    list("redirect_uris", &R::redirect_uris),
    list("response_types", &R::response_types),
    str("software_version", &R::software_version),
    str("application_type", &R::application_type),
    with(str("software_statement", &R::software_statement), &member_flags::statement),
    str("token_endpoint_auth_method", &R::token_endpoint_auth_method),
};

/** Those, then the RFC 8705 2.1.2 certificate subject members in the order of
    tls_client_auth_subject. */
constexpr auto make()
{
    std::array<member_spec, rfc7591_members.size() + tls_count> t{};
    std::copy(rfc7591_members.begin(), rfc7591_members.end(), t.begin());
    for (std::size_t i = 0; i < tls_count; ++i) {
        auto& e = t[rfc7591_members.size() + i];
        e.name = tls_client_auth_subject_names.names[i];
        e.kind = member_kind::string;
        e.tls = static_cast<std::int8_t>(i);
        e.flags.uri = static_cast<tls_client_auth_subject>(i) == tls_client_auth_subject::san_uri;
    }
    return t;
}
} // namespace member_table_detail

/** Every member the handler reads. A member's position + 1 is its bit in the
    handler's set of members seen, for the duplicate check. */
inline constexpr auto member_table = member_table_detail::make();
static_assert(member_table.size() < 32, "one bit each in a std::uint32_t, bit 0 unused");

namespace member_table_detail {
constexpr std::size_t slots = 64;

/** A hash of a member name's length, first, middle and last characters. */
constexpr std::uint32_t hash(std::string_view k, std::uint32_t m) noexcept
{
    auto c = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(k[i])); };
    auto const n = static_cast<std::uint32_t>(k.size());
    return ((n * 0x3Bu + c(0) * 0x1Fu + c(k.size() / 2) * 0x0Du + c(k.size() - 1)) * m) >> 26; // 0..63
}

constexpr bool collision_free(std::uint32_t m)
{
    std::array<bool, slots> used{};
    for (auto const& e : member_table) {
        auto h = hash(e.name, m);
        if (used[h])
            return false;
        used[h] = true;
    }
    return true;
}

/** A multiplier that sends each member name to a slot of its own. */
constexpr std::uint32_t find_multiplier()
{
    std::uint32_t m = 0x9E3779B1u;
    for (int tries = 0; tries < 100000; ++tries, m += 0x2468ACE2u)
        if (collision_free(m))
            return m;
    return 0;
}
inline constexpr std::uint32_t multiplier = find_multiplier();
static_assert(multiplier != 0, "no collision-free multiplier: change the hash");

inline constexpr std::size_t longest = [] {
    std::size_t n = 0;
    for (auto const& e : member_table)
        n = std::max(n, e.name.size());
    return n;
}();

/** By hash, the member_table position + 1 of the name there, 0 for none. */
inline constexpr auto index = [] {
    std::array<std::uint8_t, slots> t{};
    for (std::size_t i = 0; i < member_table.size(); ++i)
        t[hash(member_table[i].name, multiplier)] = static_cast<std::uint8_t>(i + 1);
    return t;
}();
} // namespace member_table_detail

/** `std::memcmp(a, b, n) == 0` for the short member names, inline: loads of
    eight (or four) bytes, the last one overlapping, never past either string. */
inline bool same_bytes(char const* a, char const* b, std::size_t n) noexcept
{
    if (n >= 8) {
        std::uint64_t diff = word::load(a + n - 8) ^ word::load(b + n - 8);
        for (std::size_t i = 0; i + 8 < n; i += 8)
            diff |= word::load(a + i) ^ word::load(b + i);
        return diff == 0;
    }
    auto load4 = [](char const* p) {
        std::uint32_t v;
        std::memcpy(&v, p, sizeof v);
        return v;
    };
    if (n >= 4)
        return ((load4(a) ^ load4(b)) | (load4(a + n - 4) ^ load4(b + n - 4))) == 0;
    return std::memcmp(a, b, n) == 0;
}

/** A perfect hash lookup in member_table: one slot, one comparison.
    @return the member's position + 1 in member_table, 0 when not one */
constexpr std::size_t find_member(std::string_view k) noexcept
{
    using namespace member_table_detail;
    if (k.empty() || k.size() > longest)
        return 0;
    std::size_t const i = index[hash(k, multiplier)];
    if (i == 0)
        return 0;
    auto const name = member_table[i - 1u].name;
    if (std::is_constant_evaluated())
        return name == k ? i : 0;
    return name.size() == k.size() && same_bytes(name.data(), k.data(), k.size()) ? i : 0;
}
static_assert(member_table[find_member("redirect_uris") - 1].flags.redirect_uris &&
              member_table[find_member("tls_client_auth_san_email") - 1].tls ==
                  static_cast<std::int8_t>(tls_client_auth_subject::san_email) &&
              find_member("redirect_uri") == 0 && find_member("") == 0 && find_member("client_name#fr") == 0);

/** Units of parsing work done on this thread: one per JSON event and one per
    member-name comparison. Tests read it to prove that work grows linearly
    with the input (issue: abuse limits), without timing anything. */
inline thread_local std::size_t parse_work = 0;

/** The handler of boost::json::basic_parser: reads a registration request in
    one pass, with no DOM, into a raw_request. It aborts at the first problem
    so that hostile input costs no more than the bytes before it. */
class request_handler : public handler_base {
public:
    explicit request_handler(limits const& lim) : lim_(&lim)
    {
        for (std::size_t i = 1; i < member_slots_.size(); ++i)
            member_slots_[i] = make_member_slot(i);
    }

    request_handler(request_handler const&) = delete;
    request_handler& operator=(request_handler const&) = delete;
    ~request_handler() { out.jwks.reset(); } // before the arena it lives in

    raw_request out;
    std::optional<error_info> failure;

    /** Makes the handler ready for a new document, `body`, keeping its
        buffers: a steady stream of requests allocates nothing here. */
    void reset(limits const& lim, std::string_view body)
    {
        lim_ = &lim;
        body_ = body;
        out.clear(); // drops the jwks value before its arena is released
        // Rebuilt, not release()d: monotonic_resource::release keeps the size
        // of its next block, which doubles with every block, so each request
        // that outgrew the first block would make the next ones' blocks larger.
        arena_.emplace(arena_block_, sizeof arena_block_);
        failure.reset();
        depth_ = 0;
        names_.clear();
        key_.clear();
        scratch_.clear();
        member_name_ = {};
        slot_ = {};
        target_ = nullptr;
        in_string_ = in_number_ = start_capture_ = false;
        known_seen_ = 0;
        capture_depth_ = 0;
    }

    bool on_document_begin(ec_t&) { return true; }
    bool on_document_end(ec_t&) { return true; }

    bool on_object_begin(ec_t& ec)
    {
        ++parse_work;
        if (depth() == 0)
            return push_frame(ec, true);
        if (!begin_container(ec, member_kind::object))
            return false;
        return push_frame(ec, true);
    }

    bool on_object_end(std::size_t n, ec_t& ec)
    {
        pop_frame();
        if (capture_depth_ > 0) {
            stack_.push_object(n);
            if (--capture_depth_ == 0) {
                out.jwks = stack_.release();
                return jwks_strings_ok(ec);
            }
        }
        return true;
    }

    bool on_array_begin(ec_t& ec)
    {
        ++parse_work;
        if (depth() == 0)
            return fail(ec, error::body_not_object, "", "");
        if (!begin_container(ec, member_kind::string_array))
            return false;
        return push_frame(ec, false);
    }

    bool on_array_end(std::size_t n, ec_t&)
    {
        pop_frame();
        if (capture_depth_ > 0) {
            stack_.push_array(n);
            --capture_depth_;
        }
        return true;
    }

    bool on_key_part(sv_t s, std::size_t n, ec_t& ec)
    {
        if (n > lim_->max_string_length)
            return fail(ec, error::string_too_long, "member name", "");
        key_.append(s.data(), s.size());
        if (capture_depth_ > 0)
            stack_.push_chars(s);
        return true;
    }

    bool on_key(sv_t s, std::size_t n, ec_t& ec)
    {
        // the common case: a registered top-level member, no escapes
        if (depth_ == 1 && capture_depth_ == 0 && key_.empty() && n <= lim_->max_string_length) {
            std::string_view const key(s.data(), s.size());
            auto const i = find_member(key);
            auto const bit = std::uint32_t(1) << i;
            auto& f = frames_[0];
            if (i != 0 && !(known_seen_ & bit) && f.count < lim_->max_members && in_body(key)) {
                ++parse_work;
                ++f.count;
                known_seen_ |= bit;
                member_name_ = key;
                take_member(i);
                return true;
            }
        }
        return on_any_key(s, n, ec);
    }

    [[gnu::noinline]] bool on_any_key(sv_t s, std::size_t n, ec_t& ec)
    {
        ++parse_work;
        if (n > lim_->max_string_length)
            return fail(ec, error::string_too_long, "member name", "");
        std::string_view key(s.data(), s.size());
        if (!key_.empty()) { // split by escapes: the parts are in key_
            key_.append(key);
            key = key_;
        }
        auto& f = frames_[depth() - 1];
        if (++f.count > lim_->max_members)
            return fail(ec, error::too_many_members, depth() == 1 ? std::string_view{} : member_name_, "");
        if (capture_depth_ > 0)
            stack_.push_key(s);
        // RFC 8259 4: names SHOULD be unique; two values for one member are
        // ambiguous, so the request is refused (docs/profile.md: no duplicate member names).
        if (depth() == 1) {
            // the name outlives this call: error messages and language tags view it
            if (!in_body(key))
                key = keep(key);
            key_.clear();
            select_member(key);
            if (slot_.known != 0) { // a registered member: one bit each
                auto const bit = std::uint32_t(1) << slot_.known;
                if (known_seen_ & bit)
                    return fail(ec, error::duplicate_member, clip(key), "");
                known_seen_ |= bit;
                return true;
            }
        }
        if (!names_.add(f.names, key, parse_work))
            return fail(ec, error::duplicate_member, clip(key), "");
        key_.clear();
        return true;
    }

    bool on_string_part(sv_t s, std::size_t n, ec_t& ec)
    {
        ++parse_work;
        if (!in_string_ && !begin_string(ec))
            return false;
        in_string_ = true;
        if (!string_length_ok(ec, n))
            return false;
        if (capture_depth_ > 0)
            stack_.push_chars(s);
        else if (target_)
            scratch_.append(s.data(), s.size());
        return true;
    }

    bool on_string(sv_t s, std::size_t n, ec_t& ec)
    {
        // the common cases: a string member's value, or a string array's element, no escapes
        if (!in_string_ && capture_depth_ == 0) {
            std::string_view const v(s.data(), s.size());
            if (depth_ == 1 && slot_.kind == member_kind::string && !slot_.localized && n <= string_limit() &&
                in_body(v)) {
                ++parse_work;
                *slot_.str = v;
                return true;
            }
            if (depth_ == 2 && slot_.kind == member_kind::string_array) {
                auto& f = frames_[1];
                if (f.count < element_limit() && n <= string_limit() && in_body(v)) {
                    ++parse_work;
                    ++f.count;
                    slot_.list->items.push_back(v);
                    return true;
                }
            }
        }
        return on_any_string(s, n, ec);
    }

    [[gnu::noinline]] bool on_any_string(sv_t s, std::size_t n, ec_t& ec)
    {
        ++parse_work;
        bool const in_parts = in_string_;
        if (!in_string_ && !begin_string(ec))
            return false;
        in_string_ = false;
        if (!string_length_ok(ec, n))
            return false;
        if (capture_depth_ > 0) {
            capture_string(s);
        } else if (target_) {
            std::string_view const v(s.data(), s.size());
            if (!in_parts && in_body(v))
                *target_ = v; // no escapes: the bytes of the body are the value
            else
                keep_unescaped(v, in_parts);
        }
        target_ = nullptr;
        return true;
    }

    bool on_number_part(sv_t, ec_t& ec)
    {
        ++parse_work;
        if (!in_number_ && !begin_scalar(ec))
            return false;
        in_number_ = true;
        return true;
    }
    bool on_int64(std::int64_t v, sv_t, ec_t& ec)
    {
        ++parse_work;
        if (!end_number(ec))
            return false;
        if (capture_depth_ > 0)
            stack_.push_int64(v);
        return true;
    }
    bool on_uint64(std::uint64_t v, sv_t, ec_t& ec)
    {
        ++parse_work;
        if (!end_number(ec))
            return false;
        if (capture_depth_ > 0)
            stack_.push_uint64(v);
        return true;
    }
    bool on_double(double, sv_t, ec_t& ec)
    {
        ++parse_work;
        if (!end_number(ec))
            return false;
        // RFC 7517 4 and RFC 7518 6 define no number-valued JWK member, and a
        // number with a fraction or an exponent, or beyond 64 bits, could not
        // be kept as sent: Boost.JSON 1.81 rounds it (3e252 drifts on every
        // round trip) and writes one beyond a double's range (1e400) as
        // Infinity, which is not JSON. So jwks holds integers only.
        if (capture_depth_ > 0)
            return fail(ec, error::invalid_jwks, "jwks", "a number out of range or not an integer");
        return true;
    }
    bool on_bool(bool v, ec_t& ec)
    {
        ++parse_work;
        if (!begin_scalar(ec))
            return false;
        if (capture_depth_ > 0)
            stack_.push_bool(v);
        return true;
    }
    bool on_null(ec_t& ec)
    {
        ++parse_work;
        if (depth() == 1) {
            // docs/profile.md: a null member counts as absent (a null array element does not).
            if (slot_.localized)
                out.localized.pop_back();
            slot_ = {};
            return true;
        }
        if (!begin_scalar(ec))
            return false;
        if (capture_depth_ > 0)
            stack_.push_null();
        return true;
    }
    bool on_comment_part(sv_t, ec_t&) { return true; }
    bool on_comment(sv_t, ec_t&) { return true; }

private:
    struct member_slot {
        member_kind kind = member_kind::ignored;
        std::optional<std::string_view>* str = nullptr;
        raw_list* list = nullptr;
        bool localized = false;
        member_flags flags{};
        std::uint8_t known = 0; ///< member_table position + 1 for a registered member (not localized), else 0
    };

    struct frame {
        bool is_object;
        std::size_t count;
        member_names::mark names; ///< where this object's names start in names_
    };

    std::size_t depth() const noexcept { return depth_; }

    bool push_frame(ec_t& ec, bool is_object)
    {
        // The profile's nesting limit; the parser's own limit is only a backstop.
        if (depth_ >= lim_->max_depth)
            return fail(ec, error::nesting_too_deep, "", "deeper than the profile's max_depth");
        if (frames_.size() == depth_)
            frames_.emplace_back();
        frames_[depth_] = {is_object, 0, names_.open()};
        ++depth_;
        if (capture_depth_ > 0) {
            ++capture_depth_;
        } else if (start_capture_) {
            capture_depth_ = 1;
            start_capture_ = false;
        }
        return true;
    }

    void pop_frame()
    {
        --depth_;
        names_.close(frames_[depth_].names);
    }

    // out of line: the error paths stay out of the callbacks the parser calls per token
    [[gnu::noinline, gnu::cold]] bool fail(ec_t& ec, error e, std::string_view field, std::string_view detail)
    {
        failure = make_error(e, field, detail);
        ec = make_error_code(e);
        return false;
    }

    [[gnu::noinline, gnu::cold]] bool wrong_type(ec_t& ec)
    {
        std::string_view expected = slot_.kind == member_kind::string         ? "expected a string"
                                    : slot_.kind == member_kind::string_array ? "expected an array of strings"
                                                                              : "expected a JSON object";
        return fail(ec, slot_.flags.redirect_uris ? error::redirect_uris_wrong_type : error::wrong_type, member_name_,
                    expected);
    }

    // Every value inside an array counts toward that array's length limit.
    bool count_element(ec_t& ec)
    {
        auto& f = frames_[depth() - 1];
        if (f.is_object)
            return true;
        if (++f.count <= element_limit())
            return true;
        if (in_redirect_uris())
            return fail(ec, error::too_many_redirect_uris, "redirect_uris", "");
        return fail(ec, error::array_too_long, member_name_, "");
    }

    /** Whether the current array is redirect_uris' own. */
    bool in_redirect_uris() const noexcept { return slot_.flags.redirect_uris && depth_ == 2; }

    /** The limit on the elements of the current array. */
    std::size_t element_limit() const noexcept
    {
        return in_redirect_uris() ? lim_->max_redirect_uris : lim_->max_array_length;
    }

    // The value of a known top-level member must have the member's type; the
    // elements of a string array must be strings. Ignored members may hold anything.
    bool type_ok(ec_t& ec, member_kind got)
    {
        if (capture_depth_ > 0)
            return true;
        if (depth() == 1 && slot_.flags.lenient && slot_.kind != got) {
            slot_ = {};
            return true;
        }
        if (depth() == 1 && slot_.kind != member_kind::ignored && slot_.kind != got)
            return wrong_type(ec);
        if (depth() == 2 && slot_.kind == member_kind::string_array && got != member_kind::string)
            return wrong_type(ec);
        return true;
    }

    bool begin_container(ec_t& ec, member_kind got)
    {
        if (!count_element(ec) || !type_ok(ec, got))
            return false;
        if (depth() == 1 && capture_depth_ == 0) {
            if (slot_.kind == member_kind::string_array) {
                slot_.list->present = true;
                slot_.list->items.clear();
            } else if (slot_.kind == member_kind::object) {
                // jwks is kept whole as a JSON value; push_frame() opens the capture
                stack_.reset(boost::json::storage_ptr(&*arena_));
                start_capture_ = true;
            }
        }
        return true;
    }

    bool begin_string(ec_t& ec)
    {
        if (depth() == 0)
            return fail(ec, error::body_not_object, "", "");
        if (!count_element(ec) || !type_ok(ec, member_kind::string))
            return false;
        if (capture_depth_ > 0)
            return true;
        if (depth() == 1 && slot_.kind == member_kind::string)
            target_ = slot_.localized ? &out.localized.back().value : &slot_.str->emplace();
        else if (depth() == 2 && slot_.kind == member_kind::string_array)
            target_ = &slot_.list->items.emplace_back();
        return true;
    }

    bool begin_scalar(ec_t& ec)
    {
        if (depth() == 0)
            return fail(ec, error::body_not_object, "", "");
        return count_element(ec) && type_ok(ec, member_kind::ignored);
    }

    bool end_number(ec_t& ec)
    {
        if (!in_number_ && !begin_scalar(ec))
            return false;
        in_number_ = false;
        return true;
    }

    bool string_length_ok(ec_t& ec, std::size_t n)
    {
        if (capture_depth_ > 0)
            return true; // jwks: jwks_strings_ok, once it is whole
        if (target_ == nullptr) {
            // a member the engine does not read: it may hold a URI or text
            auto const max = std::max(lim_->max_string_length, lim_->max_uri_length);
            return n <= max || unread_too_long(ec, max);
        }
        if (n <= string_limit())
            return true;
        if (slot_.flags.redirect_uris)
            return fail(ec, error::redirect_uri_too_long, "redirect_uris", "");
        return fail(ec, slot_.flags.uri ? error::invalid_uri : error::string_too_long, member_name_,
                    "longer than the profile allows");
    }

    [[gnu::noinline, gnu::cold]] bool unread_too_long(ec_t& ec, std::size_t max)
    {
        auto const why = "a string in a member the engine does not read is longer than the profile allows (" +
                         std::to_string(max) + " bytes: the larger of max_string_length and max_uri_length)";
        return fail(ec, error::string_too_long, clip(member_name_), why);
    }

    /** The strings of a complete jwks value, each within its limit (docs/profile.md, The body). */
    bool jwks_strings_ok(ec_t& ec)
    {
        auto const why = jwk_set_string_problem(out.jwks->get_object(),
                                                {lim_->max_string_length, lim_->max_uri_length, lim_->max_key_length});
        return !why || fail(ec, error::string_too_long, "jwks", *why);
    }

    /** The limit on the length of the current member's strings. */
    std::size_t string_limit() const noexcept
    {
        return slot_.flags.statement                          ? lim_->max_software_statement
               : slot_.flags.redirect_uris || slot_.flags.uri ? lim_->max_uri_length
                                                              : lim_->max_string_length;
    }

    /** The slot of member_table's member `i` (its position + 1), pointing into `out`. */
    member_slot make_member_slot(std::size_t i) noexcept
    {
        member_spec const& m = member_table[i - 1];
        member_slot slot;
        slot.kind = m.kind;
        if (m.str)
            slot.str = &(out.*m.str);
        else if (m.tls >= 0)
            slot.str = &out.tls_client_auth[static_cast<std::size_t>(m.tls)];
        if (m.list)
            slot.list = &(out.*m.list);
        slot.flags = m.flags;
        slot.known = static_cast<std::uint8_t>(i);
        return slot;
    }

    /** Reads the value of member_table's member `i` (its position + 1) next. */
    void take_member(std::size_t i) noexcept { slot_ = member_slots_[i]; }

    void select_member(std::string_view k)
    {
        member_name_ = k;
        slot_ = {};
        if (auto const i = find_member(k)) {
            take_member(i);
            return;
        }
        if (auto hash = k.find('#'); hash != std::string_view::npos) {
            // RFC 7591 2.2: human-readable members may carry a BCP 47 language tag.
            if (auto m = detail::localizable_names.find(k.substr(0, hash))) {
                auto& lv = out.localized.emplace_back();
                lv.member = *m;
                lv.language_tag = k.substr(hash + 1);
                slot_.kind = member_kind::string;
                slot_.localized = true;
                slot_.flags.uri = *m != localizable::client_name;
            }
        }
    }

    [[gnu::noinline]] void capture_string(sv_t s) { stack_.push_string(s); }

    /** Stores a value that held escapes: its last part `v`, after the parts in scratch_ if `in_parts`. */
    [[gnu::noinline]] void keep_unescaped(std::string_view v, bool in_parts)
    {
        if (in_parts) {
            scratch_.append(v);
            *target_ = keep(scratch_);
            scratch_.clear();
        } else {
            *target_ = keep(v); // unescaped into the parser's buffer: copy it
        }
    }

    bool in_body(std::string_view v) const noexcept
    {
        // as integers: comparing pointers into unrelated objects is unspecified
        auto const off = reinterpret_cast<std::uintptr_t>(v.data()) - reinterpret_cast<std::uintptr_t>(body_.data());
        return off <= body_.size() && v.size() <= body_.size() - off;
    }

    /** A copy of `v` in the per-request arena. */
    std::string_view keep(std::string_view v)
    {
        if (v.empty())
            return std::string_view{};
        auto* p = static_cast<char*>(arena_->allocate(v.size(), 1));
        std::memcpy(p, v.data(), v.size());
        return {p, v.size()};
    }

    limits const* lim_;
    std::string_view body_;
    std::vector<frame> frames_;
    member_names names_; ///< member names of the open objects
    std::size_t depth_ = 0;
    std::string key_;
    std::string scratch_;          ///< a value split by escapes, until its last part
    std::string_view member_name_; ///< the current top-level member's name: in the body or the arena
    member_slot slot_;
    /** By member_table position + 1, the slot of each registered member, made once. */
    std::array<member_slot, member_table.size() + 1> member_slots_{};
    std::uint32_t known_seen_ = 0; ///< the registered members of the top-level object so far
    std::string_view* target_ = nullptr;
    bool in_string_ = false;
    bool in_number_ = false;
    std::size_t capture_depth_ = 0; ///< open containers inside jwks, 0 when not capturing
    bool start_capture_ = false;
    /** Escaped strings and the jwks value of the current request. Its first
        block is kept across requests, so a typical request allocates nothing. */
    alignas(std::max_align_t) unsigned char arena_block_[8192];
    std::optional<boost::json::monotonic_resource> arena_{std::in_place, arena_block_, sizeof arena_block_};
    boost::json::value_stack stack_;
};

} // namespace oauthreg::detail

#endif
