//
// oauthreg: OAuth 2.0 dynamic client registration engine (header-only, C++20)
//
#ifndef OAUTHREG_HTTP_HPP
#define OAUTHREG_HTTP_HPP

#include <oauthreg/api_keys.hpp>
#include <oauthreg/client_check.hpp>
#include <oauthreg/client_page.hpp>
#include <oauthreg/detail/http_client_check.hpp>
#include <oauthreg/detail/http_lifecycle.hpp>
#include <oauthreg/detail/http_query.hpp>
#include <oauthreg/error.hpp>
#include <oauthreg/profile.hpp>
#include <oauthreg/record.hpp>
#include <oauthreg/registry.hpp>
#include <oauthreg/render.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/pct_string_view.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace oauthreg {

/** What the HTTP layer reads of a request. Views: the host keeps the bytes
    alive for the call. Header values are empty when the header is absent. */
struct http_request {
    std::string_view method = {};        ///< "GET", "POST", "PUT", "DELETE", ...
    std::string_view target = {};        ///< origin-form (RFC 9112 3.2.1): path and optional "?query"
    std::string_view authorization = {}; ///< the `Authorization` header
    std::string_view content_type = {};  ///< the `Content-Type` header
    std::string_view body = {};          ///< the request body, as received (possibly cut short: see body_over_limit)
    /** The host stopped reading a body larger than max_body_bytes(); the
        answer is 413 once the route and the caller are known. */
    bool body_over_limit = false;
    /** The request carried more than one `Authorization` field line: the
        answer is 400 once the route is known, whichever key comes first. */
    bool authorization_repeated = false;
};

/** What the HTTP layer answers: a status, its headers, and a JSON body (empty for 204).

    An answer to `HEAD` (RFC 9110 9.3.2) carries the body the same `GET` would
    carry, so that its length can be sent as `Content-Length`; the host sends
    the head only, never the body. Where that length is not known without side
    effects (an RFC 7592 read issues a fresh token), the body is empty and
    `length_unknown` is set: send no `Content-Length` then (RFC 9110 8.6). */
struct http_response {
    unsigned status = 200;                                          ///< the HTTP status code
    std::vector<std::pair<std::string_view, std::string>> headers; ///< name and value, in order (`Content-Type`, `Cache-Control`, ...)
    std::string body;                                               ///< serialized JSON, empty for 204
    bool length_unknown = false; ///< a HEAD answer whose GET length is not known: no `Content-Length`
};

/** The registry options an HTTP service needs: `profile`, and RFC 7592
    management URIs under `public_url` + "/oauth/register" (trailing slashes of
    `public_url` dropped first).
    @param public_url the service's public base URL, as clients reach it
    @param prof the validation profile
    @return the options for a @ref basic_registry behind a @ref basic_http_handler */
inline registry_options http_registry_options(std::string_view public_url, profile prof = profile::default_profile())
{
    while (!public_url.empty() && public_url.back() == '/')
        public_url.remove_suffix(1);
    registry_options ro;
    ro.profile = std::move(prof);
    ro.registration_base_uri = std::string(public_url) + "/oauth/register";
    return ro;
}

namespace detail {

inline std::string_view reason_of(unsigned status) noexcept
{
    switch (status) {
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 409:
        return "Conflict";
    case 413:
        return "Content Too Large";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Content";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    default:
        return "Internal Server Error";
    }
}

/** The status of an engine error. Bad metadata is 400 on the RFC 7591/7592
    routes (RFC 7591 3.2.2) and 422 on the record routes; a body that is not
    one JSON object without repeated names, and a bad request, are 400. */
inline unsigned status_of(error_info const& e, bool rfc7591)
{
    if (e.code.category() != error_category())
        return 500;
    switch (e.kind()) {
    case error::body_too_large:
        return 413;
    case error::malformed_json:
    case error::body_not_object:
    case error::duplicate_member:
    case error::nesting_too_deep:
        return 400;
    default:
        break;
    }
    switch (condition_of(e.kind())) {
    case condition::not_found:
        return 404;
    case condition::invalid_client:
        return 401;
    case condition::conflict:
        return 409;
    case condition::quota_exceeded:
        return 403;
    case condition::invalid_request:
        return 400;
    case condition::server_error:
        return 500;
    default:
        return rfc7591 ? 400 : 422;
    }
}

inline http_response json_response(unsigned status, boost::json::object const& body)
{
    http_response r;
    r.status = status;
    r.headers.emplace_back("Content-Type", "application/json");
    // Answers carry secrets and tokens: never cached (RFC 6749 5.1, RFC 7591 3.2.1).
    r.headers.emplace_back("Cache-Control", "no-store");
    r.body = boost::json::serialize(body);
    return r;
}

inline http_response no_content()
{
    http_response r;
    r.status = 204;
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
}

/** Which answer shape a path takes: RFC 7591's `{"error", "error_description"}`
    under /oauth/register, the `{"errors": [...]}` document elsewhere. */
enum class envelope { rfc7591, errors };

/** An error the HTTP layer itself finds (route, key, media type, query). */
struct http_problem {
    unsigned status;
    std::string_view code;
    std::string detail;
    std::string parameter; ///< the query parameter at fault, if any
};

inline http_response problem_response(envelope env, http_problem const& p)
{
    boost::json::object o;
    if (env == envelope::rfc7591) {
        o = error_object(p.code, p.detail);
    } else {
        boost::json::object e;
        e["code"] = p.code;
        e["title"] = reason_of(p.status);
        e["detail"] = p.detail;
        if (!p.parameter.empty())
            e["source"] = boost::json::object{{"parameter", p.parameter}};
        o["errors"] = boost::json::array{std::move(e)};
    }
    auto r = json_response(p.status, o);
    if (p.status == 401) {
        // RFC 6750 3.1: no error code when the request carried no credentials.
        r.headers.emplace_back("WWW-Authenticate", p.code == "invalid_token" ? R"(Bearer error="invalid_token")"
                                                                               : "Bearer");
    }
    return r;
}

/** An engine error in the RFC 7591 3.2.2 shape (the RFC 7591/7592 routes). */
inline http_response rfc7591_error(unsigned status, error_info const& e)
{
    return json_response(status, error_response(e));
}

/** An engine error as an errors document (the record routes). A missing
    client's id is in the path, not the body: no `source.pointer` for it. */
inline http_response record_error(error_info const& e)
{
    if (e.kind() != error::client_not_found || e.field.empty())
        return json_response(status_of(e, false), errors_document(e));
    error_info unplaced = e;
    unplaced.field.clear();
    return json_response(status_of(e, false), errors_document(unplaced));
}

/** GET /oauth_clients parameters into `q` (percent-decoded; each at most once). */
inline std::optional<http_problem> page_query_from(std::string_view raw, client_page_query& q)
{
    std::vector<query_param> params;
    if (auto bad = parse_query_params(raw, params))
        return http_problem{400, "invalid_request", std::move(bad->reason), printable(bad->parameter)};
    for (auto& p : params) {
        auto bad_value = [&](std::string why) {
            return http_problem{400, "invalid_request", printable(p.name) + ": " + why, printable(p.name)};
        };
        if (p.value.empty())
            return bad_value("empty value");
        if (p.name == "page[number]" || p.name == "page[size]") {
            bool const number = p.name == "page[number]";
            // A page past the end is an empty page with true meta; the number
            // stays one every JSON reader holds exactly (RFC 7493 2.2).
            auto v = parse_bounded(p.value, 1, number ? max_page_number : max_page_size);
            if (!v)
                return bad_value(number ? "a page number " + std::string(detail::page_number_range)
                                        : "a page size " + std::string(detail::page_size_range));
            (number ? q.page_number : q.page_size) = *v;
        } else if (p.name == "filter[client_id]") {
            q.client_id = std::move(p.value);
        } else if (p.name == "filter[name]") {
            q.name = std::move(p.value);
        } else if (p.name == "filter[name][contains]") {
            q.name_contains = std::move(p.value);
        } else if (p.name == "filter[client_type]") {
            if (p.value != "public" && p.value != "confidential")
                return bad_value("public or confidential");
            q.type = p.value == "public" ? client_type::public_client : client_type::confidential;
        } else if (p.name == "filter[allowed_grant_types][contains]") {
            q.grant_type_contains = parse_grant_type(p.value);
            if (!q.grant_type_contains)
                return bad_value("not a grant type");
        } else if (p.name == "filter[last_used_before]" || p.name == "filter[created_before]") {
            auto t = parse_rfc3339(p.value);
            if (!t)
                return bad_value("an RFC 3339 date-time");
            (p.name == "filter[created_before]" ? q.created_before : q.last_used_before) = *t;
        } else if (p.name == "filter[origin]") {
            q.origin = parse_client_origin(p.value);
            if (!q.origin)
                return bad_value("registration or api");
        } else {
            return http_problem{400, "invalid_request", "unknown parameter " + printable(p.name), printable(p.name)};
        }
    }
    return std::nullopt;
}

/** A path split at '/': "/oauth_clients/abc" is {"oauth_clients", "abc"}. */
inline std::vector<std::string_view> split_path(std::string_view path)
{
    std::vector<std::string_view> out;
    if (path.empty() || path.front() != '/')
        return out;
    path.remove_prefix(1);
    for (;;) {
        auto const slash = path.find('/');
        out.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos)
            break;
        path.remove_prefix(slash + 1);
    }
    return out;
}

/** A percent-decoded path segment (RFC 3986 2.1), or nullopt when an escape is malformed. */
inline std::optional<std::string> decode_segment(std::string_view s)
{
    auto v = boost::urls::make_pct_string_view(boost::core::string_view(s.data(), s.size()));
    if (!v)
        return std::nullopt;
    return v->decode();
}

/** The path of an absolute URL ("" for none or "/"), for RFC 8414 3's
    path-suffixed well-known location. */
inline std::string url_path(std::string_view url)
{
    auto u = boost::urls::parse_absolute_uri(boost::core::string_view(url.data(), url.size()));
    if (!u)
        return {};
    std::string p(u->encoded_path());
    while (!p.empty() && p.back() == '/')
        p.pop_back();
    return p;
}

/** RFC 8414 2 authorization server metadata from the profile. */
inline boost::json::object server_metadata(std::string_view issuer, profile const& prof)
{
    boost::json::object o;
    o["issuer"] = issuer;
    o["registration_endpoint"] = std::string(issuer) + "/oauth/register";
    boost::json::array grants, responses, methods;
    for (std::size_t i = 0; i < grant_type_names.names.size(); ++i)
        if (prof.grant_types.contains(static_cast<grant_type>(i)))
            grants.emplace_back(grant_type_names.names[i]);
    for (std::size_t i = 0; i < response_type_names.names.size(); ++i)
        if (prof.response_types.contains(static_cast<response_type>(i)))
            responses.emplace_back(response_type_names.names[i]);
    for (std::size_t i = 0; i < auth_method_names.names.size(); ++i)
        if (prof.auth_methods.contains(static_cast<auth_method>(i)))
            methods.emplace_back(auth_method_names.names[i]);
    o["response_types_supported"] = std::move(responses);
    o["grant_types_supported"] = std::move(grants);
    o["token_endpoint_auth_methods_supported"] = std::move(methods);
    if (prof.scope_allowlist) {
        std::vector<std::string> scopes(prof.scope_allowlist->begin(), prof.scope_allowlist->end());
        std::sort(scopes.begin(), scopes.end());
        o["scopes_supported"] = detail::string_array(scopes);
    }
    return o;
}

} // namespace detail

/** The registration service over HTTP, without a socket: a request in, a
    response out, over any @ref basic_registry. It routes, checks bearer API
    keys and RFC 7592 registration access tokens, scopes every client to the
    caller's organization, parses the query, and maps engine errors to
    statuses and error envelopes. A host with its own HTTP stack calls it
    from any number of threads (the registry's store is thread-safe).

    Routes: `POST /oauth/register` (RFC 7591), `GET`/`PUT`/`DELETE
    /oauth/register/{client_id}` (RFC 7592), `POST`/`GET /oauth_clients`,
    `GET`/`PUT`/`DELETE /oauth_clients/{id}`, and
    `GET /.well-known/oauth-authorization-server` (RFC 8414). docs/http.md
    is the contract.

    Build the registry with @ref http_registry_options (same public URL),
    so registrations carry their RFC 7592 token and URI.

    @par Example
    <!-- example: body; given: std::string api_key; -->
    @code
    oauthreg::registry reg(oauthreg::http_registry_options("https://reg.example.com"));
    oauthreg::api_keys keys;
    keys.add(api_key, {"org-1", "user-7"});
    oauthreg::basic_http_handler http(reg, std::move(keys), "https://reg.example.com");
    auto res = http({.method = "GET", .target = "/oauth_clients", .authorization = "Bearer ..."});
    @endcode
*/
template <class Registry> class basic_http_handler {
public:
    /** Serves `reg`, accepting `keys`. The RFC 8414 metadata document is built
        once here, with `public_url` (trailing slashes dropped, RFC 8414 2) as
        its issuer; it is also answered under the issuer's path (RFC 8414 3.1).
        @param reg the registry, which must outlive the handler
        @param keys the bearer API keys of the record API
        @param public_url the public base URL, the same given to @ref http_registry_options
        @param policy who may register (docs/open-registration.md); by default an API key */
    basic_http_handler(Registry& reg, api_keys keys, std::string public_url, registration_policy policy = {})
        : reg_(reg), keys_(std::move(keys)), issuer_(std::move(public_url)), policy_(std::move(policy)),
          own_directory_(std::make_unique<basic_client_directory<Registry>>(reg))
    {
        // RFC 8414 2: the issuer is a URL without a trailing slash.
        while (!issuer_.empty() && issuer_.back() == '/')
            issuer_.pop_back();
        metadata_path_ = std::string(well_known) + detail::url_path(issuer_);
        use_client_directory(*own_directory_);
    }

    /** Answers the client check and resolves clients through `dir` (a @ref
        basic_client_directory over the same registry, with the host's fetch
        policy), which must outlive the handler. Without this call a directory
        without documents is used. The RFC 8414 document then says whether
        Client ID Metadata Documents resolve.
        @param dir the directory */
    template <class Directory> void use_client_directory(Directory& dir)
    {
        check_ = [&dir](client_check_request const& r) { return dir.check(r); };
        resolve_ = [&dir](std::string_view id) { return dir.resolve(id); };
        documents_ = dir.options().metadata_documents;
        build_metadata();
    }

    /** Adds the real authorization server's RFC 8414 members
        (`authorization_endpoint`, `token_endpoint`, ...) to the metadata
        document, which RFC 8414 2 requires and the registry cannot know.
        Members the registry sets itself keep the registry's value.
        @param members the authorization server's metadata object
        @return nothing, or why it cannot be merged (another `issuer`) */
    std::optional<std::string> merge_server_metadata(boost::json::object const& members)
    {
        if (auto const* iss = members.if_contains("issuer");
            iss && (!iss->is_string() || std::string_view(iss->get_string()) != issuer_))
            return "its issuer is not this service's public URL, " + issuer_ + " (RFC 8414 3.3)";
        extra_metadata_ = members;
        build_metadata();
        return std::nullopt;
    }

    /** @return the RFC 8414 issuer: the public URL without a trailing slash */
    std::string const& issuer() const noexcept { return issuer_; }

    /** The largest body a request may carry: the profile's body limit.
        @return the limit in bytes; a host reading more sets `body_over_limit` */
    std::size_t max_body_bytes() const noexcept { return reg_.options().profile.limits.max_body_bytes; }

    /** Answers one request; never throws on bad input.
        @param req the request; its views must stay valid during the call
        @return the response: a status, its headers and the JSON body */
    http_response operator()(http_request const& req)
    {
        auto const t = parse_target(req);
        caller who;
        if (auto early = check_head(req, t, who))
            return *early;
        if (t.r.kind == route_kind::metadata)
            return t.query.empty() ? metadata_response() : no_query(t.env);
        if (auto bad = body_problem(req))
            return detail::problem_response(t.env, *bad);
        bool const paged = t.r.kind == route_kind::clients && is_get(req.method);
        if (!t.query.empty() && !paged)
            return no_query(t.env);
        switch (t.r.kind) {
        case route_kind::register_client:
            return register_client(req, who);
        case route_kind::management:
            return management(req, t.env, *detail::decode_segment(t.r.id));
        case route_kind::tokens:
        case route_kind::token:
            return tokens(req, t.r, who.who);
        case route_kind::client_check:
            return client_check(req, who);
        default:
            return records(req, t.r, who.who, t.query);
        }
    }

    /** The answer the request line and headers alone decide, before any body
        is read: 404 for an unknown route, 401, or 413 when `body_over_limit`.
        A host answering `Expect: 100-continue` calls this first and sends
        `100 Continue` only when it returns nothing (RFC 9110 10.1.1).
        @param head the request line and headers (the body is not looked at)
        @return the final answer, or nullopt when the body must be read */
    std::optional<http_response> precheck(http_request const& head) const
    {
        caller who;
        return check_head(head, parse_target(head), who);
    }

    /** The answer a request gets without asking the registry's store, or
        nullopt when the store must be asked: an unknown route (404), the RFC
        8414 document, a missing or unknown API key or a missing registration
        access token (401), repeated `Authorization` (400), a query where none
        is taken, and on API-key routes a body the host refused or that is not
        JSON (413, 415). It is the answer `operator()` would give. A host that
        runs store calls off its I/O threads answers these at once, so they
        never wait behind a slow store.
        @param req the request; with only its head known, the body empty
        @return the answer, or nullopt when `operator()` must run */
    std::optional<http_response> answer_without_store(http_request const& req) const
    {
        auto const t = parse_target(req);
        caller who;
        if (auto early = check_head(req, t, who, false))
            return early;
        if (t.r.kind == route_kind::metadata)
            return t.query.empty() ? metadata_response() : no_query(t.env);
        if (t.r.kind == route_kind::management)
            return std::nullopt; // its token is checked against the store first
        if (auto bad = body_problem(req))
            return detail::problem_response(t.env, *bad);
        if (!t.query.empty() && !(t.r.kind == route_kind::clients && is_get(req.method)))
            return no_query(t.env);
        return std::nullopt;
    }

    /** 429 with `Retry-After` in the route's error shape, code `rate_limited`
        (RFC 6585 4): for a host that limits how often a client may call.
        @param req the request
        @param retry_after when the client may try again (at least one second is sent)
        @return the answer */
    http_response too_many_requests(http_request const& req, std::chrono::seconds retry_after) const
    {
        auto r = detail::problem_response(parse_target(req).env,
                                          {429, "rate_limited", "too many requests; try again later", {}});
        r.headers.emplace_back("Retry-After", std::to_string(std::max<long long>(1, retry_after.count())));
        return r;
    }

    /** 503 with `Retry-After` in the route's error shape: for a host that
        cannot take the request now (its queue for store calls is full).
        @param req the request
        @return the answer */
    http_response unavailable(http_request const& req) const
    {
        auto r = detail::problem_response(parse_target(req).env,
                                          {503, "temporarily_unavailable", "the server is busy; try again", {}});
        r.headers.emplace_back("Retry-After", "1");
        return r;
    }

private:
    static constexpr std::string_view well_known = "/.well-known/oauth-authorization-server";

    enum class route_kind { none, metadata, register_client, management, clients, client, tokens, token, client_check };

    /** What authenticated a request: the owner it acts for, and how. */
    enum class credential { api_key, anonymous, initial_access_token };
    struct caller {
        owner who;
        credential kind = credential::api_key;
        std::string issuer = {}; ///< an authorization server key's audience
    };
    struct route {
        route_kind kind = route_kind::none;
        std::string_view id; ///< the raw (still percent-encoded) {id} segment
    };

    /** GET and HEAD read the same route (RFC 9110 9.1: HEAD wherever GET). */
    static bool is_get(std::string_view method) noexcept { return method == "GET" || method == "HEAD"; }

    route match(std::string_view method, std::string_view path, std::vector<std::string_view> const& seg) const
    {
        if (path == well_known || path == metadata_path_)
            return {is_get(method) ? route_kind::metadata : route_kind::none, {}};
        if (seg.size() == 2 && seg[0] == "oauth" && seg[1] == "register")
            return {method == "POST" ? route_kind::register_client : route_kind::none, {}};
        bool const one_of = is_get(method) || method == "PUT" || method == "DELETE";
        if (seg.size() == 3 && seg[0] == "oauth" && seg[1] == "register" && !seg[2].empty())
            return {one_of ? route_kind::management : route_kind::none, seg[2]};
        if (seg.size() == 2 && seg[0] == "oauth" && seg[1] == "client_check")
            return {method == "POST" ? route_kind::client_check : route_kind::none, {}};
        if (seg.size() == 2 && seg[0] == "oauth" && seg[1] == "initial_access_tokens")
            return {is_get(method) || method == "POST" ? route_kind::tokens : route_kind::none, {}};
        if (seg.size() == 3 && seg[0] == "oauth" && seg[1] == "initial_access_tokens" && !seg[2].empty())
            return {method == "DELETE" ? route_kind::token : route_kind::none, seg[2]};
        if (seg.size() == 1 && seg[0] == "oauth_clients")
            return {is_get(method) || method == "POST" ? route_kind::clients : route_kind::none, {}};
        if (seg.size() == 2 && seg[0] == "oauth_clients" && !seg[1].empty())
            return {one_of ? route_kind::client : route_kind::none, seg[1]};
        return {};
    }

    /** A request target split and routed. */
    struct parsed_target {
        std::string_view path, query;
        route r;
        detail::envelope env = detail::envelope::errors;
    };

    parsed_target parse_target(http_request const& req) const
    {
        parsed_target t;
        auto const qmark = req.target.find('?');
        t.path = req.target.substr(0, qmark);
        t.query = qmark == std::string_view::npos ? "" : req.target.substr(qmark + 1);
        auto const seg = detail::split_path(t.path);
        if (seg.size() >= 2 && seg[0] == "oauth" && (seg[1] == "register" || seg[1] == "client_check"))
            t.env = detail::envelope::rfc7591;
        t.r = match(req.method, t.path, seg);
        return t;
    }

    /** The order of checks: an unknown route, then the credential (an API key,
        or on RFC 7592 routes the client's registration access token), then a
        body the host refused as too large. Sets `who` for API-key routes.
        Without `ask_store`, an RFC 7592 route stops after the checks that need
        no store (nullopt: its token is still to be checked). */
    std::optional<http_response> check_head(http_request const& req, parsed_target const& t, caller& who,
                                            bool ask_store = true) const
    {
        if (t.r.kind == route_kind::none)
            return detail::problem_response(t.env, {404, "not_found",
                                                    "no route for " + detail::printable(req.method) + " " +
                                                        detail::printable(t.path),
                                                    {}});
        if (t.r.kind == route_kind::metadata)
            return std::nullopt;
        // RFC 9110 11.6.2 allows one credential; two are a malformed request
        // (RFC 6750 3.1 invalid_request), never "the first one wins".
        if (req.authorization_repeated)
            return detail::problem_response(t.env, {400, "invalid_request", "more than one Authorization header", {}});
        auto const token = detail::bearer_token(req.authorization);
        if (t.r.kind == route_kind::management) {
            auto const id = detail::decode_segment(t.r.id);
            if (!ask_store)
                return id && !token.empty() ? std::nullopt : std::optional(unauthorized(t.env, req.authorization));
            // RFC 7592 2: an unknown client and a wrong token get the same 401.
            auto ok = id && !token.empty() ? reg_.check_registration_token(*id, token)
                                           : make_error(error::authentication_failed, "");
            if (!ok && ok.error().kind() == error::storage_failure)
                return detail::rfc7591_error(500, ok.error());
            if (!ok)
                return unauthorized(t.env, req.authorization);
        } else if (t.r.kind == route_kind::register_client) {
            if (auto refused = check_registrant(req, t.env, token, who, ask_store))
                return refused;
        } else if (auto refused = check_key(req, t, token, who)) {
            return refused;
        }
        if (req.body_over_limit)
            return detail::problem_response(t.env, too_large());
        return std::nullopt;
    }

    /** Who may register (docs/open-registration.md): an API key in every
        mode; an initial access token unless the mode is `api_key`; nothing at
        all in `open` mode. A credential that is not valid is 401 in every
        mode, never a fall back to anonymous. Without `ask_store`, a token that
        is no API key is left for the store to check (nullopt). */
    std::optional<http_response> check_registrant(http_request const& req, detail::envelope env,
                                                  std::string_view token, caller& who, bool ask_store) const
    {
        if (req.authorization.empty() && policy_.mode == registration_mode::open) {
            who = {{policy_.open_org, policy_.open_user}, credential::anonymous};
            return std::nullopt;
        }
        if (auto w = keys_.authorize(token)) {
            if (w->role != key_role::management)
                return forbidden_role(env);
            who.who = std::move(w->who);
            return std::nullopt;
        }
        if (policy_.mode == registration_mode::api_key || token.empty())
            return unauthorized(env, req.authorization);
        who.kind = credential::initial_access_token;
        if (!ask_store)
            return std::nullopt;
        if constexpr (has_lifecycle) {
            auto w = reg_.initial_access_token_owner(token);
            if (w) {
                who.who = std::move(*w);
                return std::nullopt;
            }
            if (w.error().kind() == error::storage_failure)
                return detail::rfc7591_error(500, w.error());
        }
        return unauthorized(env, req.authorization);
    }

    /** An API key on the record and client check routes: an authorization
        server's key on the client check only, any other key anywhere else
        (403 when the role does not fit, 401 for an unknown key). */
    std::optional<http_response> check_key(http_request const& req, parsed_target const& t, std::string_view token,
                                           caller& who) const
    {
        auto w = keys_.authorize(token);
        if (!w)
            return unauthorized(t.env, req.authorization);
        bool const checker = w->role == key_role::authorization_server;
        if (checker != (t.r.kind == route_kind::client_check))
            return forbidden_role(t.env);
        who.who = std::move(w->who);
        who.issuer = w->issuer.empty() ? issuer_ : std::move(w->issuer);
        return std::nullopt;
    }

    static http_response forbidden_role(detail::envelope env)
    {
        return detail::problem_response(env, {403, "forbidden", "this key's role may not use this route", {}});
    }

    void build_metadata()
    {
        auto o = detail::server_metadata(issuer_, reg_.options().profile);
        detail::add_client_check_metadata(o, reg_.options().profile, documents_);
        for (auto const& m : extra_metadata_)
            if (!o.contains(m.key()))
                o.emplace(m.key(), m.value());
        metadata_ = boost::json::serialize(o);
    }

    /** `POST /oauth/client_check`: the body's credential, then its redirect
        URI; 200 with the client, 401 `invalid_client`, 400 `invalid_redirect_uri`. */
    http_response client_check(http_request const& req, caller const& who)
    {
        boost::json::object doc;
        client_check_request q;
        if (auto bad = detail::read_client_check(req.body, reg_.options().profile.limits.max_depth, doc, q))
            return detail::problem_response(detail::envelope::rfc7591, {400, "invalid_request", *bad, {}});
        q.audience = who.issuer;
        auto c = check_(q);
        if (!c) {
            auto const cond = c.error().code.default_error_condition();
            unsigned const status = cond == condition::invalid_redirect_uri ? 400
                                    : cond == condition::invalid_client     ? 401
                                                                            : 500;
            return detail::rfc7591_error(status, c.error());
        }
        return detail::json_response(200, with_data_envelope(detail::checked_client(*c)));
    }

    /** A Client Identifier URL on `GET /oauth_clients/{id}`: its document's
        client, for any key; 502 when it cannot be fetched, 422 when it is
        not acceptable. */
    http_response document_client(std::string_view url)
    {
        auto c = resolve_(url);
        if (c)
            return detail::json_response(200, with_data_envelope(oauth_client(*c)));
        auto const kind = c.error().kind();
        if (kind == error::metadata_document_unavailable || kind == error::invalid_metadata_document)
            return detail::problem_response(detail::envelope::errors,
                                            {kind == error::invalid_metadata_document ? 422u : 502u,
                                             to_string(condition::invalid_client_metadata), c.error().description,
                                             {}});
        return detail::record_error(c.error());
    }

    static http_response no_query(detail::envelope env)
    {
        return detail::problem_response(env, {400, "invalid_request", "this route takes no query parameters", {}});
    }

    detail::http_problem too_large() const
    {
        return {413, "body_too_large", "the body is larger than " + std::to_string(max_body_bytes()) + " bytes", {}};
    }

    http_response metadata_response() const
    {
        http_response r;
        r.headers.emplace_back("Content-Type", "application/json");
        r.body = metadata_;
        return r;
    }

    static http_response unauthorized(detail::envelope env, std::string_view authorization)
    {
        if (authorization.empty())
            return detail::problem_response(env, {401, "unauthorized", "an Authorization: Bearer key is required", {}});
        return detail::problem_response(env, {401, "invalid_token", "the bearer key is not valid", {}});
    }

    /** 413 and 415: a body over the limit, or one that is not JSON. */
    std::optional<detail::http_problem> body_problem(http_request const& req) const
    {
        if (req.body_over_limit || req.body.size() > max_body_bytes())
            return too_large();
        if (!req.body.empty() && !detail::is_json_media_type(req.content_type))
            return detail::http_problem{415, "unsupported_media_type", "the body must be application/json", {}};
        return std::nullopt;
    }

    http_response register_client(http_request const& req, caller const& who)
    {
        auto r = registered(req, who);
        if (!r && r.error().kind() == error::invalid_initial_access_token) // spent or revoked since check_head
            return unauthorized(detail::envelope::rfc7591, req.authorization);
        if (!r)
            return detail::rfc7591_error(detail::status_of(r.error(), true), r.error());
        return registration_answer(201, *r);
    }

    result<registration> registered(http_request const& req, caller const& who)
    {
        if (who.kind == credential::anonymous)
            return reg_.register_anonymous(req.body, who.who);
        if (who.kind == credential::initial_access_token) {
            if constexpr (has_lifecycle)
                return reg_.register_with_initial_access_token(req.body, detail::bearer_token(req.authorization));
            return make_error(error::invalid_initial_access_token, "");
        }
        return reg_.register_client(req.body, who.who);
    }

    /** `/oauth/initial_access_tokens`: mint (POST), list (GET), and revoke
        (`DELETE .../{id}`) the caller's organization's tokens (RFC 7591 3). */
    http_response tokens(http_request const& req, route const& r, owner const& who)
    {
        if constexpr (!has_lifecycle) {
            return detail::problem_response(detail::envelope::errors,
                                            {501, "not_implemented", "this store keeps no initial access tokens", {}});
        } else {
            if (r.kind == route_kind::token) {
                auto const id = detail::decode_segment(r.id);
                auto gone = id ? reg_.revoke_initial_access_token(who.org_id, *id)
                               : result<void>(make_error(error::client_not_found, "id"));
                return gone ? detail::no_content() : detail::record_error(gone.error());
            }
            if (is_get(req.method)) {
                auto list = reg_.initial_access_tokens(who.org_id);
                if (!list)
                    return detail::record_error(list.error());
                boost::json::array data;
                for (auto const& t : *list)
                    data.emplace_back(detail::token_object(t));
                return detail::json_response(200, boost::json::object{{"data", std::move(data)}});
            }
            auto ask = detail::token_request_from(req.body);
            if (auto* bad = std::get_if<1>(&ask))
                return detail::problem_response(detail::envelope::errors,
                                                {400, "invalid_request", bad->first.empty() ? bad->second
                                                                                           : bad->first + ": " + bad->second,
                                                 {}});
            auto const& q = std::get<0>(ask);
            auto minted = reg_.mint_initial_access_token(who, q.max_uses, q.expires_in);
            if (!minted)
                return detail::record_error(minted.error());
            auto o = detail::token_object(minted->record, std::string_view(minted->token));
            return detail::json_response(201, boost::json::object{{"data", std::move(o)}});
        }
    }

    static http_response registration_answer(unsigned status, registration const& r)
    {
        return detail::json_response(status, registration_response(r));
    }

    /** RFC 7592 read, replace or delete, once check_head accepted the token.
        Read and update answers carry a fresh registration access token (RFC
        7592 3); the one presented stops working. */
    http_response management(http_request const& req, detail::envelope env, std::string const& id)
    {
        auto failed = [&](error_info const& e) {
            // A token rotated or a client deleted since check_head: the same 401 (RFC 7592 2).
            bool const gone = e.kind() == error::client_not_found || e.kind() == error::authentication_failed;
            return gone ? unauthorized(env, req.authorization) : detail::rfc7591_error(detail::status_of(e, true), e);
        };
        auto const token = detail::bearer_token(req.authorization);
        if (req.method == "HEAD") // the token was checked; a read would rotate it, unseen (RFC 7592 3)
            return head_of_read();
        if (req.method == "DELETE") { // at the version whose token was checked (RFC 7592 2.3)
            auto r = reg_.delete_registration(id, token);
            return r ? detail::no_content() : failed(r.error());
        }
        auto r = req.method == "PUT" ? reg_.update_registration(id, token, req.body) : reg_.read_registration(id, token);
        return r ? registration_answer(200, *r) : failed(r.error());
    }

    /** The record routes: `{"data": oauth_client}` answers, errors documents,
        everything scoped to the caller's organization. */
    http_response records(http_request const& req, route const& r, owner const& who, std::string_view query)
    {
        if (r.kind == route_kind::clients && is_get(req.method)) {
            client_page_query q;
            q.owner.org_id = who.org_id;
            if (auto bad = detail::page_query_from(query, q))
                return detail::problem_response(detail::envelope::errors, *bad);
            auto page = reg_.page(q);
            return page ? detail::json_response(200, page_response(*page)) : detail::record_error(page.error());
        }
        if (r.kind == route_kind::clients) {
            auto c = reg_.create_client(req.body, who);
            return c ? data_answer(201, *c) : detail::record_error(c.error());
        }
        auto const id = detail::decode_segment(r.id);
        if (!id) // an id that cannot be decoded names no client
            return detail::record_error(make_error(error::client_not_found, "client_id"));
        if (is_get(req.method) && documents_ && is_client_id_url(*id, reg_.options().profile.limits.max_uri_length))
            return document_client(*id);
        if (is_get(req.method)) {
            auto c = reg_.find(*id, who);
            return c ? detail::json_response(200, with_data_envelope(oauth_client(*c))) : detail::record_error(c.error());
        }
        if (req.method == "PUT") {
            auto c = reg_.patch(*id, req.body, who);
            return c ? data_answer(200, *c) : detail::record_error(c.error());
        }
        auto gone = reg_.erase(*id, who);
        return gone ? detail::no_content() : detail::record_error(gone.error());
    }

    /** HEAD on an RFC 7592 route: the read's head without its body, and
        without its length, which holds a token that must not be issued unseen. */
    static http_response head_of_read()
    {
        auto r = detail::json_response(200, boost::json::object{});
        r.body.clear();
        r.length_unknown = true;
        return r;
    }

    static http_response data_answer(unsigned status, registration const& r)
    {
        return detail::json_response(status, with_data_envelope(oauth_client(r.record, detail::view_of(r.client_secret))));
    }

    static constexpr bool has_lifecycle = requires(Registry& g) { g.initial_access_tokens(std::string_view{}); };

    Registry& reg_;
    api_keys keys_;
    std::string issuer_;
    registration_policy policy_;
    std::string metadata_;
    std::string metadata_path_;
    std::unique_ptr<basic_client_directory<Registry>> own_directory_;
    std::function<result<client_record>(client_check_request const&)> check_;
    std::function<result<client_record>(std::string_view)> resolve_;
    bool documents_ = false;
    boost::json::object extra_metadata_;
};

} // namespace oauthreg

#endif
