// Tests of tools/lib/run_session.hpp and tools/lib/run_line.hpp below the process level
// (tests/cli/test_run.py drives the binary): one line's failure, even an
// exception from the store, is that line's answer and the session goes on;
// lines are bounded as read; members are found as sent.
#include "../../tools/lib/run_session.hpp"

#include "../support/catch.hpp"

#include <oauthreg/testing/deterministic_rng.hpp>

#include <sstream>
#include <stdexcept>
#include <string>

using namespace oauthreg;

namespace {

/** The memory store, except that touching client "boom" throws, as a broken
    backend or an allocation failure might. */
struct throwing_storage {
    memory_storage_st inner;

    static void check(std::string_view id)
    {
        if (id == "boom")
            throw std::runtime_error("backend exploded");
    }
    result<void> insert(client_record rec) { return inner.insert(std::move(rec)); }
    result<client_record> find(std::string_view id) const { return check(id), inner.find(id); }
    template <class F> result<void> visit(std::string_view id, F&& f) const
    {
        check(id);
        return inner.visit(id, std::forward<F>(f));
    }
    result<void> replace(client_record rec, std::uint64_t v) { return inner.replace(std::move(rec), v); }
    result<void> erase(std::string_view id) { return check(id), inner.erase(id); }
    result<list_page> list(owner_filter const& f, std::size_t limit, std::string_view cursor) const
    {
        return inner.list(f, limit, cursor);
    }
};

using throwing_registry = basic_registry<throwing_storage, deterministic_rng_for_testing_only, manual_clock>;

} // namespace

TEST_CASE("run: an exception while serving one line is that line's error answer", "[cli][issue14]")
{
    throwing_registry reg;
    cli::session<throwing_registry> s(reg);
    for (auto const* line : {R"({"op":"get","client_id":"boom","id":7})", R"({"op":"delete","client_id":"boom"})",
                             R"({"op":"authenticate","client_id":"boom","client_secret":"x"})"}) {
        INFO(line);
        boost::json::object a;
        REQUIRE_NOTHROW(a = s.answer(line));
        CHECK(a.at("ok") == false);
        CHECK(a.at("error") == "invalid_request");
    }
    CHECK(s.answer(R"({"op":"get","client_id":"boom","id":7})").at("id") == 7); // the correlation id survives
    CHECK(s.answer(R"({"op":"list"})").at("ok") == true);                       // and the session goes on
}

TEST_CASE("run: a line longer than the bound is dropped as it is read", "[cli][issue14]")
{
    std::istringstream in(std::string(100, 'x') + "\n" + R"({"op":"list"})" + "\n\nlast");
    std::string line;
    CHECK(cli::read_line(in, line, 10) == cli::line_status::too_long);
    CHECK(line.size() <= 10); // never more than the bound is held
    CHECK(cli::read_line(in, line, 100) == cli::line_status::line);
    CHECK(line == R"({"op":"list"})");
    CHECK(cli::read_line(in, line, 100) == cli::line_status::line);
    CHECK(line.empty());
    CHECK(cli::read_line(in, line, 100) == cli::line_status::line);
    CHECK(line == "last"); // a last line without '\n' is still a line
    CHECK(cli::read_line(in, line, 100) == cli::line_status::end);
}

TEST_CASE("run: the top-level members of a line are found as sent", "[cli][issue14]")
{
    auto m = cli::top_level_members(
        " {\"a\\\"}\":\"}\\\"{[\" , \"\\u0072equest\" :\t{\"x\":[1,{\"y\":\"]\"}]},\"n\":-1.5e3,\"t\":true,\"z\":null}\r");
    REQUIRE(m.size() == 5);
    CHECK(m[0].name == "a\"}");
    CHECK(m[0].value == R"("}\"{[")");
    CHECK(m[1].name == "request");
    CHECK(m[1].value == R"({"x":[1,{"y":"]"}]})");
    CHECK(m[2].value == "-1.5e3");
    CHECK(m[3].value == "true");
    CHECK(m[4].value == "null");
}
