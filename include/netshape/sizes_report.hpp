// Text and JSON of `netshape sizes` and `netshape sizes --solve` (docs/cli.md): pure functions of
// a survey.
#pragma once
#include <optional>
#include <string>

#include "netshape/input_sizes.hpp"

namespace netshape {

std::string render_sizes(const SizeSurvey& s, const std::string& model, const std::string& input);
std::string render_solutions(const SizeSurvey& s, const SizeTarget& t, const std::string& model,
                             const std::string& input);
// `--format json`: every probe of every variant (docs/cli.md has the schema).
std::string render_sizes_json(const SizeSurvey& s, const std::optional<SizeTarget>& t,
                              const std::string& model, const std::string& input);

}  // namespace netshape
