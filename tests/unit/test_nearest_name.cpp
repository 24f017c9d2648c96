#include <doctest/doctest.h>

#include "netshape/diagnostics.hpp"

using namespace netshape;

TEST_CASE("nearest name: a swap of two letters is one typo") {
  std::vector<std::string> ops = {"Linear", "Conv2d", "ReLU", "Tanh", "sum"};
  CHECK(nearest_name("Lienar", ops) == "Linear");
  CHECK(nearest_name("Tahn", ops) == "Tanh");
  CHECK(nearest_name("conv2D", ops) == "Conv2d");  // case is not a typo
  CHECK(nearest_name("Conv2", ops) == "Conv2d");
}

TEST_CASE("nearest name: a short name that is two edits from everything has no suggestion") {
  std::vector<std::string> ops = {"Linear", "Conv2d", "ReLU", "Tanh", "sum"};
  CHECK(nearest_name("LSTM", ops).empty());  // two edits from `sum`: not what was meant
  CHECK(nearest_name("GRU", ops).empty());
  CHECK(nearest_name("cot", {"cout", "cin"}) == "cout");
}
