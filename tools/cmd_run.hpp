// `oauthreg run [--store URI] [--profile NAME] [--registration-base-uri URI]`
#ifndef OAUTHREG_TOOLS_CMD_RUN_HPP
#define OAUTHREG_TOOLS_CMD_RUN_HPP

#include "cli_common.hpp"
#include "store.hpp"

#include <oauthreg/detail/strict_json.hpp>
#include <oauthreg/http.hpp>
#include <oauthreg/registry.hpp>
#include <oauthreg/render.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cstdlib>
#include <iostream>
#include <string>

namespace oauthreg::cli {

/** One `oauthreg run` session: reads operations as JSON Lines and answers
    each with one flushed JSON line, in order (DESIGN.md). */
template <class Registry> class session {
public:
    explicit session(Registry& reg) : reg_(reg) {}

    /** Answers one line; never throws on bad input. */
    boost::json::object answer(std::string_view line)
    {
        boost::json::object out;
        auto parsed = detail::parse_strict(line);
        if (parsed.duplicate) {
            // Inside "request" a repeated name is bad client metadata, as for
            // `validate`; in the operation itself the line is malformed.
            if (parsed.duplicate->top_level == "request")
                return fail(out, make_error(error::duplicate_member, detail::clip(parsed.duplicate->name)));
            return fail(out, make_error(error::malformed_operation, detail::clip(parsed.duplicate->name),
                                        "duplicate member name"));
        }
        if (!parsed.value)
            return fail(out, make_error(error::malformed_operation, "", "not JSON: " + parsed.ec.message()));
        auto* op_obj = parsed.value->if_object();
        if (!op_obj)
            return fail(out, make_error(error::malformed_operation, "", "not a JSON object"));
        if (auto const* id = op_obj->if_contains("id"))
            out["id"] = *id; // a correlation id, echoed as is
        auto const* op = op_obj->if_contains("op");
        if (!op || !op->is_string())
            return fail(out, make_error(error::malformed_operation, "op", "missing or not a string"));
        try {
            return dispatch(out, *op_obj, std::string_view(op->get_string()));
        } catch (bad_member const& b) {
            return fail(out, make_error(error::malformed_operation, b.name, b.why));
        }
    }

private:
    struct bad_member {
        std::string name;
        std::string why;
    };

    static boost::json::object& fail(boost::json::object& out, error_info const& e)
    {
        out["ok"] = false;
        out["error"] = e.rfc_code();
        out["error_description"] = e.description;
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

    static std::string request_text(boost::json::object const& o)
    {
        auto const* v = o.if_contains("request");
        if (!v || !v->is_object())
            throw bad_member{"request", "missing or not a JSON object"};
        return boost::json::serialize(*v);
    }

    boost::json::object dispatch(boost::json::object& out, boost::json::object const& in, std::string_view op)
    {
        if (op == "register") {
            owner who{opt_str(in, "org_id").value_or(""), opt_str(in, "user_id").value_or("")};
            auto r = reg_.register_client(request_text(in), std::move(who));
            if (!r)
                return fail(out, r.error());
            return registered(out, *r);
        }
        if (op == "get") {
            auto r = reg_.get(str(in, "client_id"));
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
            auto r = reg_.update(id, request_text(in));
            if (!r)
                return fail(out, r.error());
            return registered(out, *r);
        }
        if (op == "delete") {
            auto r = reg_.remove(str(in, "client_id"));
            if (!r)
                return fail(out, r.error());
            out["ok"] = true;
            return out;
        }
        if (op == "list") {
            list_query q;
            q.owner.org_id = opt_str(in, "org_id");
            q.owner.user_id = opt_str(in, "user_id");
            q.cursor = opt_str(in, "cursor").value_or("");
            if (auto n = opt_count(in, "limit"))
                q.limit = *n;
            auto r = reg_.list(q);
            if (!r)
                return fail(out, r.error());
            boost::json::array clients;
            clients.reserve(r->clients.size());
            for (auto const& c : r->clients)
                clients.emplace_back(oauth_client(c));
            out["ok"] = true;
            out["clients"] = std::move(clients);
            if (r->next_cursor)
                out["next_cursor"] = *r->next_cursor;
            else
                out["next_cursor"] = nullptr;
            return out;
        }
        if (op == "create") {
            auto r = reg_.create_client(request_text(in), caller(in));
            if (!r)
                return fail(out, r.error());
            return registered(out, *r);
        }
        if (op == "patch") {
            std::optional<std::uint64_t> expected;
            if (auto v = opt_count(in, "expected_version"))
                expected = *v;
            auto r = reg_.patch(str(in, "client_id"), request_text(in), caller(in), expected);
            if (!r)
                return fail(out, r.error());
            out["ok"] = true;
            out["client"] = oauth_client(r->record);
            return out;
        }
        if (op == "page")
            return page(out, in);
        if (op == "rotate_secret") {
            auto r = reg_.rotate_secret(str(in, "client_id"));
            if (!r)
                return fail(out, r.error());
            out["ok"] = true;
            out["client_secret"] = r->client_secret;
            out["client_secret_expires_at"] = r->client_secret_expires_at;
            return out;
        }
        if (op == "match_redirect_uri") {
            auto r = reg_.match_redirect_uri(str(in, "client_id"), str(in, "redirect_uri"));
            if (!r)
                return fail(out, r.error());
            out["ok"] = true;
            out["match"] = *r;
            return out;
        }
        return fail(out, make_error(error::malformed_operation, "op", "unknown operation"));
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
};

/** Reads operations until end of input; each answer is written and flushed at once. */
template <class Registry> void run_session(Registry& reg, std::istream& in)
{
    session<Registry> s(reg);
    std::string line;
    while (std::getline(in, line)) {
        if (line.find_first_not_of(" \t\r") == std::string::npos)
            continue; // blank lines separate nothing in JSON Lines; skip them
        print_line(s.answer(line));
    }
}

inline int cmd_run(int argc, char** argv)
{
    std::string store = "memory";
    std::optional<std::string> base_uri;
    auto opts = parse_common(argc, argv, 2, [&](std::string_view a, int&, auto& value) {
        if (a == "--store") {
            store = value();
            return true;
        }
        if (a == "--registration-base-uri") {
            base_uri = value();
            return true;
        }
        return false;
    });
    if (!opts.positional.empty())
        throw usage_error{"run takes no positional arguments"};
    registry_options ro;
    ro.profile = opts.prof;
    ro.registration_base_uri = base_uri;
    if (char const* pepper = std::getenv("OAUTHREG_SECRET_PEPPER"))
        ro.secret_pepper = pepper;
    return with_store(store, std::move(ro), [](auto& reg) {
        run_session(reg, std::cin);
        return static_cast<int>(exit_ok);
    });
}

} // namespace oauthreg::cli

#endif
