// Tests of detail/request_parser.hpp through validate_request: the handler keeps
// views into the body for plain strings and copies escaped ones into a
// per-request arena; these tests hold both paths to exact values.
#include <oauthreg/validate.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <oauthreg/detail/request_parser.hpp>

#include "../support/catch.hpp"
#include "../support/corpus.hpp"

#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace oauthreg;

namespace {

/** `s` with every character written as a \u escape (RFC 8259 7). */
std::string escaped(std::string_view s)
{
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : s) {
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 15];
    }
    return out;
}

/** The JSON text `body`, as it is (duplicates, syntax errors and all), with
    every printable ASCII character inside a name or a string written as a
    \u escape. Escapes already there, UTF-8 bytes and raw control bytes (not
    JSON either way) are kept as they are. */
std::string escape_strings(std::string_view body)
{
    std::string out;
    bool in_string = false;
    for (std::size_t i = 0; i < body.size(); ++i) {
        auto const c = static_cast<unsigned char>(body[i]);
        if (!in_string || c == '"' || c == '\\' || c < 0x20 || c >= 0x80) {
            if (in_string && c == '\\') { // an escape: copied whole
                std::size_t const n = i + 1 < body.size() && body[i + 1] == 'u' ? 6 : 2;
                out += body.substr(i, n);
                i += n - 1;
                continue;
            }
            in_string = in_string != (c == '"');
            out += static_cast<char>(c);
            continue;
        }
        out += escaped(body.substr(i, 1));
    }
    return out;
}

/** A verdict in full: code, field and description, or the accepted metadata. */
bool same_verdict(result<client_metadata> const& a, result<client_metadata> const& b)
{
    if (a.has_value() != b.has_value())
        return false;
    if (a.has_value())
        return *a == *b;
    return a.error().code == b.error().code && a.error().field == b.error().field &&
           a.error().description == b.error().description;
}

} // namespace

TEST_CASE("Every corpus request reads the same with each name and string escaped", "[parser]")
{
    // Plain names and strings take the handler's short paths (a registered
    // member, a view into the body); escaped ones take the general path.
    // Both must give the same verdict, field, description and metadata,
    // request by request, the bodies as they are.
    profile roomy;
    roomy.limits.max_body_bytes *= 8; // the escaped text is up to six times longer
    std::size_t compared = 0, differ = 0, accepted = 0;
    std::string first_difference;
    for (auto const& entry : test::load_corpus()) {
        auto const plain = validate_request(entry.body, roomy);
        auto const escaped_body = escape_strings(entry.body);
        auto const escape = validate_request(escaped_body, roomy);
        ++compared;
        accepted += plain.has_value();
        if (!same_verdict(plain, escape) && differ++ == 0)
            first_difference = entry.case_name + ": " + entry.body + "\n" + escaped_body;
    }
    INFO(first_difference);
    CHECK(differ == 0);
    CHECK(compared == 10000);
    CHECK(accepted == 7500);
}

TEST_CASE("The short paths and the general ones agree on duplicates, nulls and every limit", "[parser]")
{
    // Each body is read as it is and with its strings escaped (the general
    // paths), under the default limits and under small ones.
    std::vector<std::string> const bodies{
        R"({"redirect_uris":["https://a.example/cb"],"client_name":"A","client_name":"B"})",
        R"({"redirect_uris":["https://a.example/cb"],"scope":null,"scope":"a"})",
        R"({"redirect_uris":["https://a.example/cb"],"client_name":null,"client_name#fr":"Nom"})",
        R"({"redirect_uris":["https://a.example/cb","https://b.example/cb","https://c.example/cb"]})",
        R"({"grant_types":["client_credentials"],"contacts":["a@x.example","b@x.example","c@x.example"]})",
        R"({"grant_types":["client_credentials"],"client_name":"a name of thirty-one bytes, yes","software_id":"xy"})",
        R"({"grant_types":["client_credentials"],"logo_uri":"https://a.example/logo.png","x":{"y":1},"grant_types":5})",
        R"({"grant_types":["client_credentials"],"client_id":5,"client_id":"x"})",
        R"({"token_endpoint_auth_method":"tls_client_auth","tls_client_auth_san_dns":"a.example","grant_types":["client_credentials"]})",
        R"({"redirect_uris":["https://a.example/cb"],"jwks":{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}})",
        R"({"redirect_uris":["https://a.example/cb"],"client_name":"a","scope":"s","tos_uri":"https://a.example/t"})",
        R"({"redirect_uris":["https://a.example/cb"],"x":{"y":{"z":1}}})",   // depth 3
        R"({"redirect_uris":["https://a.example/cb"],"x":{"y":{"z":[1]}}})", // depth 4
        R"({"redirect_uris":["https://a.example/cb"],"software_statement":"eyJhbGciOiJub25lIn0.e30.abcdefghij"})",
        R"({"redirect_uris":["https://a.example/cb"],"software_statement":"eyJhbGciOiJub25lIn0.e30.abcdefghijklmnopqrst"})",
    };
    profile small;
    small.limits.max_members = 3;
    small.limits.max_array_length = 2;
    small.limits.max_redirect_uris = 2;
    small.limits.max_string_length = 30; // names count too: the longest here is 26
    small.limits.max_uri_length = 24;
    small.limits.max_depth = 3;
    small.limits.max_software_statement = 40; // past max_string_length: a statement has its own limit
    profile tight_names; // registered names longer than the string limit
    tight_names.limits.max_string_length = 12;
    profile defaults;
    for (auto const* p : {&defaults, &small, &tight_names}) {
        profile roomy_body = *p;
        roomy_body.limits.max_body_bytes *= 8;
        for (auto const& body : bodies) {
            auto const plain = validate_request(body, roomy_body);
            auto const escape = validate_request(escape_strings(body), roomy_body);
            INFO(body);
            CHECK(same_verdict(plain, escape));
        }
    }
    // and what the small limits decide, read plainly
    auto kind = [&](std::string const& body, profile const& p) {
        auto r = validate_request(body, p);
        return r ? std::optional<error>() : std::optional<error>(r.error().kind());
    };
    CHECK(kind(bodies[3], small) == error::too_many_redirect_uris);
    CHECK(kind(bodies[4], small) == error::array_too_long);
    CHECK(kind(bodies[5], small) == error::string_too_long); // the name is 31 bytes
    // a URI of 26 bytes, past max_uri_length (24) though within max_string_length (30),
    // is refused as it is read, before a later member's wrong type
    CHECK(kind(bodies[6], small) == error::invalid_uri);
    CHECK(kind(bodies[10], small) == error::too_many_members);
    CHECK(kind(bodies[10], tight_names) == error::string_too_long); // the name "redirect_uris" itself
    // max_depth: the top-level object is depth 1, so three levels pass and a fourth does not
    CHECK(kind(bodies[11], small) == std::nullopt);
    CHECK(kind(bodies[12], small) == error::nesting_too_deep);
    CHECK(kind(bodies[12], defaults) == std::nullopt);
    // max_software_statement, not max_string_length, bounds a statement: 34 bytes are
    // read (and then judged as a statement), 44 are too long, named by their member
    auto const within = validate_request(bodies[13], small);
    REQUIRE_FALSE(within.has_value());
    CHECK(within.error().kind() != error::string_too_long);
    CHECK(within.error().field == "software_statement");
    auto const past = validate_request(bodies[14], small);
    REQUIRE_FALSE(past.has_value());
    CHECK(past.error().kind() == error::string_too_long);
    CHECK(past.error().field == "software_statement");
}

TEST_CASE("Parsing work counts one unit per JSON event on the short paths too", "[parser]")
{
    // object, name, string, name, array, string, name, null: 8 events
    detail::parse_work = 0;
    REQUIRE(
        validate_request(R"({"client_name":"a","redirect_uris":["https://a.example/cb"],"scope":null})").has_value());
    CHECK(detail::parse_work == 8);
}

TEST_CASE("RFC 8259 7: escaped values arrive unescaped, plain and escaped mixed in one array", "[parser]")
{
    auto md = validate_request(R"({"redirect_uris":["https://a.example/one",")" + escaped("https://b.example/two") +
                               R"(","https:\/\/c.example\/three"],"client_name":"Caf\u00e9 \"Bar\"",)"
                               R"("scope":"openid\u0020email","software_id":"plain-id"})");
    REQUIRE(md.has_value());
    CHECK(md->redirect_uris ==
          std::vector<std::string>{"https://a.example/one", "https://b.example/two", "https://c.example/three"});
    CHECK(md->client_name == std::optional<std::string>("Caf\xc3\xa9 \"Bar\""));
    CHECK(md->scope == std::optional<std::string>("openid email"));
    CHECK(md->software_id == std::optional<std::string>("plain-id"));
}

TEST_CASE("RFC 7591 2.2: an escaped language tag in a member name is unescaped", "[parser]")
{
    auto md = validate_request(R"({"redirect_uris":["https://a.example/cb"],"client_name#\u0066r-CA":"Caf\u00e9",)"
                               R"("logo_uri#de":"https:\/\/a.example\/logo-de.png"})");
    REQUIRE(md.has_value());
    REQUIRE(md->localized.size() == 2);
    CHECK(md->localized[0].member == localizable::client_name);
    CHECK(md->localized[0].language_tag == "fr-CA");
    CHECK(md->localized[0].value == "Caf\xc3\xa9");
    CHECK(md->localized[1].member == localizable::logo_uri);
    CHECK(md->localized[1].language_tag == "de");
    CHECK(md->localized[1].value == "https://a.example/logo-de.png");
}

TEST_CASE("Escaped values larger than the arena's first block stay intact", "[parser]")
{
    // 60 contacts of 900 bytes, each escaped: 54,000 bytes of unescaped text,
    // several blocks past the handler's first 8 KiB.
    std::string body = R"({"redirect_uris":["https://a.example/cb"],"contacts":[)";
    std::vector<std::string> want;
    for (int i = 0; i < 60; ++i) {
        std::string c(900, static_cast<char>('a' + i % 26));
        c += "@example.com";
        c[0] = static_cast<char>('A' + i % 26); // each one different
        body += (i ? ",\"" : "\"") + escaped(c.substr(0, 4)) + c.substr(4) + "\"";
        want.push_back(c);
    }
    body += "]}";
    profile prof;
    prof.limits.max_body_bytes = 1 << 20;
    auto md = validate_request(body, prof);
    REQUIRE(md.has_value());
    CHECK(md->contacts == want);
}

TEST_CASE("Requests past the arena's first block do not grow the next ones' blocks", "[parser]")
{
    // Found by fuzz_validate: Boost.JSON's monotonic_resource::release() keeps
    // the size its next block would have had, which doubles with every block.
    // Reusing it, each request that outgrew the first 8 KiB made every later
    // one ask for a block twice as large, until one asked for gigabytes. The
    // arena is rebuilt for each request, so the 64th such request costs what
    // the first did.
    std::string body = R"({"redirect_uris":["https://a.example/cb"],"contacts":[)";
    for (int i = 0; i < 20; ++i)
        body += (i ? ",\"" : "\"") + escaped("abcd") + std::string(1000, 'x') + "@example.com\"";
    body += "]}";
    profile prof;
    prof.limits.max_body_bytes = 1 << 20;
    for (int i = 0; i < 64; ++i) {
        INFO("request " << i);
        auto md = validate_request(body, prof);
        REQUIRE(md.has_value());
        REQUIRE(md->contacts.size() == 20);
    }
}

TEST_CASE("A large jwks is kept whole, in order", "[parser]")
{
    std::string keys;
    for (int i = 0; i < 40; ++i) {
        keys += i ? "," : "";
        keys += R"({"kty":"OKP","crv":"Ed25519","kid":"key-)" + std::to_string(i) +
                R"(","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","use":"sig","note":")" + std::string(300, 'n') +
                R"("})";
    }
    std::string const jwks = R"({"keys":[)" + keys + "]}";
    auto md = validate_request(R"({"redirect_uris":["https://a.example/cb"],"jwks":)" + jwks + "}");
    INFO((md ? std::string() : md.error().description));
    REQUIRE(md.has_value());
    REQUIRE(md->jwks.has_value());
    CHECK(*md->jwks == boost::json::serialize(boost::json::parse(jwks)));
}

TEST_CASE("One request leaves nothing behind for the next on the same thread", "[parser]")
{
    auto first = validate_request(R"({"redirect_uris":["https:\/\/a.example\/cb"],"client_name":"F\u0069rst",)"
                                  R"("contacts":["a@example.com"],"client_name#fr":"Premi\u00e8re"})");
    auto second = validate_request(R"({"redirect_uris":["https://b.example/cb"]})");
    REQUIRE(first.has_value());
    REQUIRE(second.has_value());
    CHECK(first->redirect_uris == std::vector<std::string>{"https://a.example/cb"});
    CHECK(first->client_name == std::optional<std::string>("First"));
    CHECK(first->localized.size() == 1);
    CHECK(second->redirect_uris == std::vector<std::string>{"https://b.example/cb"});
    CHECK_FALSE(second->client_name.has_value());
    CHECK(second->contacts.empty());
    CHECK(second->localized.empty());
}

TEST_CASE("RFC 8259 4: a member named twice is refused, however it is spelled", "[parser]")
{
    // a registered member, the second time spelled with an escape
    auto twice =
        validate_request(R"({"redirect_uris":["https://a.example/cb"],"client_name":"A","client\u005fname":"B"})");
    REQUIRE_FALSE(twice.has_value());
    CHECK(twice.error().kind() == error::duplicate_member);
    CHECK(twice.error().field == "client_name");
    // an unknown member
    auto unknown = validate_request(R"({"redirect_uris":["https://a.example/cb"],"x_note":1,"x_note":2})");
    REQUIRE_FALSE(unknown.has_value());
    CHECK(unknown.error().kind() == error::duplicate_member);
    // a registered member whose first value was null (absent, but named)
    auto after_null = validate_request(R"({"redirect_uris":["https://a.example/cb"],"scope":null,"scope":"a"})");
    REQUIRE_FALSE(after_null.has_value());
    CHECK(after_null.error().kind() == error::duplicate_member);
    // the same name inside two different objects is not a duplicate
    auto nested = validate_request(R"({"redirect_uris":["https://a.example/cb"],"x_a":{"scope":1},"scope":"a"})");
    CHECK(nested.has_value());
}

TEST_CASE("RFC 7591 3.1: a body that is a bare string is refused on a thread's first request and after others",
          "[parser]")
{
    // The handler is per thread: on a fresh thread it has never opened an
    // object, so a bare string must not be taken for a member's value.
    std::vector<std::string> const bodies{"\"\"", "  \"\"  ", "\"a\"", "\"\\u0061\""};
    std::vector<std::optional<error>> fresh(bodies.size()), checked(bodies.size());
    for (std::size_t i = 0; i < bodies.size(); ++i)
        std::thread([&, i] {
            if (auto r = validate_request(bodies[i]); !r)
                fresh[i] = r.error().kind();
            if (auto r = check_request(bodies[i]); !r)
                checked[i] = r.error().kind();
        }).join();
    for (std::size_t i = 0; i < bodies.size(); ++i) {
        INFO(bodies[i]);
        CHECK(fresh[i] == error::body_not_object);
        CHECK(checked[i] == error::body_not_object);
        // and on this thread, whose handler has read objects and arrays before
        REQUIRE(validate_request(R"({"redirect_uris":["https://a.example/cb"]})").has_value());
        auto const after = validate_request(bodies[i]);
        REQUIRE_FALSE(after.has_value());
        CHECK(after.error().kind() == error::body_not_object);
    }
}

TEST_CASE("A registered member name is found, and no name one byte away from it", "[parser]")
{
    // find_member compares a name eight (or four) bytes at a time, the last
    // load overlapping: a difference in any position must show.
    std::size_t wrong = 0;
    for (std::size_t i = 0; i < detail::member_table.size(); ++i) {
        std::string name(detail::member_table[i].name);
        wrong += detail::find_member(name) != i + 1;
        for (std::size_t at = 0; at < name.size(); ++at) {
            char const kept = name[at];
            for (char c : {'_', 'a', 'z', '\0', '\x80'})
                if (c != kept) {
                    name[at] = c;
                    wrong += detail::find_member(name) != 0;
                }
            name[at] = kept;
        }
    }
    CHECK(wrong == 0);
}
