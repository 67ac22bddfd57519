//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_STORAGE_CODEC_HPP
#define OAUTHREG_STORAGE_CODEC_HPP

#include <oauthreg/detail/secret.hpp>
#include <oauthreg/detail/strict_json.hpp>
#include <oauthreg/detail/text.hpp>
#include <oauthreg/error.hpp>
#include <oauthreg/record.hpp>
#include <oauthreg/storage/concept.hpp>
#include <oauthreg/storage/cursor.hpp>
#include <oauthreg/utf8.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace oauthreg {

/** The version of the stored record text written by @ref encode_record. */
inline constexpr std::int64_t record_format_version = 1;

namespace detail {

inline boost::json::value hash_value(std::optional<secret_hash> const& h)
{
    if (!h)
        return nullptr;
    return boost::json::value(base64url_encode(h->data(), h->size()));
}

/** Reads a stored record back; every deviation from what encode_record writes
    is a corrupt record, reported rather than guessed at. */
class record_reader {
public:
    explicit record_reader(boost::json::object const& o) : o_(o) {}

    bool ok() const noexcept { return ok_; }
    std::string const& why() const noexcept { return why_; }

    boost::json::object const& object(std::string_view k)
    {
        static boost::json::object const empty;
        auto const* v = o_.if_contains(k);
        if (!v || !v->is_object())
            return fail(k), empty;
        return v->get_object();
    }

    std::string string(std::string_view k)
    {
        auto const* v = o_.if_contains(k);
        if (!v || !v->is_string())
            return fail(k), std::string();
        return std::string(v->get_string());
    }

    /** An optional metadata string. An empty one (which a record built by
        hand could hold before @ref optional_string) reads as absent: what it
        means now, so such a stored row stays readable. */
    optional_string opt_string(std::string_view k)
    {
        auto const* v = o_.if_contains(k);
        if (!v)
            return std::nullopt;
        if (!v->is_string())
            return fail(k), std::nullopt;
        return std::string(v->get_string());
    }

    std::int64_t integer(std::string_view k)
    {
        auto const* v = o_.if_contains(k);
        if (!v || !v->is_int64())
            return fail(k), 0;
        return v->get_int64();
    }

    bool boolean(std::string_view k)
    {
        auto const* v = o_.if_contains(k);
        if (!v || !v->is_bool())
            return fail(k), false;
        return v->get_bool();
    }

    /** An array of strings, as views into the record being read. */
    std::vector<std::string_view> strings(std::string_view k)
    {
        std::vector<std::string_view> out;
        auto const* v = o_.if_contains(k);
        if (!v)
            return out;
        if (!v->is_array())
            return fail(k), out;
        out.reserve(v->get_array().size());
        for (auto const& e : v->get_array()) {
            if (!e.is_string())
                return fail(k), out;
            out.emplace_back(e.get_string());
        }
        return out;
    }

    /** A list of registered values. A repeated value adds nothing and is
        dropped, as validation drops it, so the list always fits `List`. */
    template <class List, class Parse> List enums(std::string_view k, Parse parse)
    {
        List out;
        for (auto const& s : strings(k)) {
            auto e = parse(s);
            if (!e)
                return fail(k), List();
            detail::add_once(out, *e);
        }
        return out;
    }

    std::optional<secret_hash> hash(std::string_view k)
    {
        auto const* v = o_.if_contains(k);
        if (!v || v->is_null())
            return std::nullopt;
        if (!v->is_string())
            return fail(k), std::nullopt;
        auto bytes = base64url_decode(v->get_string());
        secret_hash h{};
        if (!bytes || bytes->size() != h.size())
            return fail(k), std::nullopt;
        std::copy(bytes->begin(), bytes->end(), h.begin());
        return h;
    }

    void fail(std::string_view k)
    {
        if (ok_) {
            ok_ = false;
            why_ = "bad member '";
            why_.append(k);
            why_ += '\'';
        }
    }

private:
    boost::json::object const& o_;
    bool ok_ = true;
    std::string why_;
};

} // namespace detail

namespace detail {

/** Whether a store's text can hold an id (see @ref oauthreg::valid_utf8). */
using holds_text = bool (*)(std::string_view) noexcept;

/** The first id of `rec` the store cannot hold, as `invalid_identifier` naming it. */
inline std::optional<error_info> unholdable_id(client_record const& rec, holds_text holds)
{
    for (auto [field, value] : {std::pair<char const*, std::string_view>{"client_id", rec.client_id},
                                {"org_id", rec.owner.org_id},
                                {"user_id", rec.owner.user_id}})
        if (!holds(value))
            return make_error(error::invalid_identifier, field);
    return std::nullopt;
}

} // namespace detail

/** The text a persistent store keeps for a record: compact JSON holding
    every member of @ref client_record (hashes as base64url, never a secret)
    but `last_used_at`, so that @ref decode_record gives back an equal record
    byte for byte. `last_used_at` changes without a new version (a use is not
    an update), so a store keeps it beside the text, where a use writes it
    without rewriting the record.
    The JWK Set is kept as its text, not re-serialized. A record whose
    client_id, org_id or user_id is not UTF-8 (see @ref valid_utf8) is
    refused: JSON text could not carry it, and it would not read back.
    @param rec the record
    @return its stored text, or `error::invalid_identifier` naming the id */
inline result<std::string> encode_record(client_record const& rec)
{
    if (auto bad = detail::unholdable_id(rec, valid_utf8))
        return std::move(*bad);
    auto const& md = rec.metadata;
    boost::json::object m;
    m["redirect_uris"] = boost::json::value_from(md.redirect_uris);
    m["token_endpoint_auth_method"] = to_string(md.token_endpoint_auth_method);
    boost::json::array grants, responses, localized;
    for (auto g : md.grant_types)
        grants.emplace_back(to_string(g));
    for (auto r : md.response_types)
        responses.emplace_back(to_string(r));
    m["grant_types"] = std::move(grants);
    m["response_types"] = std::move(responses);
    detail::put(m, "client_name", md.client_name);
    detail::put(m, "client_uri", md.client_uri);
    detail::put(m, "logo_uri", md.logo_uri);
    detail::put(m, "scope", md.scope);
    m["contacts"] = boost::json::value_from(md.contacts);
    detail::put(m, "tos_uri", md.tos_uri);
    detail::put(m, "policy_uri", md.policy_uri);
    detail::put(m, "jwks_uri", md.jwks_uri);
    detail::put(m, "jwks", md.jwks);
    detail::put(m, "software_id", md.software_id);
    detail::put(m, "software_version", md.software_version);
    detail::put(m, "software_statement", md.software_statement);
    if (md.app_type)
        m["application_type"] = to_string(*md.app_type);
    if (md.tls_client_auth) // under its own name; a record from before it has none
        m[to_string(*md.tls_client_auth)] = *md.tls_client_auth_value;
    for (auto const& lv : md.localized)
        localized.emplace_back(boost::json::array{to_string(lv.member), lv.language_tag, lv.value});
    m["localized"] = std::move(localized);

    boost::json::object o;
    o["format"] = record_format_version;
    o["client_id"] = rec.client_id;
    o["org_id"] = rec.owner.org_id;
    o["user_id"] = rec.owner.user_id;
    o["created_at"] = rec.created_at;
    o["updated_at"] = rec.updated_at;
    o["client_secret_hash"] = detail::hash_value(rec.client_secret_hash);
    o["client_secret_expires_at"] = rec.client_secret_expires_at;
    o["registration_token_hash"] = detail::hash_value(rec.registration_token_hash);
    o["require_pkce"] = rec.require_pkce;
    o["version"] = rec.version;
    o["origin"] = to_string(rec.origin);
    o["metadata"] = std::move(m);
    return boost::json::serialize(o);
}

namespace detail {

/** Bytes of stored text decode_record read on this thread: tests read it to
    prove that a store decodes as much for an unknown client as for a known one. */
inline std::size_t& decoded_bytes() noexcept
{
    thread_local std::size_t n = 0;
    return n;
}

/** decode_record's top level: the owner, timestamps, hashes, version and
    origin of `rec`; a bad member is failed in `r`. */
inline void read_record_members(record_reader& r, client_record& rec)
{
    rec.client_id = r.string("client_id");
    rec.owner.org_id = r.string("org_id");
    rec.owner.user_id = r.string("user_id");
    rec.created_at = r.integer("created_at");
    rec.updated_at = r.integer("updated_at");
    rec.client_secret_hash = r.hash("client_secret_hash");
    rec.client_secret_expires_at = r.integer("client_secret_expires_at");
    rec.registration_token_hash = r.hash("registration_token_hash");
    rec.require_pkce = r.boolean("require_pkce");
    auto version = r.integer("version");
    if (version < 1)
        r.fail("version");
    rec.version = static_cast<std::uint64_t>(version);
    // A record written before origins were kept has none: one with an RFC
    // 7592 token came through registration, the record API issues none.
    if (auto o = r.opt_string("origin")) {
        auto origin = parse_client_origin(*o);
        origin ? void(rec.origin = *origin) : r.fail("origin");
    } else {
        rec.origin = rec.registration_token_hash ? client_origin::registration : client_origin::api;
    }
}

/** decode_record's metadata members, but for the certificate subject and the
    localized values; a bad member is failed in `m`. */
inline void read_metadata_members(record_reader& m, client_metadata& md)
{
    md.redirect_uris = m.strings("redirect_uris");
    if (auto a = parse_auth_method(m.string("token_endpoint_auth_method")))
        md.token_endpoint_auth_method = *a;
    else
        m.fail("token_endpoint_auth_method");
    md.grant_types = m.enums<grant_type_list>("grant_types", [](std::string_view s) { return parse_grant_type(s); });
    md.response_types =
        m.enums<response_type_list>("response_types", [](std::string_view s) { return parse_response_type(s); });
    md.client_name = m.opt_string("client_name");
    md.client_uri = m.opt_string("client_uri");
    md.logo_uri = m.opt_string("logo_uri");
    md.scope = m.opt_string("scope");
    md.contacts = m.strings("contacts");
    md.tos_uri = m.opt_string("tos_uri");
    md.policy_uri = m.opt_string("policy_uri");
    md.jwks_uri = m.opt_string("jwks_uri");
    md.jwks = m.opt_string("jwks");
    // Rendering reads the JWK Set back; text that would not read back (not
    // JSON, or a number out of range, which older versions stored as
    // Infinity) makes this record unreadable, not every render of it.
    if (md.jwks && !parse_stored(*md.jwks))
        m.fail("jwks");
    md.software_id = m.opt_string("software_id");
    md.software_version = m.opt_string("software_version");
    md.software_statement = m.opt_string("software_statement");
    if (auto t = m.opt_string("application_type")) {
        if (auto a = parse_application_type(*t))
            md.app_type = *a;
        else
            m.fail("application_type");
    }
}

/** The certificate subject member of a stored record, at most one. */
inline void read_tls_client_auth_subject(record_reader& m, client_metadata& md)
{
    for (std::size_t i = 0; i < tls_client_auth_subject_names.names.size(); ++i) {
        auto const member = static_cast<tls_client_auth_subject>(i);
        if (auto subject = m.opt_string(to_string(member))) {
            if (md.tls_client_auth) // RFC 8705 2.1.2: exactly one
                m.fail(to_string(member));
            md.tls_client_auth = member;
            md.tls_client_auth_value = std::move(subject);
        }
    }
}

/** The localized values of a stored record's `metadata` object: [member,
    language tag, value] triples. */
inline void read_localized(record_reader& m, boost::json::object const& metadata, client_metadata& md)
{
    auto const* loc = metadata.if_contains("localized");
    if (loc && loc->is_array()) {
        for (auto const& e : loc->get_array()) {
            auto const* t = e.if_array();
            std::optional<localizable> member;
            if (t && t->size() == 3 && (*t)[0].is_string() && (*t)[1].is_string() && (*t)[2].is_string())
                member = localizable_names.find((*t)[0].get_string());
            if (!member) {
                m.fail("localized");
                break;
            }
            md.localized.push_back({*member, std::string((*t)[1].get_string()), std::string((*t)[2].get_string())});
        }
    } else {
        m.fail("localized");
    }
}

} // namespace detail

/** The record @ref encode_record wrote; `error::storage_failure` naming the
    bad member when the text is not one (a corrupt or foreign row).
    @param text the stored text
    @return the record, or the error */
inline result<client_record> decode_record(std::string_view text)
{
    detail::decoded_bytes() += text.size();
    boost::system::error_code ec;
    auto v = boost::json::parse(text, ec);
    if (ec || !v.is_object())
        return unreadable_record_error("stored record is not a JSON object");
    detail::record_reader r(v.get_object());
    // A row of another format version was written by another release of
    // oauthreg sharing the database (a rolling upgrade): it is not corrupt, so
    // it stays a store failure (500) rather than an unknown client (404/401),
    // which would tell its holders their credentials are gone.
    if (r.integer("format") != record_format_version)
        return make_error(error::storage_failure, "", "stored record has an unknown format version");

    client_record rec;
    detail::read_record_members(r, rec);
    detail::record_reader m(r.object("metadata"));
    detail::read_metadata_members(m, rec.metadata);
    detail::read_tls_client_auth_subject(m, rec.metadata);
    detail::read_localized(m, r.object("metadata"), rec.metadata);
    for (auto const* reader : {&r, &m})
        if (!reader->ok())
            return unreadable_record_error("stored record '" + std::string(detail::clip(rec.client_id)) +
                                           "': " + reader->why());
    return rec;
}

namespace detail {

/** The stored text of a typical client (two redirect URIs, a name, a scope,
    a contact, a secret and a registration access token): what a store
    decodes in place of a row it did not find (see @ref decode_stand_in). */
inline std::string const& stand_in_text()
{
    static std::string const text = [] {
        client_record rec;
        rec.client_id = "00000000-0000-4000-8000-000000000000";
        rec.owner = {"org-00000000", "user-00000000"};
        rec.client_secret_hash.emplace();
        rec.registration_token_hash.emplace();
        auto& md = rec.metadata;
        md.redirect_uris = {"https://app.example.com/oauth/callback", "https://app.example.com/oauth/callback2"};
        md.grant_types = {grant_type::authorization_code, grant_type::refresh_token};
        md.response_types = {response_type::code};
        md.client_name = "Example Application";
        md.scope = "openid profile email";
        md.contacts = {"ops@example.com"};
        return encode_record(rec).value();
    }();
    return text;
}

/** Decodes @ref stand_in_text and drops it. RFC 7592 2: the answer to an
    unknown client and to a known one with a wrong token must not tell the
    two apart, by timing either, so a store that decodes a found row decodes
    this when it finds none. */
inline void decode_stand_in() noexcept
{
    try {
        (void)decode_record(stand_in_text());
    } catch (...) { // out of memory: the answer matters, not the stand-in
    }
}

/** Builds one page of a listing from stored rows in client_id order: each
    row is decoded, or reported in `unreadable` when it cannot be, so one
    corrupt row never ends a listing; the cursor follows the last row taken,
    readable or not, so the next page starts after it. */
class list_page_builder {
public:
    explicit list_page_builder(std::size_t limit) : limit_(limit) {}

    /** Takes the next row; false, with the cursor set, once the page is full. */
    bool add(std::string_view client_id, std::string_view text)
    {
        if (rows_ == limit_) {
            page_.next_cursor = encode_cursor(last_);
            return false;
        }
        ++rows_;
        last_.assign(client_id);
        auto rec = decode_record(text);
        if (rec)
            page_.clients.push_back(std::move(*rec));
        else
            page_.unreadable.push_back({std::string(client_id), rec.error()});
        return true;
    }

    list_page take() { return std::move(page_); }

private:
    std::size_t limit_;
    std::size_t rows_ = 0;
    std::string last_;
    list_page page_;
};

} // namespace detail

} // namespace oauthreg

#endif
