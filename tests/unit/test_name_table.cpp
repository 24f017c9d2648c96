#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "netshape/name_table.hpp"

using namespace netshape;

TEST_CASE("name table: interning gives one id per distinct name, in order of arrival") {
  NameTable t;
  CHECK(t.insert("conv1") == std::pair<NameId, bool>{0, true});
  CHECK(t.insert("relu2") == std::pair<NameId, bool>{1, true});
  CHECK(t.insert("conv1") == std::pair<NameId, bool>{0, false});
  CHECK(t.intern("") == 2);  // the root module's path is the empty name
  CHECK(t.find("") == std::optional<NameId>{2});
  CHECK(t.str(1) == "relu2");
  CHECK(t.size() == 3);
  CHECK_FALSE(t.find("conv").has_value());
  CHECK_FALSE(t.contains("relu"));
}

TEST_CASE("name table: 100,000 names survive rehashing, and stored strings never move") {
  NameTable t;
  std::string_view first = t.str(t.intern("layer1.0.conv1"));
  const char* first_data = first.data();
  for (int i = 0; i < 100000; ++i) CHECK(t.insert("l" + std::to_string(i)).second);
  CHECK(t.size() == 100001);
  CHECK(t.str(0).data() == first_data);  // views handed out earlier stay valid
  CHECK(t.find("l99999") == std::optional<NameId>{100000});
  CHECK(t.find("l0") == std::optional<NameId>{1});
  CHECK(t.all()[12345] == "l12344");
  CHECK_FALSE(t.insert("l4242").second);
}

TEST_CASE("name table: a name longer than an arena chunk is stored whole") {
  NameTable t;
  t.reserve(10);
  std::string huge(200000, 'x');
  NameId id = t.intern(huge);
  CHECK(t.str(id) == huge);
  CHECK(t.intern("after") == id + 1);
  CHECK(t.str(id + 1) == "after");
}
