// Receptive-field cells, footer and JSON for the reporters (check --rf).
#include "rf_cells.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace netshape {
namespace {

std::string joined(const LayerField& f, Ratio AxisField::*member, const char* sep) {
  std::string out;
  for (size_t i = 0; i < f.axes.size(); ++i) out += (i ? sep : "") + to_string(f.axes[i].*member);
  return out;
}

// A number when the fraction has an exact short decimal (10.5), else the string "1/3".
nlohmann::ordered_json ratio_json(const Ratio& r) {
  if (r.den == 1) return r.num;
  std::string text = to_string(r);
  if (text.find('/') != std::string::npos) return text;
  return static_cast<double>(r.num) / static_cast<double>(r.den);
}

nlohmann::ordered_json axes_json(const LayerField& f, Ratio AxisField::*member) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const AxisField& a : f.axes) out.push_back(ratio_json(a.*member));
  return out;
}

}  // namespace

std::array<std::string, 3> rf_cells(const LayerField& f) {
  if (f.kind == FieldKind::NoGrid) return {"-", "-", "-"};
  if (f.kind == FieldKind::Unknown) return {"?", "?", "?"};
  return {joined(f, &AxisField::size, "x"), joined(f, &AxisField::jump, "x"),
          joined(f, &AxisField::start, ", ")};
}

std::string rf_footer(const ReceptiveFields& rf) {
  std::vector<std::string> seen;
  std::string out;
  for (const LayerField& f : rf.layers) {
    if (f.kind == FieldKind::Grid || f.constant) continue;
    if (std::find(seen.begin(), seen.end(), f.reason) != seen.end()) continue;
    seen.push_back(f.reason);
    out += f.kind == FieldKind::NoGrid
               ? fmt::format("receptive field: {}; the rows marked - have none\n", f.reason)
               : fmt::format("receptive field unknown (?): {}\n", f.reason);
  }
  return out;
}

nlohmann::ordered_json rf_json(const LayerField& f) {
  if (f.kind != FieldKind::Grid) return nullptr;
  nlohmann::ordered_json j;
  j["size"] = axes_json(f, &AxisField::size);
  j["jump"] = axes_json(f, &AxisField::jump);
  j["start"] = axes_json(f, &AxisField::start);
  return j;
}

void write_rf(JsonText& j, const LayerField& f) {
  if (f.kind != FieldKind::Grid) {
    j.null();
    return;
  }
  j.begin_object();
  for (auto [name, member] : {std::pair{"size", &AxisField::size},
                              {"jump", &AxisField::jump},
                              {"start", &AxisField::start}}) {
    j.key(name);
    j.begin_array();
    for (const AxisField& a : f.axes) {
      nlohmann::ordered_json v = ratio_json(a.*member);
      if (v.is_string())
        j.value(v.get<std::string>());
      else
        j.number(v.dump());
    }
    j.end_array();
  }
  j.end_object();
}

}  // namespace netshape
