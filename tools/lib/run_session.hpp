// The `oauthreg run` session: JSON Lines operations in, one answer line out
// each. Shared by the CLI, the fuzzer (tests/fuzz/fuzz_run.cpp) and the unit
// tests, which drive it without a process.
#ifndef OAUTHREG_TOOLS_LIB_RUN_SESSION_HPP
#define OAUTHREG_TOOLS_LIB_RUN_SESSION_HPP

#include "cli_common.hpp"
#include "run_line.hpp"

#include <oauthreg/client_check.hpp>
#include <oauthreg/detail/strict_json.hpp>
#include <oauthreg/http.hpp>
#include <oauthreg/registry.hpp>
#include <oauthreg/render.hpp>

#include <boost/json/error.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <iostream>
#include <memory>
#include <string>

namespace oauthreg::cli {

/** What a line may hold beyond the request: the operation's other members
    (op, id, client_id, org_id, user_id, cursor, ...). A line is at most the
    profile's max_body_bytes plus this; a longer one is refused unread. */
inline constexpr std::size_t envelope_allowance = 16 * 1024;

/** One `oauthreg run` session: reads operations as JSON Lines and answers
    each with one flushed JSON line, in order (docs/cli.md). */
template <class Registry> class session {
public:
    explicit session(Registry& reg)
        : reg_(reg), max_line_(reg.options().profile.limits.max_body_bytes + envelope_allowance),
          own_directory_(std::make_unique<basic_client_directory<Registry>>(reg))
    {
        use_client_directory(*own_directory_);
    }

    /** Answers `resolve` and `client_check` through `dir` (which must outlive
        the session); by default, a directory without documents. */
    template <class Directory> void use_client_directory(Directory& dir)
    {
        check_ = [&dir](client_check_request const& r) { return dir.check(r); };
        resolve_ = [&dir](std::string_view id) { return dir.resolve(id); };
    }

    /** The longest line served; a longer one is answered with too_long(). */
    std::size_t max_line() const noexcept { return max_line_; }

    /** The answer to a line longer than max_line(). */
    boost::json::object too_long() const
    {
        boost::json::object out;
        return fail(out, make_error(error::malformed_operation, "",
                                    "line longer than " + std::to_string(max_line_) + " bytes"));
    }

    /** Answers one line; never throws: whatever goes wrong with one line is
        that line's error answer, and the session goes on. */
    boost::json::object answer(std::string_view line)
    {
        boost::json::object out;
        try {
            if (line.size() > max_line_)
                return too_long();
            return answer_line(out, line);
        } catch (bad_member const& b) {
            return fail(out, make_error(error::malformed_operation, b.name, b.why));
        } catch (...) {
            // Defence in depth: a failure that is no fault of the line (out of
            // memory, a bug) still gets an answer.
            boost::json::object again;
            if (auto const* id = out.if_contains("id"))
                again["id"] = *id;
            return fail(again, make_error(error::malformed_operation, "", "the operation could not be served"));
        }
    }

private:
    struct bad_member {
        std::string name;
        std::string why;
    };

    /** The line as one JSON object, checked without building it: the
        operation's members parsed, the request kept as the bytes sent. */
    struct envelope {
        boost::json::object members;
        std::optional<std::string_view> request;
    };

    boost::json::object answer_line(boost::json::object& out, std::string_view line)
    {
        auto env = read_envelope(line, out);
        if (!env)
            return fail(out, env.error());
        auto const& in = env->members;
        auto const* op = in.if_contains("op");
        if (!op || !op->is_string())
            return fail(out, make_error(error::malformed_operation, "op", "missing or not a string"));
        return dispatch(out, *env, std::string_view(op->get_string()));
    }

    /** The line's members; the correlation id goes into `out` as soon as it
        is readable, so that it comes back even when another member is bad. */
    static result<envelope> read_envelope(std::string_view line, boost::json::object& out)
    {
        boost::json::parse_options opt;
        opt.max_depth = 1024; // Boost.JSON recurses: the bound of validate_request's parser too
        boost::json::basic_parser<line_check_handler> p(opt);
        boost::system::error_code ec;
        auto n = p.write_some(false, line.data(), line.size(), ec);
        auto const& h = p.handler();
        auto duplicate = [&] {
            return make_error(error::malformed_operation, detail::clip(*h.duplicate), "duplicate member name");
        };
        if (ec && h.duplicate)
            return duplicate();
        // One request, one code: too deep inside "request" is the request's
        // nesting_too_deep, as validation reports any depth past the profile's.
        if (ec == boost::json::error::too_deep && h.member == "request" && h.depth > 1)
            return make_error(error::nesting_too_deep, "", "deeper than the profile's max_depth");
        if (ec)
            return make_error(error::malformed_operation, "", "not JSON: " + ec.message());
        if (n != line.size())
            return make_error(error::malformed_operation, "",
                              "not JSON: " + boost::json::make_error_code(boost::json::error::extra_data).message());
        auto const first = line.find_first_not_of(" \t\r");
        if (line[first] != '{')
            return make_error(error::malformed_operation, "", "not a JSON object");
        auto const members = top_level_members(line);
        if (h.duplicate != "id")
            echo_id(members, out);
        if (h.duplicate)
            return duplicate();
        envelope env;
        for (auto& m : members) {
            if (m.name == "request") {
                env.request = m.value;
                continue;
            }
            auto v = parse_member(m);
            if (!v)
                return v.error();
            env.members[m.name] = std::move(*v);
        }
        return env;
    }

    /** One member other than the request, strictly parsed. */
    static result<boost::json::value> parse_member(line_member const& m)
    {
        auto v = detail::parse_strict(m.value);
        if (v.duplicate)
            return make_error(error::malformed_operation, detail::clip(v.duplicate->name), "duplicate member name");
        if (!v.value)
            return make_error(error::malformed_operation, detail::clip(m.name), "not JSON: " + v.ec.message());
        // Boost.JSON would write a number beyond a double's range as
        // Infinity, which is not JSON: such a member cannot be echoed or used.
        if (detail::holds_non_finite(*v.value))
            return make_error(error::malformed_operation, detail::clip(m.name), "a number out of range");
        return std::move(*v.value);
    }

    /** The correlation id, echoed as is when it is itself good JSON. */
    static void echo_id(std::vector<line_member> const& members, boost::json::object& out)
    {
        for (auto const& m : members)
            if (m.name == "id") {
                if (auto v = parse_member(m))
                    out["id"] = std::move(*v);
                return;
            }
    }

    static boost::json::object& fail(boost::json::object& out, error_info const& e)
    {
        out["ok"] = false;
        for (auto& m : error_response(e))
            out[m.key()] = std::move(m.value());
        return out;
    }

    static std::string_view str(boost::json::object const& o, char const* name)
    {
        auto const* v = o.if_contains(name);
        if (!v || !v->is_string())
            throw bad_member{name, "missing or not a string"};
        return v->get_string();
    }

    static std::optional<std::string> opt_str(boost::json::object const& o, char const* name)
    {
        auto const* v = o.if_contains(name);
        if (!v || v->is_null())
            return std::nullopt;
        if (!v->is_string())
            throw bad_member{name, "not a string"};
        return std::string(v->get_string());
    }

    /** An optional integer member of at least 1. */
    static std::optional<std::size_t> opt_count(boost::json::object const& o, char const* name)
    {
        auto const* l = o.if_contains(name);
        if (!l || l->is_null())
            return std::nullopt;
        if (!l->is_int64() && !l->is_uint64())
            throw bad_member{name, "not an integer"};
        if (l->is_int64() && l->get_int64() < 1)
            throw bad_member{name, "must be at least 1"};
        return static_cast<std::size_t>(l->to_number<std::uint64_t>());
    }

    static owner caller(boost::json::object const& o)
    {
        return {opt_str(o, "org_id").value_or(""), opt_str(o, "user_id").value_or("")};
    }

    /** The request as the client sent it: its size is what the profile's
        body limit applies to, and validation reads these very bytes. */
    static std::string_view request_text(envelope const& env)
    {
        if (!env.request || env.request->empty() || env.request->front() != '{')
            throw bad_member{"request", "missing or not a JSON object"};
        return *env.request;
    }

    /** `limit`: a positive integer; one past what an integer holds is as
        good as the largest (the registry caps it at max_list_limit). */
    static std::size_t list_limit(boost::json::value const& l)
    {
        if (l.is_uint64())
            return static_cast<std::size_t>(std::min<std::uint64_t>(l.get_uint64(), SIZE_MAX));
        if (!l.is_int64())
            throw bad_member{"limit", "not an integer"};
        if (l.get_int64() < 1)
            throw bad_member{"limit", "must be at least 1"};
        return static_cast<std::size_t>(l.get_int64());
    }

    boost::json::object dispatch(boost::json::object& out, envelope const& env, std::string_view op)
    {
        auto const& in = env.members;
        if (op == "register") {
            owner who{opt_str(in, "org_id").value_or(""), opt_str(in, "user_id").value_or("")};
            auto r = reg_.register_client(request_text(env), std::move(who));
            if (!r)
                return fail(out, r.error());
            return registered(out, *r);
        }
        if (op == "get") {
            auto r = reg_.find(str(in, "client_id"));
            if (!r)
                return fail(out, r.error());
            out["ok"] = true;
            out["client"] = oauth_client(*r);
            return out;
        }
        if (op == "authenticate") {
            auto r = reg_.authenticate(str(in, "client_id"), str(in, "client_secret"));
            if (!r)
                return fail(out, r.error());
            out["ok"] = true;
            return out;
        }
        if (op == "update") {
            auto id = str(in, "client_id");
            auto r = reg_.update(id, request_text(env));
            if (!r)
                return fail(out, r.error());
            return registered(out, *r);
        }
        if (op == "delete") {
            auto r = reg_.erase(str(in, "client_id"));
            if (!r)
                return fail(out, r.error());
            out["ok"] = true;
            return out;
        }
        if (op == "list")
            return list(out, in);
        if (op == "create") {
            auto r = reg_.create_client(request_text(env), caller(in));
            if (!r)
                return fail(out, r.error());
            return registered(out, *r);
        }
        if (op == "patch")
            return patch(out, env);
        if (op == "page")
            return page(out, in);
        if (op == "rotate_secret")
            return rotate_secret(out, in);
        if (op == "match_redirect_uri")
            return match_redirect_uri(out, in);
        if (op == "resolve" || op == "client_check")
            return client_op(out, in, op);
        return fail(out, make_error(error::malformed_operation, "op", "unknown operation"));
    }

    /** `resolve` (a registered id, or a Client Identifier URL when documents
        are on) and `client_check` (the members of `POST /oauth/client_check`,
        and `audience`, the issuer an assertion names): the client, with its
        `token_endpoint_auth_method`. */
    boost::json::object& client_op(boost::json::object& out, boost::json::object const& in, std::string_view op)
    {
        auto const secret = opt_str(in, "client_secret"), assertion = opt_str(in, "client_assertion"),
                   assertion_type = opt_str(in, "client_assertion_type"), redirect = opt_str(in, "redirect_uri"),
                   audience = opt_str(in, "audience");
        client_check_request q{.client_id = str(in, "client_id")};
        if (audience)
            q.audience = *audience;
        auto view = [](std::optional<std::string> const& s) { return s ? std::optional<std::string_view>(*s) : std::nullopt; };
        q.client_secret = view(secret);
        q.client_assertion = view(assertion);
        q.client_assertion_type = view(assertion_type);
        q.redirect_uri = view(redirect);
        auto r = op == "resolve" ? resolve_(q.client_id) : check_(q);
        if (!r)
            return fail(out, r.error());
        out["ok"] = true;
        out["client"] = detail::checked_client(*r);
        return out;
    }

    /** `list`: a keyset page of an owner's clients (RFC 7592 has none of its own). */
    boost::json::object& list(boost::json::object& out, boost::json::object const& in)
    {
        list_query q;
        q.owner.org_id = opt_str(in, "org_id");
        q.owner.user_id = opt_str(in, "user_id");
        q.cursor = opt_str(in, "cursor").value_or("");
        if (auto const* l = in.if_contains("limit"); l && !l->is_null())
            q.limit = list_limit(*l);
        auto r = reg_.list(q);
        if (!r)
            return fail(out, r.error());
        boost::json::array clients;
        clients.reserve(r->clients.size());
        for (auto const& c : r->clients)
            clients.emplace_back(oauth_client(c));
        // A stored record that cannot be decoded is left out of the page
        // and named on standard error; the listing and the session go on.
        for (auto const& u : r->unreadable)
            std::cerr << "oauthreg: list: skipped stored client " << detail::clip(u.client_id) << ": "
                      << u.error.description << "\n";
        out["ok"] = true;
        out["clients"] = std::move(clients);
        if (r->next_cursor)
            out["next_cursor"] = *r->next_cursor;
        else
            out["next_cursor"] = nullptr;
        return out;
    }

    /** `patch`: a record API partial update, at an expected version if given. */
    boost::json::object& patch(boost::json::object& out, envelope const& env)
    {
        auto const& in = env.members;
        std::optional<std::uint64_t> expected;
        if (auto v = opt_count(in, "expected_version"))
            expected = *v;
        auto r = reg_.patch(str(in, "client_id"), request_text(env), caller(in), expected);
        if (!r)
            return fail(out, r.error());
        out["ok"] = true;
        out["client"] = oauth_client(r->record);
        return out;
    }

    /** `rotate_secret`: a new client secret, shown once. */
    boost::json::object& rotate_secret(boost::json::object& out, boost::json::object const& in)
    {
        auto r = reg_.rotate_secret(str(in, "client_id"));
        if (!r)
            return fail(out, r.error());
        out["ok"] = true;
        out["client_secret"] = r->client_secret;
        out["client_secret_expires_at"] = r->client_secret_expires_at;
        return out;
    }

    /** `match_redirect_uri`: whether a redirect URI is one of the client's. */
    boost::json::object& match_redirect_uri(boost::json::object& out, boost::json::object const& in)
    {
        auto r = reg_.match_redirect_uri(str(in, "client_id"), str(in, "redirect_uri"));
        if (!r)
            return fail(out, r.error());
        out["ok"] = true;
        out["match"] = *r;
        return out;
    }

    boost::json::object& page(boost::json::object& out, boost::json::object const& in)
    {
        client_page_query q;
        q.owner.org_id = opt_str(in, "org_id"); // absent: every client, as for list
        q.owner.user_id = opt_str(in, "user_id");
        q.client_id = opt_str(in, "client_id");
        q.name = opt_str(in, "name");
        q.name_contains = opt_str(in, "name_contains");
        if (auto t = opt_str(in, "client_type")) {
            if (*t != "public" && *t != "confidential")
                throw bad_member{"client_type", "public or confidential"};
            q.type = *t == "public" ? client_type::public_client : client_type::confidential;
        }
        if (auto g = opt_str(in, "allowed_grant_types_contains")) {
            q.grant_type_contains = parse_grant_type(*g);
            if (!q.grant_type_contains)
                throw bad_member{"allowed_grant_types_contains", "not a grant type"};
        }
        q.page_number = opt_count(in, "page_number").value_or(1);
        q.page_size = opt_count(in, "page_size").value_or(20);
        auto r = reg_.page(q);
        if (!r)
            return fail(out, r.error());
        out["ok"] = true;
        out["page"] = page_response(*r);
        return out;
    }

    static boost::json::object& registered(boost::json::object& out, registration const& r)
    {
        out["ok"] = true;
        out["response"] = registration_response(r);
        out["client"] = oauth_client(r.record, detail::view_of(r.client_secret));
        return out;
    }

    Registry& reg_;
    std::size_t max_line_;
    std::unique_ptr<basic_client_directory<Registry>> own_directory_;
    std::function<result<client_record>(client_check_request const&)> check_;
    std::function<result<client_record>(std::string_view)> resolve_;
};

/** Reads operations until end of input; each answer is written and flushed
    at once. A line is bounded as it is read (session::max_line). */
/** Answers every line of `in` on standard output, through `s`. */
template <class Registry> void serve_lines(session<Registry>& s, std::istream& in)
{
    std::string line;
    line.reserve(s.max_line());
    for (line_status st; (st = read_line(in, line, s.max_line())) != line_status::end;) {
        if (st == line_status::too_long) {
            print_line(s.too_long());
            continue;
        }
        if (line.find_first_not_of(" \t\r") == std::string::npos)
            continue; // blank lines separate nothing in JSON Lines; skip them
        print_line(s.answer(line));
    }
}

/** An `oauthreg run` session over `reg`, reading `in`. */
template <class Registry> void run_session(Registry& reg, std::istream& in)
{
    session<Registry> s(reg);
    serve_lines(s, in);
}

/** The same, resolving and checking clients through `dir`. */
template <class Registry, class Directory> void run_session(Registry& reg, std::istream& in, Directory& dir)
{
    session<Registry> s(reg);
    s.use_client_directory(dir);
    serve_lines(s, in);
}

} // namespace oauthreg::cli

#endif
