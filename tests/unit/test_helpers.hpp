// Helpers for the inference tests: run a .ns snippet through the real pipeline.
#pragma once
#include <doctest/doctest.h>

#include <string>

#include "netshape/cli.hpp"
#include "netshape/report.hpp"

namespace netshape::test {

inline LoadedModel check_ns(const std::string& text, const std::string& path = "t.ns") {
  LoadedModel m;
  m.source = SourceFile(path, text);
  load_model(m, {});
  return m;
}

inline std::string out_shape(const LoadedModel& m) {
  if (m.analysis.layers.empty() || !m.analysis.layers.back().output) return "error";
  return to_string(*m.analysis.layers.back().output);
}

inline const Diagnostic& first_error(const LoadedModel& m) {
  REQUIRE(!m.diags.items().empty());
  return m.diags.items().front();
}

}  // namespace netshape::test
