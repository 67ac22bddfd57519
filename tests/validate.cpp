// Tests of the validate.hpp contract: one table row per rule, each naming its section.
#include <oauthreg/validate.hpp>

#include "support/catch.hpp"

#include <oauthreg/render.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <string>
#include <vector>

using oauthreg::error;

namespace {

enum class prof { dflt, full, implicit, allowlist, statement_required };

oauthreg::profile make_profile(prof p)
{
    using namespace oauthreg;
    switch (p) {
    case prof::dflt:
        return profile::default_profile();
    case prof::full:
        return profile::rfc7591();
    case prof::implicit: {
        auto x = profile::rfc7591();
        x.grant_types.insert(grant_type::implicit);
        x.response_types.insert(response_type::token);
        return x;
    }
    case prof::allowlist: {
        auto x = profile::default_profile();
        x.scope_allowlist = std::unordered_set<std::string>{"read", "write"};
        return x;
    }
    case prof::statement_required: {
        auto x = profile::default_profile();
        x.require_software_statement = true;
        return x;
    }
    }
    return profile::default_profile();
}

/** What a row expects: the fine-grained error and the RFC 7591 3.2.2 wire
    code a client sees for it, both written out; or neither, for a valid body. */
struct outcome {
    std::optional<error> code;
    std::string_view wire;
};

struct row {
    char const* section;
    char const* name;
    std::string body;
    outcome expect;
    prof p = prof::dflt;
};

constexpr outcome ok{};

// A client with one redirect URI; a web client with extra members; a service client.
#define REDIRECT(u) "{\"redirect_uris\":[\"" u "\"]}"
#define WEB(members) "{\"redirect_uris\":[\"https://app.example.com/cb\"]," members "}"
#define SVC(members) "{\"grant_types\":[\"client_credentials\"]," members "}"

std::string many(std::string const& prefix, int n, char const* item, char const* suffix, char sep = ',')
{
    std::string s = prefix;
    for (int i = 0; i < n; ++i) {
        if (i)
            s += sep;
        std::string it = item;
        auto p = it.find('%');
        if (p != std::string::npos)
            it.replace(p, 1, std::to_string(i));
        s += it;
    }
    return s + suffix;
}

std::vector<row> const& rows()
{
    static std::vector<row> const r = {
        // ---- the body: one JSON object (RFC 7591 3.1, RFC 8259) -------------
        {"RFC 7591 3.1", "empty body", "", {error::malformed_json, "invalid_client_metadata"}},
        {"RFC 7591 3.1", "array body", "[]", {error::body_not_object, "invalid_client_metadata"}},
        {"RFC 7591 3.1", "string body", "\"x\"", {error::body_not_object, "invalid_client_metadata"}},
        {"RFC 7591 3.1", "empty string body", "\"\"", {error::body_not_object, "invalid_client_metadata"}},
        {"RFC 7591 3.1", "number body", "42", {error::body_not_object, "invalid_client_metadata"}},
        {"RFC 7591 3.1", "null body", "null", {error::body_not_object, "invalid_client_metadata"}},
        {"RFC 7591 3.1", "boolean body", "true", {error::body_not_object, "invalid_client_metadata"}},
        {"RFC 8259 2",
         "truncated object",
         "{\"redirect_uris\":[\"https://a.example/cb\"]",
         {error::malformed_json, "invalid_client_metadata"}},
        {"RFC 8259 2",
         "trailing garbage",
         REDIRECT("https://a.example/cb") " x",
         {error::malformed_json, "invalid_client_metadata"}},
        {"RFC 8259 2",
         "two objects",
         REDIRECT("https://a.example/cb") "{}",
         {error::malformed_json, "invalid_client_metadata"}},
        {"RFC 8259 2", "trailing whitespace is fine", REDIRECT("https://a.example/cb") " \n\t", ok},
        {"RFC 8259 2",
         "comments are not JSON",
         "{/*c*/\"redirect_uris\":[\"https://a.example/cb\"]}",
         {error::malformed_json, "invalid_client_metadata"}},
        {"RFC 8259 8.1",
         "invalid UTF-8 in a string",
         WEB("\"client_name\":\"\xff\xfe\""),
         {error::malformed_json, "invalid_client_metadata"}},
        {"RFC 8259 8.1",
         "overlong UTF-8 encoding",
         WEB("\"client_name\":\"\xc0\xaf\""),
         {error::malformed_json, "invalid_client_metadata"}},
        {"RFC 8259 8.1",
         "UTF-16 surrogate encoded in UTF-8",
         WEB("\"client_name\":\"\xed\xa0\x80\""),
         {error::malformed_json, "invalid_client_metadata"}},
        {"RFC 8259 4",
         "duplicate top-level member",
         WEB("\"client_name\":\"a\",\"client_name\":\"b\""),
         {error::duplicate_member, "invalid_client_metadata"}},
        {"RFC 8259 4",
         "duplicate redirect_uris",
         WEB("\"redirect_uris\":[\"https://b.example/cb\"]"),
         {error::duplicate_member, "invalid_client_metadata"}},
        {"RFC 8259 4",
         "duplicate member in an ignored object",
         WEB("\"x\":{\"a\":1,\"a\":2}"),
         {error::duplicate_member, "invalid_client_metadata"}},
        {"RFC 8259 4",
         "duplicate member inside jwks",
         SVC("\"jwks\":{\"keys\":[{\"kty\":\"EC\",\"kty\":\"RSA\"}]}"),
         {error::duplicate_member, "invalid_client_metadata"}},
        {"RFC 8259 4", "same name in sibling objects is fine", WEB("\"x\":{\"a\":1},\"y\":{\"a\":2}"), ok},
        {"RFC 8259 9",
         "nesting deeper than the limit",
         WEB("\"x\":[[[[[[[[1]]]]]]]]"),
         {error::nesting_too_deep, "invalid_client_metadata"}},
        {"RFC 8259 9", "nesting at the limit", WEB("\"x\":[[[[[[[1]]]]]]]"), ok},
        {"RFC 7591 2", "unknown members are ignored", WEB("\"x-extension\":{\"any\":[1,true,null]}"), ok},
        {"RFC 7591 3.2.1", "client_id in a request is ignored", WEB("\"client_id\":\"mine\""), ok},
        {"RFC 7591 3.2.1", "client_secret in a request is ignored", WEB("\"client_secret\":42"), ok},
        {"RFC 7591 2", "null member counts as absent", WEB("\"client_name\":null"), ok},
        {"RFC 7591 2",
         "null redirect_uris counts as absent",
         "{\"redirect_uris\":null}",
         {error::redirect_uris_missing, "invalid_redirect_uri"}},
        {"RFC 7591 2", "null grant_types takes the default",
         "{\"grant_types\":null,\"redirect_uris\":[\"https://a.example/cb\"]}", ok},
        {"RFC 8259 7", "escaped solidus in a URI", REDIRECT("https:\\/\\/a.example\\/cb"), ok},
        {"RFC 8259 7", "unicode escape in a name", WEB("\"client_name\":\"Caf\\u00e9\""), ok},

        // ---- redirect URIs (RFC 6749 3.1.2, RFC 8252, RFC 9700) ----------------
        {"RFC 6749 3.1.2", "https redirect URI", REDIRECT("https://app.example.com/cb"), ok},
        {"RFC 6749 3.1.2", "https with port", REDIRECT("https://app.example.com:8443/cb"), ok},
        {"RFC 6749 3.1.2", "query component is allowed", REDIRECT("https://app.example.com/cb?tenant=eu"), ok},
        {"RFC 6749 3.1.2", "percent-encoded path", REDIRECT("https://app.example.com/c%20b"), ok},
        {"RFC 6749 3.1.2", "scheme is case-insensitive", REDIRECT("HTTPS://app.example.com/cb"), ok},
        {"RFC 6749 3.1.2", "maximum port", REDIRECT("https://app.example.com:65535/cb"), ok},
        {"RFC 6749 3.1.2",
         "fragment",
         REDIRECT("https://app.example.com/cb#frag"),
         {error::redirect_uri_has_fragment, "invalid_redirect_uri"}},
        {"RFC 6749 3.1.2",
         "empty fragment",
         REDIRECT("https://app.example.com/cb#"),
         {error::redirect_uri_has_fragment, "invalid_redirect_uri"}},
        {"RFC 6749 3.1.2",
         "fragment on loopback",
         REDIRECT("http://127.0.0.1/cb#x"),
         {error::redirect_uri_has_fragment, "invalid_redirect_uri"}},
        {"RFC 6749 3.1.2",
         "absolute path only",
         REDIRECT("/cb"),
         {error::redirect_uri_not_absolute, "invalid_redirect_uri"}},
        {"RFC 6749 3.1.2", "relative path", REDIRECT("cb"), {error::redirect_uri_not_absolute, "invalid_redirect_uri"}},
        {"RFC 6749 3.1.2",
         "network-path reference",
         REDIRECT("//app.example.com/cb"),
         {error::redirect_uri_not_absolute, "invalid_redirect_uri"}},
        {"RFC 6749 3.1.2",
         "dot segments",
         REDIRECT("../cb"),
         {error::redirect_uri_not_absolute, "invalid_redirect_uri"}},
        {"RFC 6749 3.1.2",
         "host and path without scheme",
         REDIRECT("app.example.com/cb"),
         {error::redirect_uri_not_absolute, "invalid_redirect_uri"}},
        {"RFC 6749 3.1.2", "empty string", REDIRECT(""), {error::redirect_uri_not_absolute, "invalid_redirect_uri"}},
        {"RFC 3986 3",
         "space in host",
         REDIRECT("https://app example.com/cb"),
         {error::redirect_uri_malformed, "invalid_redirect_uri"}},
        {"RFC 3986 3.2.2",
         "unclosed IPv6 literal",
         REDIRECT("https://[::1/cb"),
         {error::redirect_uri_malformed, "invalid_redirect_uri"}},
        {"RFC 3986 2",
         "raw non-ASCII host",
         REDIRECT("https://b\xc3\xbc"
                  "cher.example/cb"),
         {error::redirect_uri_malformed, "invalid_redirect_uri"}},
        {"RFC 3986 2",
         "control character",
         REDIRECT("https://app.example.com/c\\nb"),
         {error::redirect_uri_malformed, "invalid_redirect_uri"}},
        {"RFC 3986 3.2.2",
         "https without host",
         REDIRECT("https://"),
         {error::redirect_uri_missing_host, "invalid_redirect_uri"}},
        {"RFC 3986 3.2.2",
         "https with empty host",
         REDIRECT("https:///cb"),
         {error::redirect_uri_missing_host, "invalid_redirect_uri"}},
        {"RFC 3986 3.2.2",
         "https without authority",
         REDIRECT("https:/cb"),
         {error::redirect_uri_missing_host, "invalid_redirect_uri"}},
        {"RFC 3986 3.2.3",
         "port out of range",
         REDIRECT("https://app.example.com:99999/cb"),
         {error::redirect_uri_bad_port, "invalid_redirect_uri"}},
        {"RFC 3986 3.2.3",
         "port out of range on loopback",
         REDIRECT("http://127.0.0.1:65536/cb"),
         {error::redirect_uri_bad_port, "invalid_redirect_uri"}},
        {"RFC 9700 4.1",
         "userinfo with password",
         REDIRECT("https://user:pw@app.example.com/cb"),
         {error::redirect_uri_has_userinfo, "invalid_redirect_uri"}},
        {"RFC 9700 4.1",
         "userinfo",
         REDIRECT("https://user@app.example.com/cb"),
         {error::redirect_uri_has_userinfo, "invalid_redirect_uri"}},
        {"RFC 9700 2.1",
         "wildcard host",
         REDIRECT("https://*.example.com/cb"),
         {error::redirect_uri_has_wildcard, "invalid_redirect_uri"}},
        {"RFC 9700 2.1",
         "wildcard path",
         REDIRECT("https://app.example.com/*"),
         {error::redirect_uri_has_wildcard, "invalid_redirect_uri"}},
        {"RFC 9700 4.1",
         "javascript scheme",
         REDIRECT("javascript:alert(1)"),
         {error::redirect_uri_forbidden_scheme, "invalid_redirect_uri"}},
        {"RFC 9700 4.1",
         "javascript scheme upper case",
         REDIRECT("JavaScript:alert(1)"),
         {error::redirect_uri_forbidden_scheme, "invalid_redirect_uri"}},
        {"RFC 9700 4.1",
         "data scheme",
         REDIRECT("data:text/html,hi"),
         {error::redirect_uri_forbidden_scheme, "invalid_redirect_uri"}},
        {"RFC 9700 4.1",
         "file scheme",
         REDIRECT("file:///etc/passwd"),
         {error::redirect_uri_forbidden_scheme, "invalid_redirect_uri"}},
        {"RFC 9700 4.1",
         "vbscript scheme",
         REDIRECT("vbscript:msgbox(1)"),
         {error::redirect_uri_forbidden_scheme, "invalid_redirect_uri"}},
        {"RFC 9700 4.1",
         "blob scheme",
         REDIRECT("blob:https://app.example.com/x"),
         {error::redirect_uri_forbidden_scheme, "invalid_redirect_uri"}},
        {"RFC 9700 4.1",
         "about scheme",
         REDIRECT("about:blank"),
         {error::redirect_uri_forbidden_scheme, "invalid_redirect_uri"}},
        {"RFC 9700 2.6",
         "http to a DNS name",
         REDIRECT("http://app.example.com/cb"),
         {error::redirect_uri_insecure_http, "invalid_redirect_uri"}},
        {"RFC 9700 2.6",
         "http to a private IPv4",
         REDIRECT("http://10.0.0.1:8080/cb"),
         {error::redirect_uri_insecure_http, "invalid_redirect_uri"}},
        {"RFC 9700 2.6",
         "http to 192.168",
         REDIRECT("http://192.168.1.2/cb"),
         {error::redirect_uri_insecure_http, "invalid_redirect_uri"}},
        {"RFC 8252 8.3",
         "http to localhost by name",
         REDIRECT("http://localhost/cb"),
         {error::redirect_uri_insecure_http, "invalid_redirect_uri"}},
        {"RFC 8252 7.3",
         "http to 127.0.0.2",
         REDIRECT("http://127.0.0.2/cb"),
         {error::redirect_uri_insecure_http, "invalid_redirect_uri"}},
        {"RFC 8252 7.3",
         "http to ::2",
         REDIRECT("http://[::2]/cb"),
         {error::redirect_uri_insecure_http, "invalid_redirect_uri"}},
        {"RFC 8252 7.3",
         "http without host",
         REDIRECT("http:///cb"),
         {error::redirect_uri_missing_host, "invalid_redirect_uri"}},
        // RFC 3986 3.2.2: a host that only begins like an IPv4 address is a
        // reg-name, so plain http to it is http to a DNS name (Boost.URL 1.81
        // took the first four labels as the host and the rest as the path).
        {"RFC 8252 8.3",
         "http to a look-alike loopback name",
         REDIRECT("http://127.0.0.1.evil.example/cb"),
         {error::redirect_uri_insecure_http, "invalid_redirect_uri"}},
        {"RFC 8252 8.3",
         "http to a look-alike loopback name, no path",
         REDIRECT("http://127.0.0.1.evil.example"),
         {error::redirect_uri_insecure_http, "invalid_redirect_uri"}},
        {"RFC 8252 8.3",
         "http to a look-alike loopback name with port",
         REDIRECT("http://127.0.0.1.evil.example:8080/cb"),
         {error::redirect_uri_insecure_http, "invalid_redirect_uri"}},
        {"RFC 8252 8.3",
         "http to a look-alike loopback name, trailing dot",
         REDIRECT("http://127.0.0.1./cb"),
         {error::redirect_uri_insecure_http, "invalid_redirect_uri"}},
        {"RFC 8252 8.3",
         "http to a look-alike loopback name, fifth number",
         REDIRECT("http://127.0.0.1.5/cb"),
         {error::redirect_uri_insecure_http, "invalid_redirect_uri"}},
        {"RFC 8252 8.3",
         "http to a look-alike loopback name, dash",
         REDIRECT("http://127.0.0.1-evil.example/cb"),
         {error::redirect_uri_insecure_http, "invalid_redirect_uri"}},
        {"RFC 8252 8.3",
         "http to a look-alike loopback name, octet 1000",
         REDIRECT("http://127.0.0.1000/cb"),
         {error::redirect_uri_insecure_http, "invalid_redirect_uri"}},
        {"RFC 8252 8.3",
         "http to 127.0.0.01 (dec-octet has no leading zero)",
         REDIRECT("http://127.0.0.01/cb"),
         {error::redirect_uri_insecure_http, "invalid_redirect_uri"}},
        {"RFC 3986 3.2.2", "https to a name that begins with an address", REDIRECT("https://1.2.3.4.example.com/x"),
         ok},
        // RFC 3986 3.2.3: port = *DIGIT, and only "/", "?", "#" or the end may
        // follow the authority (3.3); Boost.URL 1.81 folded the rest into the path.
        {"RFC 3986 3.2.3",
         "port with a letter after it",
         REDIRECT("http://127.0.0.1:8080x/"),
         {error::redirect_uri_malformed, "invalid_redirect_uri"}},
        {"RFC 3986 3.2.3",
         "IPv6 loopback, port of letters",
         REDIRECT("http://[::1]:abc/"),
         {error::redirect_uri_malformed, "invalid_redirect_uri"}},
        {"RFC 3986 3.2.3",
         "negative port",
         REDIRECT("https://a.example:-1/"),
         {error::redirect_uri_malformed, "invalid_redirect_uri"}},
        {"RFC 3986 3.2.3",
         "port of a dot and a name",
         REDIRECT("http://127.0.0.1:.evil.com/"),
         {error::redirect_uri_malformed, "invalid_redirect_uri"}},
        {"RFC 3986 3.2.3",
         "port with a letter, no path",
         REDIRECT("https://a.example:443x"),
         {error::redirect_uri_malformed, "invalid_redirect_uri"}},
        {"RFC 3986 3.2.3",
         "IPv6 literal followed by a letter",
         REDIRECT("http://[::1]x/cb"),
         {error::redirect_uri_malformed, "invalid_redirect_uri"}},
        {"RFC 3986 3.2.3", "port with leading zeros", REDIRECT("https://a.example:000443/cb"), ok},
        {"RFC 3986 3.2.3", "loopback port with leading zeros", REDIRECT("http://127.0.0.1:0000065535/cb"), ok},
        {"RFC 3986 3.2.3", "empty port", REDIRECT("https://a.example:/cb"), ok},
        {"RFC 3986 3.2.3",
         "port 65536 behind leading zeros",
         REDIRECT("https://a.example:0065536/cb"),
         {error::redirect_uri_bad_port, "invalid_redirect_uri"}},
        {"RFC 3986 3.2.2",
         "IPv6 zone id (RFC 6874) is not RFC 3986",
         REDIRECT("http://[::1%25eth0]/cb"),
         {error::redirect_uri_malformed, "invalid_redirect_uri"}},
        {"RFC 8252 7.3", "IPv6 loopback, another spelling", REDIRECT("http://[0::0:1]/cb"), ok},
        {"RFC 8252 7.3",
         "IPv4-mapped loopback is not ::1",
         REDIRECT("http://[::ffff:127.0.0.1]/cb"),
         {error::redirect_uri_insecure_http, "invalid_redirect_uri"}},
        {"RFC 8252 7.3",
         "IPvFuture is not a loopback literal",
         REDIRECT("http://[v1.x]/cb"),
         {error::redirect_uri_insecure_http, "invalid_redirect_uri"}},
        {"RFC 8252 7.3", "IPv4 loopback", REDIRECT("http://127.0.0.1/cb"), ok},
        {"RFC 8252 7.3", "IPv4 loopback with port", REDIRECT("http://127.0.0.1:51234/cb"), ok},
        {"RFC 8252 7.3", "IPv6 loopback", REDIRECT("http://[::1]/cb"), ok},
        {"RFC 8252 7.3", "IPv6 loopback with port", REDIRECT("http://[::1]:8080/oauth2redirect"), ok},
        {"RFC 8252 7.3", "IPv6 loopback, full form", REDIRECT("http://[0:0:0:0:0:0:0:1]/cb"), ok},
        {"RFC 8252 8.4", "https to a loopback IP", REDIRECT("https://127.0.0.1/cb"), ok},
        {"RFC 8252 7.1", "private-use scheme", REDIRECT("com.example.app:/cb"), ok},
        {"RFC 8252 7.1", "private-use scheme, long path", REDIRECT("com.example.app:/oauth2redirect/example-provider"),
         ok},
        {"RFC 8252 7.1", "private-use scheme with digits and dash", REDIRECT("io.my-app2.mobile:/cb"), ok},
        {"RFC 8252 7.1",
         "private-use scheme with two slashes",
         REDIRECT("com.example.app://cb"),
         {error::redirect_uri_bad_private_scheme, "invalid_redirect_uri"}},
        {"RFC 8252 7.1",
         "private-use scheme without slash",
         REDIRECT("com.example.app:cb"),
         {error::redirect_uri_bad_private_scheme, "invalid_redirect_uri"}},
        {"RFC 8252 7.1",
         "custom scheme without a dot",
         REDIRECT("myapp:/cb"),
         {error::redirect_uri_bad_private_scheme, "invalid_redirect_uri"}},
        {"RFC 8252 7.1",
         "empty label in scheme",
         REDIRECT("com..example:/cb"),
         {error::redirect_uri_bad_private_scheme, "invalid_redirect_uri"}},
        {"RFC 8252 7.1",
         "trailing dot in scheme",
         REDIRECT("com.example.:/cb"),
         {error::redirect_uri_bad_private_scheme, "invalid_redirect_uri"}},
        {"RFC 8252 7.1",
         "host:port mistaken for a scheme",
         REDIRECT("us.acme.co.uk:8443/cb"),
         {error::redirect_uri_bad_private_scheme, "invalid_redirect_uri"}},
        {"RFC 8252 7.1",
         "ftp is not a redirect scheme",
         REDIRECT("ftp://app.example.com/cb"),
         {error::redirect_uri_bad_private_scheme, "invalid_redirect_uri"}},
        {"RFC 7591 2",
         "redirect_uris as a string",
         "{\"redirect_uris\":\"https://a.example/cb\"}",
         {error::redirect_uris_wrong_type, "invalid_redirect_uri"}},
        {"RFC 7591 2",
         "redirect_uris as an object",
         "{\"redirect_uris\":{\"u\":\"https://a.example/cb\"}}",
         {error::redirect_uris_wrong_type, "invalid_redirect_uri"}},
        {"RFC 7591 2",
         "redirect_uris as a number",
         "{\"redirect_uris\":1}",
         {error::redirect_uris_wrong_type, "invalid_redirect_uri"}},
        {"RFC 7591 2",
         "number element",
         "{\"redirect_uris\":[\"https://a.example/cb\",42]}",
         {error::redirect_uris_wrong_type, "invalid_redirect_uri"}},
        {"RFC 7591 2",
         "null element",
         "{\"redirect_uris\":[\"https://a.example/cb\",null]}",
         {error::redirect_uris_wrong_type, "invalid_redirect_uri"}},
        {"RFC 7591 2",
         "boolean element",
         "{\"redirect_uris\":[true]}",
         {error::redirect_uris_wrong_type, "invalid_redirect_uri"}},
        {"RFC 7591 2",
         "object element",
         "{\"redirect_uris\":[{\"uri\":\"https://a.example/cb\"}]}",
         {error::redirect_uris_wrong_type, "invalid_redirect_uri"}},
        {"RFC 7591 2",
         "array element",
         "{\"redirect_uris\":[[\"https://a.example/cb\"]]}",
         {error::redirect_uris_wrong_type, "invalid_redirect_uri"}},
        {"RFC 6749 3.1.2.2",
         "empty redirect_uris with the code grant",
         "{\"redirect_uris\":[]}",
         {error::redirect_uris_missing, "invalid_redirect_uri"}},
        {"RFC 6749 3.1.2.2",
         "missing redirect_uris with the code grant",
         "{\"grant_types\":[\"authorization_code\"],\"response_types\":[\"code\"]}",
         {error::redirect_uris_missing, "invalid_redirect_uri"}},
        {"RFC 6749 3.1.2.2", "no redirect_uris needed for client_credentials", SVC("\"redirect_uris\":[]"), ok},
        {"RFC 6749 3.1.2.2", "redirect_uris kept for client_credentials",
         SVC("\"redirect_uris\":[\"https://a.example/cb\"]"), ok},
        {"RFC 6749 3.1.2",
         "second URI is checked too",
         "{\"redirect_uris\":[\"https://a.example/cb\",\"https://b.example/#\"]}",
         {error::redirect_uri_has_fragment, "invalid_redirect_uri"}},
        {"RFC 6749 3.1.2", "several valid URIs of each kind",
         "{\"redirect_uris\":[\"https://a.example/cb\",\"http://127.0.0.1:1/cb\",\"com.example.app:/cb\"]}", ok},
        {"docs/profile.md limits", "32 redirect URIs", many("{\"redirect_uris\":[", 32, "\"https://a.example/%\"", "]}"), ok},
        {"docs/profile.md limits",
         "33 redirect URIs",
         many("{\"redirect_uris\":[", 33, "\"https://a.example/%\"", "]}"),
         {error::too_many_redirect_uris, "invalid_redirect_uri"}},
        {"docs/profile.md limits", "redirect URI of 2048 bytes",
         "{\"redirect_uris\":[\"https://a.example/" + std::string(2048 - 18, 'a') + "\"]}", ok},
        {"docs/profile.md limits",
         "redirect URI of 2049 bytes",
         "{\"redirect_uris\":[\"https://a.example/" + std::string(2049 - 18, 'a') + "\"]}",
         {error::redirect_uri_too_long, "invalid_redirect_uri"}},

        // ---- grant and response types (RFC 7591 2, 2.1) -------------------------
        {"RFC 7591 2.1", "code grant with code response",
         WEB("\"grant_types\":[\"authorization_code\"],\"response_types\":[\"code\"]"), ok},
        {"RFC 7591 2", "default grant, default response", REDIRECT("https://a.example/cb"), ok},
        {"RFC 7591 2", "code grant, response type defaulted",
         WEB("\"grant_types\":[\"authorization_code\",\"refresh_token\"]"), ok},
        {"RFC 7591 2.1", "client_credentials, response defaulted to none", SVC("\"scope\":\"read\""), ok},
        {"RFC 7591 2.1", "client_credentials with empty response_types", SVC("\"response_types\":[]"), ok},
        {"RFC 7591 2.1",
         "client_credentials with code response",
         SVC("\"response_types\":[\"code\"]"),
         {error::grant_response_mismatch, "invalid_client_metadata"}},
        {"RFC 7591 2.1",
         "code grant without code response",
         WEB("\"grant_types\":[\"authorization_code\"],\"response_types\":[]"),
         {error::grant_response_mismatch, "invalid_client_metadata"}},
        {"RFC 7591 2.1",
         "code response with default grant but empty",
         WEB("\"response_types\":[]"),
         {error::grant_response_mismatch, "invalid_client_metadata"}},
        {"RFC 7591 2.1",
         "refresh_token alone with code response",
         WEB("\"grant_types\":[\"refresh_token\"],\"response_types\":[\"code\"]"),
         {error::grant_response_mismatch, "invalid_client_metadata"}},
        {"RFC 7591 2.1", "refresh_token alone without response types", WEB("\"grant_types\":[\"refresh_token\"]"), ok},
        {"RFC 7591 2.1", "client_credentials and refresh_token",
         "{\"grant_types\":[\"client_credentials\",\"refresh_token\"]}", ok},
        {"RFC 7591 2.1", "code grant plus client_credentials",
         WEB("\"grant_types\":[\"authorization_code\",\"client_credentials\"]"), ok},
        {"RFC 7591 2",
         "token response type is not in the default profile",
         WEB("\"grant_types\":[\"authorization_code\"],\"response_types\":[\"code\",\"token\"]"),
         {error::unsupported_response_type, "invalid_client_metadata"}},
        {"RFC 7591 2",
         "unknown response type",
         WEB("\"response_types\":[\"id_token\"]"),
         {error::unsupported_response_type, "invalid_client_metadata"}},
        {"RFC 9700 2.1.2",
         "implicit grant is not in the default profile",
         WEB("\"grant_types\":[\"implicit\"]"),
         {error::unsupported_grant_type, "invalid_client_metadata"}},
        {"RFC 9700 2.4",
         "password grant is refused everywhere",
         "{\"grant_types\":[\"password\"]}",
         {error::unsupported_grant_type, "invalid_client_metadata"}},
        {"RFC 9700 2.4",
         "password grant is refused by the rfc7591 profile",
         "{\"grant_types\":[\"password\"]}",
         {error::unsupported_grant_type, "invalid_client_metadata"},
         prof::full},
        {"RFC 7591 2",
         "grant types are case-sensitive",
         WEB("\"grant_types\":[\"Authorization_Code\"]"),
         {error::unsupported_grant_type, "invalid_client_metadata"}},
        {"RFC 7591 2",
         "unknown grant type",
         WEB("\"grant_types\":[\"magic\"]"),
         {error::unsupported_grant_type, "invalid_client_metadata"}},
        {"RFC 7591 2",
         "empty grant_types",
         WEB("\"grant_types\":[]"),
         {error::empty_grant_types, "invalid_client_metadata"}},
        {"RFC 7591 2",
         "grant_types as a string",
         WEB("\"grant_types\":\"authorization_code\""),
         {error::wrong_type, "invalid_client_metadata"}},
        {"RFC 7591 2",
         "grant_types element is a number",
         WEB("\"grant_types\":[1]"),
         {error::wrong_type, "invalid_client_metadata"}},
        {"RFC 7591 2",
         "response_types as a string",
         WEB("\"response_types\":\"code\""),
         {error::wrong_type, "invalid_client_metadata"}},
        {"RFC 7591 2",
         "response_types element is null",
         WEB("\"response_types\":[null]"),
         {error::wrong_type, "invalid_client_metadata"}},
        {"RFC 7591 2", "repeated grant type is kept once",
         WEB("\"grant_types\":[\"authorization_code\",\"authorization_code\"]"), ok},
        {"RFC 8628 7",
         "device code grant is not in the default profile",
         "{\"grant_types\":[\"urn:ietf:params:oauth:grant-type:device_code\"]}",
         {error::unsupported_grant_type, "invalid_client_metadata"}},
        {"RFC 8628 7", "device code grant in the rfc7591 profile",
         "{\"grant_types\":[\"urn:ietf:params:oauth:grant-type:device_code\"],\"token_endpoint_auth_method\":\"none\"}",
         ok, prof::full},
        {"RFC 7523 2.1", "JWT bearer grant in the rfc7591 profile",
         "{\"grant_types\":[\"urn:ietf:params:oauth:grant-type:jwt-bearer\"]}", ok, prof::full},
        {"RFC 8693 2", "token exchange in the rfc7591 profile",
         "{\"grant_types\":[\"urn:ietf:params:oauth:grant-type:token-exchange\"]}", ok, prof::full},
        {"RFC 9700 2.1.2",
         "implicit is not in the rfc7591 profile",
         WEB("\"grant_types\":[\"implicit\"]"),
         {error::unsupported_grant_type, "invalid_client_metadata"},
         prof::full},
        {"RFC 7591 2.1", "implicit defaults to the token response", WEB("\"grant_types\":[\"implicit\"]"), ok,
         prof::implicit},
        {"RFC 7591 2.1",
         "implicit with code response",
         WEB("\"grant_types\":[\"implicit\"],\"response_types\":[\"code\"]"),
         {error::grant_response_mismatch, "invalid_client_metadata"},
         prof::implicit},
        {"RFC 7591 2.1",
         "token response without implicit",
         WEB("\"response_types\":[\"code\",\"token\"]"),
         {error::grant_response_mismatch, "invalid_client_metadata"},
         prof::implicit},
        {"RFC 7591 2.1", "code and implicit, code and token",
         WEB("\"grant_types\":[\"authorization_code\",\"implicit\"],\"response_types\":[\"code\",\"token\"]"), ok,
         prof::implicit},
        {"RFC 6749 3.1.2.2",
         "implicit without redirect URIs",
         "{\"grant_types\":[\"implicit\"]}",
         {error::redirect_uris_missing, "invalid_redirect_uri"},
         prof::implicit},

        // ---- token endpoint authentication (RFC 7591 2) ---------------------------
        {"RFC 7591 2", "none makes a public client", WEB("\"token_endpoint_auth_method\":\"none\""), ok},
        {"RFC 7591 2", "client_secret_post", WEB("\"token_endpoint_auth_method\":\"client_secret_post\""), ok},
        {"RFC 7591 2", "client_secret_basic", WEB("\"token_endpoint_auth_method\":\"client_secret_basic\""), ok},
        {"RFC 7591 2",
         "auth methods are case-sensitive",
         WEB("\"token_endpoint_auth_method\":\"None\""),
         {error::unsupported_auth_method, "invalid_client_metadata"}},
        {"RFC 7591 2",
         "empty auth method",
         WEB("\"token_endpoint_auth_method\":\"\""),
         {error::unsupported_auth_method, "invalid_client_metadata"}},
        {"RFC 7591 2",
         "unknown auth method",
         WEB("\"token_endpoint_auth_method\":\"client_secret\""),
         {error::unsupported_auth_method, "invalid_client_metadata"}},
        {"RFC 7523 2.2",
         "client_secret_jwt is not in the default profile",
         WEB("\"token_endpoint_auth_method\":\"client_secret_jwt\""),
         {error::unsupported_auth_method, "invalid_client_metadata"}},
        {"RFC 7523 2.2",
         "private_key_jwt with jwks_uri in the default profile",
         WEB("\"token_endpoint_auth_method\":\"private_key_jwt\",\"jwks_uri\":\"https://a.example/jwks\""), ok},
        {"RFC 7523 2.2",
         "private_key_jwt without keys in the default profile",
         WEB("\"token_endpoint_auth_method\":\"private_key_jwt\""),
         {error::auth_method_requires_keys, "invalid_client_metadata"}},
        {"RFC 7523 2.2", "client_secret_jwt in the rfc7591 profile",
         WEB("\"token_endpoint_auth_method\":\"client_secret_jwt\""), ok, prof::full},
        {"RFC 7523 2.2", "private_key_jwt with jwks_uri",
         WEB("\"token_endpoint_auth_method\":\"private_key_jwt\",\"jwks_uri\":\"https://a.example/jwks\""), ok,
         prof::full},
        {"RFC 7523 2.2",
         "private_key_jwt without keys",
         WEB("\"token_endpoint_auth_method\":\"private_key_jwt\""),
         {error::auth_method_requires_keys, "invalid_client_metadata"},
         prof::full},
        {"RFC 8705 2.1.2",
         "tls_client_auth without a certificate subject member",
         WEB("\"token_endpoint_auth_method\":\"tls_client_auth\""),
         {error::tls_client_auth_subject_missing, "invalid_client_metadata"},
         prof::full},
        {"RFC 8705 2.1.2", "tls_client_auth with a subject DN",
         WEB("\"token_endpoint_auth_method\":\"tls_client_auth\",\"tls_client_auth_subject_dn\":\"CN=app,O=Example,C="
             "SE\""),
         ok, prof::full},
        {"RFC 8705 2.1.2", "tls_client_auth with a SAN dNSName",
         WEB("\"token_endpoint_auth_method\":\"tls_client_auth\",\"tls_client_auth_san_dns\":\"client.example.com\""),
         ok, prof::full},
        {"RFC 8705 2.1.2", "tls_client_auth with a wildcard SAN dNSName",
         WEB("\"token_endpoint_auth_method\":\"tls_client_auth\",\"tls_client_auth_san_dns\":\"*.example.com\""), ok,
         prof::full},
        {"RFC 8705 2.1.2", "tls_client_auth with a SAN URI",
         WEB("\"token_endpoint_auth_method\":\"tls_client_auth\",\"tls_client_auth_san_uri\":\"spiffe://example.org/ns/"
             "prod/sa/app\""),
         ok, prof::full},
        {"RFC 8705 2.1.2", "tls_client_auth with a SAN IPv4 address",
         WEB("\"token_endpoint_auth_method\":\"tls_client_auth\",\"tls_client_auth_san_ip\":\"192.0.2.10\""), ok,
         prof::full},
        {"RFC 8705 2.1.2", "tls_client_auth with a SAN IPv6 address",
         WEB("\"token_endpoint_auth_method\":\"tls_client_auth\",\"tls_client_auth_san_ip\":\"2001:db8::10\""), ok,
         prof::full},
        {"RFC 8705 2.1.2", "tls_client_auth with a SAN rfc822Name",
         WEB("\"token_endpoint_auth_method\":\"tls_client_auth\",\"tls_client_auth_san_email\":\"ops+tls@example."
             "com\""),
         ok, prof::full},
        {"RFC 8705 2.1.2",
         "two certificate subject members",
         WEB("\"token_endpoint_auth_method\":\"tls_client_auth\",\"tls_client_auth_san_dns\":\"a.example.com\",\"tls_"
             "client_auth_san_ip\":\"192.0.2.1\""),
         {error::tls_client_auth_subject_ambiguous, "invalid_client_metadata"},
         prof::full},
        {"RFC 8705 2.1.2",
         "a subject member with client_secret_basic",
         WEB("\"tls_client_auth_san_dns\":\"a.example.com\""),
         {error::tls_client_auth_subject_unexpected, "invalid_client_metadata"},
         prof::full},
        {"RFC 8705 2.1.2",
         "a subject member in the default profile",
         WEB("\"tls_client_auth_subject_dn\":\"CN=a\""),
         {error::tls_client_auth_subject_unexpected, "invalid_client_metadata"},
         prof::dflt},
        {"RFC 8705 2.1.2",
         "a subject member with self_signed_tls_client_auth",
         WEB("\"token_endpoint_auth_method\":\"self_signed_tls_client_auth\",\"jwks_uri\":\"https://a.example/"
             "jwks\",\"tls_client_auth_san_dns\":\"a.example.com\""),
         {error::tls_client_auth_subject_unexpected, "invalid_client_metadata"},
         prof::full},
        {"RFC 8705 2.1.2",
         "a subject member as a number",
         WEB("\"token_endpoint_auth_method\":\"tls_client_auth\",\"tls_client_auth_san_ip\":3221225985"),
         {error::wrong_type, "invalid_client_metadata"},
         prof::full},
        {"RFC 8705 2.1.2",
         "a null subject member counts as absent",
         WEB("\"token_endpoint_auth_method\":\"tls_client_auth\",\"tls_client_auth_san_ip\":null"),
         {error::tls_client_auth_subject_missing, "invalid_client_metadata"},
         prof::full},
        {"RFC 4514",
         "a subject DN without type=value",
         WEB("\"token_endpoint_auth_method\":\"tls_client_auth\",\"tls_client_auth_subject_dn\":\"example\""),
         {error::invalid_tls_client_auth_subject, "invalid_client_metadata"},
         prof::full},
        {"RFC 4514",
         "an empty subject DN",
         WEB("\"token_endpoint_auth_method\":\"tls_client_auth\",\"tls_client_auth_subject_dn\":\"\""),
         {error::invalid_tls_client_auth_subject, "invalid_client_metadata"},
         prof::full},
        {"RFC 4514",
         "a subject DN with a newline",
         WEB("\"token_endpoint_auth_method\":\"tls_client_auth\",\"tls_client_auth_subject_dn\":\"CN=a\\nO=b\""),
         {error::invalid_tls_client_auth_subject, "invalid_client_metadata"},
         prof::full},
        {"RFC 1123 2.1",
         "a SAN dNSName with a bad label",
         WEB("\"token_endpoint_auth_method\":\"tls_client_auth\",\"tls_client_auth_san_dns\":\"-a.example.com\""),
         {error::invalid_tls_client_auth_subject, "invalid_client_metadata"},
         prof::full},
        {"RFC 1123 2.1",
         "a SAN dNSName with an empty label",
         WEB("\"token_endpoint_auth_method\":\"tls_client_auth\",\"tls_client_auth_san_dns\":\"a..example.com\""),
         {error::invalid_tls_client_auth_subject, "invalid_client_metadata"},
         prof::full},
        {"RFC 1123 2.1",
         "a SAN dNSName with a space",
         WEB("\"token_endpoint_auth_method\":\"tls_client_auth\",\"tls_client_auth_san_dns\":\"a example.com\""),
         {error::invalid_tls_client_auth_subject, "invalid_client_metadata"},
         prof::full},
        {"RFC 3986 4.3",
         "a relative SAN URI",
         WEB("\"token_endpoint_auth_method\":\"tls_client_auth\",\"tls_client_auth_san_uri\":\"/ns/prod\""),
         {error::invalid_tls_client_auth_subject, "invalid_client_metadata"},
         prof::full},
        {"RFC 3986 4.3",
         "a SAN URI with a fragment",
         WEB("\"token_endpoint_auth_method\":\"tls_client_auth\",\"tls_client_auth_san_uri\":\"https://a.example/#f\""),
         {error::invalid_tls_client_auth_subject, "invalid_client_metadata"},
         prof::full},
        {"RFC 8705 2.1.2",
         "a SAN IP that is a host name",
         WEB("\"token_endpoint_auth_method\":\"tls_client_auth\",\"tls_client_auth_san_ip\":\"a.example.com\""),
         {error::invalid_tls_client_auth_subject, "invalid_client_metadata"},
         prof::full},
        {"RFC 8705 2.1.2",
         "a SAN IPv4 address out of range",
         WEB("\"token_endpoint_auth_method\":\"tls_client_auth\",\"tls_client_auth_san_ip\":\"256.0.0.1\""),
         {error::invalid_tls_client_auth_subject, "invalid_client_metadata"},
         prof::full},
        {"RFC 8705 2.1.2",
         "a SAN IPv6 address with a zone",
         WEB("\"token_endpoint_auth_method\":\"tls_client_auth\",\"tls_client_auth_san_ip\":\"fe80::1%eth0\""),
         {error::invalid_tls_client_auth_subject, "invalid_client_metadata"},
         prof::full},
        {"RFC 5322 3.4.1",
         "a SAN rfc822Name without a domain",
         WEB("\"token_endpoint_auth_method\":\"tls_client_auth\",\"tls_client_auth_san_email\":\"ops@\""),
         {error::invalid_tls_client_auth_subject, "invalid_client_metadata"},
         prof::full},
        {"RFC 5322 3.4.1",
         "a SAN rfc822Name without @",
         WEB("\"token_endpoint_auth_method\":\"tls_client_auth\",\"tls_client_auth_san_email\":\"ops.example.com\""),
         {error::invalid_tls_client_auth_subject, "invalid_client_metadata"},
         prof::full},
        {"RFC 5322 3.2.3",
         "a SAN rfc822Name with a leading dot",
         WEB("\"token_endpoint_auth_method\":\"tls_client_auth\",\"tls_client_auth_san_email\":\".ops@example.com\""),
         {error::invalid_tls_client_auth_subject, "invalid_client_metadata"},
         prof::full},
        {"RFC 5322 3.2.3",
         "a SAN rfc822Name with two @",
         WEB("\"token_endpoint_auth_method\":\"tls_client_auth\",\"tls_client_auth_san_email\":\"a@b@example.com\""),
         {error::invalid_tls_client_auth_subject, "invalid_client_metadata"},
         prof::full},
        {"RFC 8705 2.2", "self_signed_tls_client_auth with jwks_uri",
         WEB("\"token_endpoint_auth_method\":\"self_signed_tls_client_auth\",\"jwks_uri\":\"https://a.example/jwks\""),
         ok, prof::full},
        {"RFC 8705 2.2",
         "self_signed_tls_client_auth without keys",
         WEB("\"token_endpoint_auth_method\":\"self_signed_tls_client_auth\""),
         {error::auth_method_requires_keys, "invalid_client_metadata"},
         prof::full},
        {"RFC 7591 2",
         "auth method as an array",
         WEB("\"token_endpoint_auth_method\":[\"none\"]"),
         {error::wrong_type, "invalid_client_metadata"}},
        {"RFC 7591 2",
         "auth method as a number",
         WEB("\"token_endpoint_auth_method\":0"),
         {error::wrong_type, "invalid_client_metadata"}},
        {"RFC 6749 4.4",
         "client_credentials for a public client",
         SVC("\"token_endpoint_auth_method\":\"none\""),
         {error::public_client_credentials, "invalid_client_metadata"}},
        {"RFC 6749 4.4",
         "code and client_credentials for a public client",
         WEB("\"grant_types\":[\"authorization_code\",\"client_credentials\"],\"token_endpoint_auth_method\":\"none\""),
         {error::public_client_credentials, "invalid_client_metadata"}},

        // ---- scope (RFC 6749 3.3) -------------------------------------------------
        {"RFC 6749 3.3", "two scope tokens", WEB("\"scope\":\"read write\""), ok},
        {"RFC 6749 3.3", "one scope token", WEB("\"scope\":\"read\""), ok},
        {"RFC 6749 3.3", "tokens with punctuation", WEB("\"scope\":\"api:read files.write https://a.example/x\""), ok},
        {"RFC 6749 3.3", "edge characters 0x21 and 0x23-0x5B", WEB("\"scope\":\"!#$%&'()*+,-./[\""), ok},
        {"RFC 6749 3.3", "edge characters 0x5D-0x7E", WEB("\"scope\":\"]^_`{|}~\""), ok},
        {"RFC 6749 3.3", "empty scope", WEB("\"scope\":\"\""), {error::invalid_scope, "invalid_client_metadata"}},
        {"RFC 6749 3.3",
         "leading space",
         WEB("\"scope\":\" read\""),
         {error::invalid_scope, "invalid_client_metadata"}},
        {"RFC 6749 3.3",
         "trailing space",
         WEB("\"scope\":\"read \""),
         {error::invalid_scope, "invalid_client_metadata"}},
        {"RFC 6749 3.3",
         "double space",
         WEB("\"scope\":\"read  write\""),
         {error::invalid_scope, "invalid_client_metadata"}},
        {"RFC 6749 3.3",
         "tab separator",
         WEB("\"scope\":\"read\\twrite\""),
         {error::invalid_scope, "invalid_client_metadata"}},
        {"RFC 6749 3.3",
         "double quote is not a scope character",
         WEB("\"scope\":\"a\\\"b\""),
         {error::invalid_scope, "invalid_client_metadata"}},
        {"RFC 6749 3.3",
         "backslash is not a scope character",
         WEB("\"scope\":\"a\\\\b\""),
         {error::invalid_scope, "invalid_client_metadata"}},
        {"RFC 6749 3.3",
         "non-ASCII is not a scope character",
         WEB("\"scope\":\"caf\\u00e9\""),
         {error::invalid_scope, "invalid_client_metadata"}},
        {"RFC 7591 2", "scope as a number", WEB("\"scope\":42"), {error::wrong_type, "invalid_client_metadata"}},
        {"RFC 7591 2",
         "scope as an array",
         WEB("\"scope\":[\"read\"]"),
         {error::wrong_type, "invalid_client_metadata"}},
        {"docs/profile.md limits", "64 scope tokens",
         many("{\"grant_types\":[\"client_credentials\"],\"scope\":\"", 64, "s%", "\"}", ' '), ok},
        {"docs/profile.md limits",
         "65 scope tokens",
         many("{\"grant_types\":[\"client_credentials\"],\"scope\":\"", 65, "s%", "\"}", ' '),
         {error::too_many_scope_tokens, "invalid_client_metadata"}},
        {"RFC 7591 2",
         "scope outside the allowlist",
         WEB("\"scope\":\"read admin\""),
         {error::scope_not_allowed, "invalid_client_metadata"},
         prof::allowlist},
        {"RFC 7591 2", "scope inside the allowlist", WEB("\"scope\":\"read write\""), ok, prof::allowlist},

        // ---- web page URIs (RFC 7591 2) --------------------------------------------
        {"RFC 7591 2", "https logo_uri", WEB("\"logo_uri\":\"https://cdn.example.com/logo.png\""), ok},
        {"RFC 7591 2", "http logo_uri", WEB("\"logo_uri\":\"http://cdn.example.com/logo.png\""), ok},
        {"RFC 7591 2", "client_uri with a fragment", WEB("\"client_uri\":\"https://example.com/#about\""), ok},
        {"RFC 7591 2",
         "logo_uri not a URI",
         WEB("\"logo_uri\":\"not a uri\""),
         {error::invalid_uri, "invalid_client_metadata"}},
        {"RFC 7591 2",
         "logo_uri without scheme",
         WEB("\"logo_uri\":\"cdn.example.com/logo.png\""),
         {error::invalid_uri, "invalid_client_metadata"}},
        {"RFC 7591 2",
         "logo_uri missing colon",
         WEB("\"logo_uri\":\"https//cdn.example.com/logo.png\""),
         {error::invalid_uri, "invalid_client_metadata"}},
        {"RFC 7591 2",
         "logo_uri javascript",
         WEB("\"logo_uri\":\"javascript:alert(1)\""),
         {error::invalid_uri, "invalid_client_metadata"}},
        {"RFC 7591 2",
         "logo_uri without host",
         WEB("\"logo_uri\":\"https://\""),
         {error::invalid_uri, "invalid_client_metadata"}},
        {"RFC 7591 2",
         "logo_uri with empty host",
         WEB("\"logo_uri\":\"https:///logo.png\""),
         {error::invalid_uri, "invalid_client_metadata"}},
        {"RFC 7591 2",
         "logo_uri port out of range",
         WEB("\"logo_uri\":\"https://cdn.example.com:99999/l.png\""),
         {error::invalid_uri, "invalid_client_metadata"}},
        {"RFC 7591 2", "logo_uri empty", WEB("\"logo_uri\":\"\""), {error::invalid_uri, "invalid_client_metadata"}},
        {"RFC 3986 3.2.3",
         "logo_uri port with a letter",
         WEB("\"logo_uri\":\"https://cdn.example.com:443x/l.png\""),
         {error::invalid_uri, "invalid_client_metadata"}},
        {"RFC 3986 3.2.3", "jwks_uri port with leading zeros", SVC("\"jwks_uri\":\"https://a.example:000443/jwks\""),
         ok},
        {"RFC 3986 3.2.3",
         "jwks_uri port of letters",
         SVC("\"jwks_uri\":\"https://a.example:abc/jwks\""),
         {error::invalid_uri, "invalid_client_metadata"}},
        {"RFC 3986 3.2.2", "client_uri on a name that begins with an address",
         WEB("\"client_uri\":\"https://1.2.3.4.example.com/\""), ok},
        {"RFC 7591 2",
         "logo_uri ftp",
         WEB("\"logo_uri\":\"ftp://cdn.example.com/logo.png\""),
         {error::invalid_uri, "invalid_client_metadata"}},
        {"RFC 7591 2",
         "logo_uri with space in scheme",
         WEB("\"logo_uri\":\"ht tp://cdn.example.com/l.png\""),
         {error::invalid_uri, "invalid_client_metadata"}},
        {"RFC 7591 2",
         "client_uri with userinfo",
         WEB("\"client_uri\":\"https://u:p@example.com/\""),
         {error::invalid_uri, "invalid_client_metadata"}},
        {"RFC 7591 2",
         "tos_uri as an object",
         WEB("\"tos_uri\":{\"href\":\"https://example.com/tos\"}"),
         {error::wrong_type, "invalid_client_metadata"}},
        {"RFC 7591 2",
         "policy_uri relative",
         WEB("\"policy_uri\":\"/privacy\""),
         {error::invalid_uri, "invalid_client_metadata"}},
        {"RFC 7591 2", "policy_uri valid", WEB("\"policy_uri\":\"https://example.com/privacy\""), ok},
        {"RFC 7591 2", "tos_uri valid", WEB("\"tos_uri\":\"https://example.com/tos\""), ok},
        {"RFC 7591 2", "jwks_uri valid", SVC("\"jwks_uri\":\"https://example.com/.well-known/jwks.json\""), ok},
        {"RFC 7591 2",
         "jwks_uri relative",
         SVC("\"jwks_uri\":\"jwks.json\""),
         {error::invalid_uri, "invalid_client_metadata"}},

        // ---- jwks (RFC 7591 2, RFC 7517) ---------------------------------------------
        {"RFC 7591 2",
         "jwks and jwks_uri together",
         SVC("\"jwks_uri\":\"https://example.com/"
             "jwks\",\"jwks\":{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":"
             "\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\",\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}]"
             "}"),
         {error::jwks_and_jwks_uri, "invalid_client_metadata"}},
        {"RFC 7517 5", "a public EC key",
         SVC("\"jwks\":{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":"
             "\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\",\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\","
             "\"kid\":\"1\"}]}"),
         ok},
        {"RFC 7517 5", "an empty key set", SVC("\"jwks\":{\"keys\":[]}"), ok},
        {"RFC 7517 5",
         "jwks as an array",
         SVC("\"jwks\":[{\"kty\":\"EC\"}]"),
         {error::wrong_type, "invalid_client_metadata"}},
        {"RFC 7517 5", "jwks as a string", SVC("\"jwks\":\"{}\""), {error::wrong_type, "invalid_client_metadata"}},
        {"RFC 7517 5", "jwks without keys", SVC("\"jwks\":{}"), {error::invalid_jwks, "invalid_client_metadata"}},
        {"RFC 7517 5",
         "keys not an array",
         SVC("\"jwks\":{\"keys\":{\"kty\":\"EC\"}}"),
         {error::invalid_jwks, "invalid_client_metadata"}},
        {"RFC 7517 4.1",
         "a key without kty",
         SVC("\"jwks\":{\"keys\":[{\"crv\":\"P-256\"}]}"),
         {error::invalid_jwks, "invalid_client_metadata"}},
        {"RFC 7517 4.1",
         "a key that is not an object",
         SVC("\"jwks\":{\"keys\":[\"k\"]}"),
         {error::invalid_jwks, "invalid_client_metadata"}},
        {"RFC 7518 6.2.2",
         "a private EC key",
         SVC("\"jwks\":{\"keys\":[{\"kty\":\"EC\",\"d\":\"secret\"}]}"),
         {error::invalid_jwks, "invalid_client_metadata"}},
        {"RFC 7518 6.4",
         "a symmetric key",
         SVC("\"jwks\":{\"keys\":[{\"kty\":\"oct\",\"k\":\"secret\"}]}"),
         {error::invalid_jwks, "invalid_client_metadata"}},
        {"RFC 7517 4.5",
         "two keys with one kid",
         SVC("\"jwks\":{\"keys\":[{\"kty\":\"EC\",\"kid\":\"a\"},{\"kty\":\"RSA\",\"kid\":\"a\"}]}"),
         {error::invalid_jwks, "invalid_client_metadata"}},

        // ---- human-readable strings (RFC 7591 2) -------------------------------------
        {"RFC 7591 2",
         "client_name as a number",
         WEB("\"client_name\":12345"),
         {error::wrong_type, "invalid_client_metadata"}},
        {"RFC 7591 2",
         "client_name as a boolean",
         WEB("\"client_name\":false"),
         {error::wrong_type, "invalid_client_metadata"}},
        {"RFC 7591 2",
         "client_name empty",
         WEB("\"client_name\":\"\""),
         {error::invalid_string, "invalid_client_metadata"}},
        {"RFC 7591 2",
         "client_name with a newline",
         WEB("\"client_name\":\"a\\nb\""),
         {error::invalid_string, "invalid_client_metadata"}},
        {"RFC 7591 2",
         "client_name with NUL",
         WEB("\"client_name\":\"a\\u0000b\""),
         {error::invalid_string, "invalid_client_metadata"}},
        {"RFC 7591 2", "client_name in Unicode", WEB("\"client_name\":\"Caf\xc3\xa9 \xe2\x98\x95\""), ok},
        {"docs/profile.md limits", "client_name of 1024 bytes", WEB("\"client_name\":\"" + std::string(1024, 'n') + "\""), ok},
        {"docs/profile.md limits",
         "client_name of 1025 bytes",
         WEB("\"client_name\":\"" + std::string(1025, 'n') + "\""),
         {error::string_too_long, "invalid_client_metadata"}},
        {"RFC 7591 2", "contacts", WEB("\"contacts\":[\"ops@example.com\",\"ops@example.com\"]"), ok},
        {"RFC 7591 2",
         "contacts as a string",
         WEB("\"contacts\":\"ops@example.com\""),
         {error::wrong_type, "invalid_client_metadata"}},
        {"RFC 7591 2",
         "contacts with a number",
         WEB("\"contacts\":[1]"),
         {error::wrong_type, "invalid_client_metadata"}},
        {"RFC 7591 2",
         "contacts with an empty string",
         WEB("\"contacts\":[\"\"]"),
         {error::invalid_string, "invalid_client_metadata"}},
        {"docs/profile.md limits",
         "65 contacts",
         many("{\"grant_types\":[\"client_credentials\"],\"contacts\":[", 65, "\"c%@x.example\"", "]}"),
         {error::array_too_long, "invalid_client_metadata"}},
        {"RFC 7591 2", "software_id and software_version",
         WEB("\"software_id\":\"4NRB1-0XZABZI9E6-5SM3R\",\"software_version\":\"2.1\""), ok},
        {"RFC 7591 2",
         "software_version as a number",
         WEB("\"software_version\":2.1"),
         {error::wrong_type, "invalid_client_metadata"}},
        {"OIDC Registration 2", "application_type web", WEB("\"application_type\":\"web\""), ok},
        {"OIDC Registration 2", "application_type native", WEB("\"application_type\":\"native\""), ok},
        {"OIDC Registration 2",
         "application_type unknown",
         WEB("\"application_type\":\"desktop\""),
         {error::invalid_application_type, "invalid_client_metadata"}},

        // ---- localized values (RFC 7591 2.2) ------------------------------------------
        {"RFC 7591 2.2", "client_name#fr", WEB("\"client_name\":\"Dash\",\"client_name#fr\":\"Tableau\""), ok},
        {"RFC 7591 2.2", "client_name#ja-Jpan-JP", WEB("\"client_name#ja-Jpan-JP\":\"\xe3\x83\x80\""), ok},
        {"RFC 7591 2.2", "client_name#pt-BR", WEB("\"client_name#pt-BR\":\"Painel\""), ok},
        {"RFC 7591 2.2", "logo_uri#fr", WEB("\"logo_uri#fr\":\"https://cdn.example.com/fr.png\""), ok},
        {"RFC 7591 2.2", "tos_uri#de", WEB("\"tos_uri#de\":\"https://example.com/agb\""), ok},
        {"RFC 7591 2.2",
         "empty language tag",
         WEB("\"client_name#\":\"x\""),
         {error::invalid_language_tag, "invalid_client_metadata"}},
        {"RFC 5646 2.1",
         "one-letter primary subtag",
         WEB("\"client_name#f\":\"x\""),
         {error::invalid_language_tag, "invalid_client_metadata"}},
        {"RFC 5646 2.1",
         "numeric primary subtag",
         WEB("\"client_name#123\":\"x\""),
         {error::invalid_language_tag, "invalid_client_metadata"}},
        {"RFC 5646 2.1",
         "subtag longer than 8",
         WEB("\"client_name#en-abcdefghi\":\"x\""),
         {error::invalid_language_tag, "invalid_client_metadata"}},
        {"RFC 5646 2.1",
         "empty subtag",
         WEB("\"client_name#en--US\":\"x\""),
         {error::invalid_language_tag, "invalid_client_metadata"}},
        {"RFC 5646 2.1", "private use tag", WEB("\"client_name#x-klingon\":\"x\""), ok},
        {"RFC 5646 2.1", "irregular grandfathered tag", WEB("\"client_name#i-klingon\":\"x\""), ok},
        {"RFC 5646 2.1", "irregular grandfathered tag en-GB-oed", WEB("\"client_name#en-GB-oed\":\"x\""), ok},
        {"RFC 5646 2.1", "regular grandfathered tag", WEB("\"tos_uri#zh-min-nan\":\"https://example.com/t\""), ok},
        {"RFC 5646 2.1",
         "an i- tag not in the list",
         WEB("\"client_name#i-foo\":\"x\""),
         {error::invalid_language_tag, "invalid_client_metadata"}},
        {"RFC 5646 2.1",
         "two regions",
         WEB("\"client_name#de-419-DE\":\"x\""),
         {error::invalid_language_tag, "invalid_client_metadata"}},
        {"RFC 5646 2.1.1",
         "same tag in two cases",
         WEB("\"client_name#fr\":\"a\",\"client_name#FR\":\"b\""),
         {error::duplicate_member, "invalid_client_metadata"}},
        {"RFC 7591 2.2",
         "localized URI is checked as a URI",
         WEB("\"logo_uri#fr\":\"not a uri\""),
         {error::invalid_uri, "invalid_client_metadata"}},
        {"RFC 7591 2.2",
         "localized name as a number",
         WEB("\"client_name#fr\":1"),
         {error::wrong_type, "invalid_client_metadata"}},
        {"RFC 7591 2.2",
         "localized name empty",
         WEB("\"client_name#fr\":\"\""),
         {error::invalid_string, "invalid_client_metadata"}},
        {"RFC 7591 2.2", "localized null counts as absent", WEB("\"client_name#fr\":null"), ok},
        {"RFC 7591 2.2", "scope is not localizable, so ignored", WEB("\"scope#fr\":42"), ok},
        {"docs/profile.md limits",
         "33 localized names",
         many("{\"grant_types\":[\"client_credentials\"],", 33, "\"client_name#en-x-%\":\"n\"", "}"),
         {error::too_many_localized_values, "invalid_client_metadata"}},
        {"docs/profile.md limits", "32 localized names, at the limit",
         many("{\"grant_types\":[\"client_credentials\"],", 32, "\"client_name#en-x-%\":\"n\"", "}"), ok},

        // ---- software statements (RFC 7591 2.3) ---------------------------------------
        {"RFC 7591 2.3",
         "statement is not a JWS",
         WEB("\"software_statement\":\"abc\""),
         {error::malformed_software_statement, "invalid_software_statement"}},
        {"RFC 7591 2.3",
         "statement with an empty part",
         WEB("\"software_statement\":\"a..c\""),
         {error::malformed_software_statement, "invalid_software_statement"}},
        {"RFC 7591 2.3",
         "statement with non-base64url characters",
         WEB("\"software_statement\":\"a+b.c.d\""),
         {error::malformed_software_statement, "invalid_software_statement"}},
        {"RFC 7591 2.3",
         "statement as a number",
         WEB("\"software_statement\":1"),
         {error::wrong_type, "invalid_client_metadata"}},
        {"RFC 7591 3.2.2",
         "statement from no trusted issuer",
         WEB("\"software_statement\":\"eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJodHRwczovL3Vua25vd24uZXhhbXBsZSJ9.c2ln\""),
         {error::untrusted_software_statement, "unapproved_software_statement"}},
        {"RFC 7591 2.3",
         "profile requires a statement",
         REDIRECT("https://a.example/cb"),
         {error::software_statement_required, "unapproved_software_statement"},
         prof::statement_required},

        // ---- limits -------------------------------------------------------------------
        {"docs/profile.md limits",
         "body over 64 KiB",
         WEB("\"x\":\"" + std::string(64 * 1024, 'x') + "\""),
         {error::body_too_large, "invalid_client_metadata"}},
        {"docs/profile.md limits",
         "65 members in one object",
         many("{\"grant_types\":[\"client_credentials\"],", 64, "\"x%\":1", "}"),
         {error::too_many_members, "invalid_client_metadata"}},
        {"docs/profile.md limits", "64 members in one object",
         many("{\"grant_types\":[\"client_credentials\"],", 63, "\"x%\":1", "}"), ok},
        {"docs/profile.md limits",
         "65 elements in an ignored array",
         many("{\"grant_types\":[\"client_credentials\"],\"x\":[", 65, "1", "]}"),
         {error::array_too_long, "invalid_client_metadata"}},
    };
    return r;
}

} // namespace

TEST_CASE("validate_request: every rule, one row each", "[validate]")
{
    auto const& table = rows();
    REQUIRE(table.size() >= 150);
    for (auto const& r : table) {
        INFO(r.section << ": " << r.name << "\n  body: " << r.body.substr(0, 200));
        auto got = oauthreg::validate_request(r.body, make_profile(r.p));
        if (!r.expect.code) {
            INFO("unexpected: " << (got ? std::string() : got.error().description));
            CHECK(got.has_value());
        } else {
            CHECK_FALSE(got.has_value());
            if (got)
                continue; // the rest of the table still runs
            CHECK(got.error().code == oauthreg::make_error_code(*r.expect.code));
            CHECK(got.error().rfc_code() == r.expect.wire);
            CHECK_FALSE(got.error().description.empty());
        }
    }
}

TEST_CASE("validate_request: every row's field and description are the ones written down", "[validate]")
{
    // What a client reads in error_description is part of the contract too.
    // tests/validate_verdicts.txt holds one line per row, in table order:
    // "section | name | field | description", or "section | name | valid".
    // OAUTHREG_WRITE_VERDICTS=PATH writes this build's lines to PATH, another
    // file: the run still compares with the file written down, never with what
    // it just wrote (copy PATH over it after reviewing the diff).
    auto line_of = [](row const& r) {
        auto got = oauthreg::validate_request(r.body, make_profile(r.p));
        std::string l = std::string(r.section) + " | " + r.name + " | ";
        l += got ? std::string("valid") : got.error().field + " | " + got.error().description;
        std::replace(l.begin(), l.end(), '\n', ' ');
        return l;
    };
    auto const& table = rows();
    if (char const* path = std::getenv("OAUTHREG_WRITE_VERDICTS")) {
        std::error_code ec;
        INFO("OAUTHREG_WRITE_VERDICTS=" << path << " must name a file other than " OAUTHREG_VALIDATE_VERDICTS);
        REQUIRE_FALSE(std::filesystem::equivalent(path, OAUTHREG_VALIDATE_VERDICTS, ec));
        std::ofstream out(path, std::ios::binary);
        for (auto const& r : table)
            out << line_of(r) << '\n';
        REQUIRE(out.flush());
    }
    std::ifstream in(OAUTHREG_VALIDATE_VERDICTS, std::ios::binary);
    REQUIRE(in);
    std::size_t n = 0;
    for (std::string expected; std::getline(in, expected); ++n) {
        REQUIRE(n < table.size());
        CHECK(line_of(table[n]) == expected);
    }
    CHECK(n == table.size());
}

TEST_CASE("check_request: every row gets the verdict it expects, the first problem as validate_request names it",
          "[validate][check_request]")
{
    for (auto const& r : rows()) {
        INFO(r.section << ": " << r.name << "\n  body: " << r.body.substr(0, 200));
        auto const prof = make_profile(r.p);
        auto got = oauthreg::check_request(r.body, prof);
        CHECK(got.has_value() == !r.expect.code);
        if (!r.expect.code || got)
            continue;
        CHECK(got.error().code == oauthreg::make_error_code(*r.expect.code));
        CHECK(got.error().rfc_code() == r.expect.wire);
        auto full = oauthreg::validate_request(r.body, prof);
        REQUIRE_FALSE(full.has_value());
        CHECK(got.error().field == full.error().field);
        CHECK(got.error().description == full.error().description);
    }
}

TEST_CASE("RFC 6749 3.3: a scope allowlist names the first token it refuses, wherever it stands",
          "[validate][scope][check_request]")
{
    auto const prof = make_profile(prof::allowlist); // read, write
    auto verdict = [](oauthreg::result<oauthreg::client_metadata> const& r) -> oauthreg::result<void> {
        if (r)
            return {};
        return r.error();
    };
    std::string const long_token(40, 'z');
    struct {
        std::string scope;
        std::string refused; // empty: allowed
    } const cases[] = {
        {"read", ""},
        {"read write", ""},
        {"write read write", ""},
        {"admin read", "admin"},
        {"read write admin", "admin"},
        {"read " + long_token + " write", long_token},
        {"rea write", "rea"},   // a prefix of an allowed token is another token
        {"read writes", "writes"},
        {"read admin x", "admin"}, // the first refused, not the last
    };
    for (auto const& c : cases) {
        INFO("scope \"" << c.scope << "\"");
        auto const body = R"({"redirect_uris":["https://app.example/cb"],"scope":")" + c.scope + "\"}";
        for (bool verdict_only : {false, true}) {
            auto got = verdict_only ? oauthreg::check_request(body, prof) : verdict(oauthreg::validate_request(body, prof));
            if (c.refused.empty()) {
                CHECK(got.has_value());
                continue;
            }
            REQUIRE_FALSE(got.has_value());
            CHECK(got.error().code == oauthreg::make_error_code(error::scope_not_allowed));
            CHECK(got.error().field == "scope");
            auto const& d = got.error().description;
            CHECK(d.size() >= c.refused.size());
            CHECK(d.substr(d.size() - std::min(d.size(), c.refused.size() + 2)) == ": " + c.refused);
        }
    }
}

TEST_CASE("RFC 6749 3.3: the scope grammar, exhaustively over short strings, against a regular expression",
          "[validate][scope]")
{
    // scope = scope-token *( SP scope-token ); scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
    std::regex const grammar(R"(^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$)");
    std::string const alphabet{' ', 'a', '!', '~', '"', '\\', '\x7f', '\x1f', '\x80', '#', '[', ']'};
    std::size_t checked = 0;
    std::string s;
    auto judge = [&] {
        bool const valid = std::regex_match(s, grammar);
        auto const tokens = oauthreg::detail::count_scope_tokens(s);
        INFO("scope \"" << s << "\"");
        CHECK((tokens != 0) == valid);
        if (valid)
            CHECK(tokens == static_cast<std::size_t>(std::count(s.begin(), s.end(), ' ')) + 1);
        ++checked;
    };
    for (char a : alphabet)
        for (char b : alphabet)
            for (char c : alphabet)
                for (std::size_t len = 1; len <= 3; ++len) {
                    s = std::string{a, b, c}.substr(0, len);
                    judge();
                }
    // Long ones, past any vector width, with one bad byte or a doubled space at each position.
    for (std::size_t n = 1; n <= 70; ++n)
        for (std::size_t i = 0; i < n; ++i)
            for (char bad : {'"', '\\', '\x7f', ' '}) {
                s = std::string(n, 'x');
                s[i] = bad;
                if (bad == ' ' && i + 1 < n)
                    s[i + 1] = ' ';
                judge();
            }
    CHECK(checked > 10000);
}
