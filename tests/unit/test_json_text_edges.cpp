// JsonText, the writer behind the JSON reports, against nlohmann's dump(2) on the values a model
// rarely gives: every control character, quotes and backslashes, UTF-8 valid and invalid, the
// int64 extremes, doubles, nesting deeper than the writer's indentation copy (32 levels), empty
// containers, text long enough to regrow the output, and a writer dropped with a value open.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "../../src/report/json_text.hpp"
#include "netshape/report.hpp"
#include "test_helpers.hpp"

using namespace netshape;
using Json = nlohmann::ordered_json;

namespace {

// Writes `v` through JsonText as its generic calls would: the mirror of the reference tree.
void write(JsonText& j, const Json& v) {
  if (v.is_object()) {
    j.begin_object();
    for (const auto& [k, member] : v.items()) {
      j.key(k);
      write(j, member);
    }
    j.end_object();
  } else if (v.is_array()) {
    j.begin_array();
    for (const Json& e : v) write(j, e);
    j.end_array();
  } else if (v.is_string()) {
    j.value(v.get_ref<const std::string&>());
  } else if (v.is_number_integer()) {
    j.value(v.get<int64_t>());
  } else if (v.is_number()) {
    j.number(v.dump());
  } else if (v.is_boolean()) {
    j.boolean(v.get<bool>());
  } else {
    j.null();
  }
}

// The same, streamed: 64 KB at a time to `sink`, the buffer reused.
std::string streamed(const Json& v) {
  std::ostringstream sink;
  std::string buffer;
  {
    JsonText j(buffer, sink);
    write(j, v);
  }
  return sink.str();
}

std::string reference(const Json& v) {
  return v.dump(2, ' ', false, Json::error_handler_t::replace);
}

std::string written(const Json& v) {
  std::string out;
  JsonText j(out);
  write(j, v);
  return out;
}

// Strings that need care: each control character and DEL alone, quotes, backslashes, UTF-8 of
// 2, 3 and 4 bytes, and invalid UTF-8 (a stray continuation byte, a truncated sequence, an
// overlong form, a surrogate), alone and beside escapes.
std::vector<std::string> odd_strings() {
  std::vector<std::string> s = {"",
                                "plain_name.0",
                                "\"",
                                "\\",
                                "a\"b\\c/d",
                                "\x7f",
                                "caf\xc3\xa9",
                                "\xe4\xb8\xad\xe6\x96\x87",
                                "\xf0\x9d\x84\x9e clef",
                                "\xff\xfe",
                                "\x80",
                                "trunc\xc3",
                                "\xc0\xaf",
                                "\xed\xa0\x80",
                                "tab\there \xc3\xa9\n\"q\"\x01"};
  for (int c = 0; c < 0x20; ++c) s.push_back(std::string("<") + static_cast<char>(c) + ">");
  return s;
}

}  // namespace

TEST_CASE("JsonText equals nlohmann dump(2) on strings needing escapes, as values and keys") {
  Json values = Json::array();
  Json keyed = Json::object();
  for (const std::string& s : odd_strings()) {
    values.push_back(s);
    keyed[s] = s;
  }
  CHECK(written(values) == reference(values));
  CHECK(written(keyed) == reference(keyed));
  CHECK(written(values).find("\\u001f") != std::string::npos);  // the check is not vacuous
}

TEST_CASE("JsonText equals nlohmann dump(2) on integer extremes and doubles") {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  Json numbers = {0,         1,          -1,          9,    10,   -10,      99,      100,
                  999999999, 1000000000, -1000000000, kMax, kMin, kMax - 1, kMin + 1};
  Json doubles = {0.1, -0.0, 1e300, -2.5e-300, 3.0, 1.0 / 3.0};
  CHECK(written(numbers) == reference(numbers));
  CHECK(written(doubles) == reference(doubles));
  CHECK(written(Json(kMin)) == "-9223372036854775808");
}

TEST_CASE(
    "JsonText equals nlohmann dump(2) on nesting deeper than 32 levels and empty containers") {
  Json deep = Json::array({1, "x"});
  for (int level = 0; level < 45; ++level) {
    deep = level % 2 ? Json::array({deep, Json::array(), 7})
                     : Json{{"k", deep}, {"e", Json::object()}};
  }
  CHECK(written(deep) == reference(deep));
  for (const Json& top : {Json(), Json(true), Json(false), Json(-5), Json("s\n"), Json::array(),
                          Json::object(), Json::array({Json::array({Json::object()})})}) {
    CHECK(written(top) == reference(top));
  }
}

TEST_CASE("JsonText equals nlohmann dump(2) on text that regrows the output many times") {
  Json big = Json::array();
  for (int i = 0; i < 20000; ++i)
    big.push_back({{"n", i}, {"s", std::string(i % 97, 'a') + "\"\x02"}});
  big.push_back(std::string(300000, '\\'));  // one escaped string longer than a growth step
  CHECK(written(big) == reference(big));
  // Streamed, the text leaves in pieces of 64 KB: escaped strings and keys cross those seams.
  CHECK(streamed(big) == reference(big));
  // Strings six times longer escaped than as written: near a seam, the room checked for the
  // written form is short for the escaped one, so the escape itself streams the text out.
  // As array elements and as keys, each after its separator.
  Json wide = Json::array(), keys = Json::object();
  for (int i = 0; i < 200; ++i) {
    wide.push_back(std::string(1000 + i, '\x01'));
    keys[std::string(1000 + i, '\x02')] = i;
  }
  CHECK(streamed(wide) == reference(wide));
  CHECK(streamed(keys) == reference(keys));
}

TEST_CASE("write_json streams the same text render_json returns") {
  std::string model = "model Deep\ninput x: [B, 3, 32, 32]\n";
  for (int i = 0; i < 800; ++i)  // about 240 KB of JSON: four streamed pieces
    model += i % 2 ? "ReLU()\n" : "Conv2d(?, 3, 3, padding=1)\n";
  LoadedModel m = test::check_ns(model);
  REQUIRE(m.analysis.ok);
  std::string whole = render_json(m.analysis, m.diags);
  CHECK(whole.size() > 3 * 64 * 1024);
  std::ostringstream streamed;
  write_json(streamed, m.analysis, m.diags);
  CHECK(streamed.str() == whole);
}

TEST_CASE("JsonText fixed keys and members equal the generic key and value") {
  std::string out = "prefix:";  // the writer appends after what the string holds
  {
    JsonText j(out);
    j.begin_object();
    j.member("name", "a\"b\x01\xc3\xa9");
    j.member("severity", "error");
    j.member("low", std::numeric_limits<int64_t>::min());
    j.fixed_key("shape");
    write_shape(j, Shape{Dim::of_symbol(1, "B"), fixed(3), Dim::of_symbol(2, "B"),
                         Dim::of_symbol(1, "T"), Dim::of_symbol(1, "B")});
    j.fixed_key("diagnostics_not_shown");
    j.null();
    j.end_object();
    out += '\n';  // the top-level value is complete: out is the text, and can be added to
  }
  Json expected = {{"name", "a\"b\x01\xc3\xa9"},
                   {"severity", "error"},
                   {"low", std::numeric_limits<int64_t>::min()},
                   {"shape", {"B", 3, "2*B", "T", "B"}},
                   {"diagnostics_not_shown", nullptr}};
  CHECK(out == "prefix:" + reference(expected) + "\n");
}

TEST_CASE("JsonText dropped with a value open leaves exactly the text written") {
  std::string out;
  {
    JsonText j(out);
    j.begin_object();
    j.member("a", int64_t{1});
    j.fixed_key("b");
    j.begin_array();
    j.value("x");
  }
  CHECK(out == "{\n  \"a\": 1,\n  \"b\": [\n    \"x\"");
}
