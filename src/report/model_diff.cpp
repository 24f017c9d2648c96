// Two analyses side by side (model_diff.hpp).
#include "netshape/model_diff.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "netshape/report.hpp"

namespace netshape {
namespace {

bool same_layer(const LayerInfo& x, const LayerInfo& y) {
  return x.op_name == y.op_name && x.output == y.output && x.params == y.params &&
         x.trainable_params == y.trainable_params && x.macs == y.macs;
}

LayerChange change_of(const Analysis& a, const Analysis& b, size_t i, size_t j) {
  if (i == kNoLayer) return LayerChange::Added;
  if (j == kNoLayer) return LayerChange::Removed;
  return same_layer(a.layers[i], b.layers[j]) ? LayerChange::Same : LayerChange::Changed;
}

// Rows in B's order; a layer of A without a partner comes right after the row of the layer
// before it in A (or first), so a removed layer shows where it was.
std::vector<LayerPair> align_by_name(const Analysis& a, const Analysis& b) {
  std::unordered_map<std::string_view, size_t> in_a;
  for (size_t i = 0; i < a.layers.size(); ++i) in_a.emplace(a.layers[i].name, i);
  std::vector<size_t> partner_of_a(a.layers.size(), kNoLayer);
  std::vector<size_t> partner_of_b(b.layers.size(), kNoLayer);
  for (size_t j = 0; j < b.layers.size(); ++j) {
    auto it = in_a.find(b.layers[j].name);
    if (it == in_a.end()) continue;
    partner_of_b[j] = it->second;
    partner_of_a[it->second] = j;
  }
  std::vector<LayerPair> rows;
  std::vector<bool> shown(a.layers.size(), false);
  // A's unmatched layers that follow A's layer i (or lead A when i is kNoLayer).
  auto removed_after = [&](size_t i) {
    for (size_t k = i == kNoLayer ? 0 : i + 1; k < a.layers.size() && partner_of_a[k] == kNoLayer;
         ++k) {
      rows.push_back({k, kNoLayer, LayerChange::Removed});
      shown[k] = true;
    }
  };
  removed_after(kNoLayer);
  for (size_t j = 0; j < b.layers.size(); ++j) {
    size_t i = partner_of_b[j];
    rows.push_back({i, j, LayerChange::Same});
    if (i != kNoLayer) {
      shown[i] = true;
      removed_after(i);
    }
  }
  for (size_t i = 0; i < a.layers.size(); ++i)
    if (!shown[i]) rows.push_back({i, kNoLayer, LayerChange::Removed});
  return rows;
}

std::vector<LayerPair> align_by_position(const Analysis& a, const Analysis& b) {
  std::vector<LayerPair> rows;
  size_t n = std::max(a.layers.size(), b.layers.size());
  for (size_t k = 0; k < n; ++k)
    rows.push_back({k < a.layers.size() ? k : kNoLayer, k < b.layers.size() ? k : kNoLayer,
                    LayerChange::Same});
  return rows;
}

bool share_a_name(const Analysis& a, const Analysis& b) {
  std::unordered_map<std::string_view, bool> names;
  for (const LayerInfo& l : a.layers) names.emplace(l.name, true);
  return std::any_of(b.layers.begin(), b.layers.end(),
                     [&](const LayerInfo& l) { return names.count(l.name) > 0; });
}

}  // namespace

ModelDiff diff_models(const Analysis& a, const Analysis& b) {
  ModelDiff d;
  d.by_name = share_a_name(a, b);
  d.rows = d.by_name ? align_by_name(a, b) : align_by_position(a, b);
  for (LayerPair& r : d.rows) {
    r.change = change_of(a, b, r.a, r.b);
    switch (r.change) {
      case LayerChange::Same:
        ++d.same;
        break;
      case LayerChange::Changed:
        ++d.changed;
        break;
      case LayerChange::Added:
        ++d.added;
        break;
      case LayerChange::Removed:
        ++d.removed;
        break;
    }
  }
  return d;
}

namespace {

// `-7,962,624` / `+192` / `+0`.
std::string signed_commas(int64_t v) {
  return (v < 0 ? "" : "+") + with_commas(v);
}

// The difference b - a, or nullopt when it leaves int64 (two counts near the limit).
std::optional<int64_t> difference(int64_t a, int64_t b) {
  if ((b >= 0 && a < 0 && b > INT64_MAX + a) || (b < 0 && a > 0 && b < INT64_MIN + a))
    return std::nullopt;
  return b - a;
}

// A count of both layers: `320`, or `10,616,832 -> 2,654,208 (-7,962,624)`.
std::string count_change(int64_t a, int64_t b) {
  if (a == b) return with_commas(a);
  auto d = difference(a, b);
  return fmt::format("{} -> {} ({})", with_commas(a), with_commas(b),
                     d ? signed_commas(*d) : std::string("difference past 64 bits"));
}

std::string text_change(std::string_view a, std::string_view b) {
  return a == b ? std::string(a) : fmt::format("{} -> {}", a, b);
}

std::string shape_text(const LayerInfo& l) {
  return l.output ? to_string(*l.output) : "error";
}

// The cells of one row: mark, layer, op, output shape, params, MACs.
std::vector<std::string> row_cells(const Analysis& a, const Analysis& b, const LayerPair& r) {
  static const char* kMarks[] = {" ", "~", "+", "-"};
  std::string mark = kMarks[static_cast<int>(r.change)];
  if (r.a == kNoLayer || r.b == kNoLayer) {
    const LayerInfo& l = r.a == kNoLayer ? b.layers[r.b] : a.layers[r.a];
    bool ok = l.output.has_value();
    return {mark,
            std::string(l.name),
            std::string(l.op_name),
            shape_text(l),
            ok ? with_commas(l.params) : "-",
            ok ? with_commas(l.macs) : "-"};
  }
  const LayerInfo& x = a.layers[r.a];
  const LayerInfo& y = b.layers[r.b];
  bool ok = x.output && y.output;
  return {mark,
          text_change(x.name, y.name),
          text_change(x.op_name, y.op_name),
          text_change(shape_text(x), shape_text(y)),
          ok ? count_change(x.params, y.params) : "-",
          ok ? count_change(x.macs, y.macs) : "-"};
}

// Aligned columns (the last two right-aligned), as the check table prints them.
std::string grid(const std::vector<std::vector<std::string>>& rows) {
  const std::vector<std::string> titles = {"", "layer", "op", "output shape", "params", "MACs"};
  std::vector<size_t> width(titles.size());
  for (size_t c = 0; c < titles.size(); ++c) width[c] = titles[c].size();
  for (const auto& r : rows)
    for (size_t c = 0; c < titles.size(); ++c) width[c] = std::max(width[c], r[c].size());
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t c = 0; c < cells.size(); ++c) {
      if (c) out += "  ";
      std::string pad(width[c] - cells[c].size(), ' ');
      out += c >= 4 ? pad + cells[c] : cells[c] + pad;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  size_t total = 2 * (titles.size() - 1);
  for (size_t w : width) total += w;
  std::string out = line(titles) + std::string(total, '-') + "\n";
  for (const auto& r : rows) out += line(r);
  return out;
}

std::string describe(const Analysis& m, const std::string& label) {
  std::string inputs;
  for (const auto& [name, shape] : m.inputs)
    inputs += (inputs.empty() ? "" : ", ") + name + ": " + to_string(shape);
  return fmt::format("{}: {} (input {})", label, m.model_name, inputs);
}

bool per_sample(const Analysis& m) {
  return std::any_of(m.inputs.begin(), m.inputs.end(),
                     [](const auto& in) { return !in.second.empty() && in.second[0].symbolic(); });
}

// `1,569,994 -> 1,570,186 (+192, +0.01%)`
std::string total_change(int64_t a, int64_t b) {
  auto d = difference(a, b);
  if (!d) return count_change(a, b);
  std::string percent =
      a == 0 ? ""
             : fmt::format(", {:+.2f}%", 100.0 * static_cast<double>(*d) / static_cast<double>(a));
  return fmt::format("{} -> {} ({}{})", with_commas(a), with_commas(b), signed_commas(*d), percent);
}

}  // namespace

std::string render_diff(const Analysis& a, const Analysis& b, const ModelDiff& d,
                        const std::string& label_a, const std::string& label_b) {
  std::string out = "A  " + describe(a, label_a) + "\nB  " + describe(b, label_b) + "\n";
  out +=
      fmt::format("layers aligned by {}: {} the same, {} changed, {} only in A, {} only in B\n\n",
                  d.by_name ? "name" : "position", d.same, d.changed, d.removed, d.added);
  std::vector<std::vector<std::string>> rows;
  rows.reserve(d.rows.size());
  for (const LayerPair& r : d.rows) rows.push_back(row_cells(a, b, r));
  out += grid(rows) + "\n";
  if (!a.ok || !b.ok) {
    out += fmt::format("no totals: {} stopped at its first error\n", !a.ok && !b.ok ? "each model"
                                                                     : !a.ok        ? "A"
                                                                                    : "B");
    return out;
  }
  out += "params: " + total_change(a.totals.params, b.totals.params) + "\n";
  out += "MACs: " + total_change(a.totals.macs, b.totals.macs) +
         (per_sample(a) || per_sample(b) ? " per sample" : "") + "\n";
  size_t outputs = std::max(a.outputs.size(), b.outputs.size());
  for (size_t k = 0; k < outputs; ++k) {
    std::string x =
        k < a.outputs.size() ? a.outputs[k].first + ": " + to_string(a.outputs[k].second) : "-";
    std::string y =
        k < b.outputs.size() ? b.outputs[k].first + ": " + to_string(b.outputs[k].second) : "-";
    out += "output " + text_change(x, y) + "\n";
  }
  return out;
}

namespace {

nlohmann::ordered_json layer_json(const LayerInfo& l) {
  return {{"name", l.name},
          {"op", l.op_name},
          {"output_shape", l.output ? shape_json(*l.output) : nlohmann::ordered_json(nullptr)},
          {"params", l.params},
          {"trainable_params", l.trainable_params},
          {"macs", l.macs}};
}

nlohmann::ordered_json model_json(const Analysis& m, const std::string& label) {
  nlohmann::ordered_json j = {{"file", label}, {"model", m.model_name}, {"ok", m.ok}};
  j["inputs"] = nlohmann::ordered_json::object();
  for (const auto& [name, shape] : m.inputs) j["inputs"][name] = shape_json(shape);
  return j;
}

nlohmann::ordered_json total_json(int64_t a, int64_t b) {
  auto d = difference(a, b);
  return {{"a", a}, {"b", b}, {"difference", d ? nlohmann::ordered_json(*d) : nullptr}};
}

}  // namespace

nlohmann::ordered_json diff_json(const Analysis& a, const Analysis& b, const ModelDiff& d,
                                 const std::string& label_a, const std::string& label_b) {
  static const char* kChanges[] = {"same", "changed", "added", "removed"};
  nlohmann::ordered_json j = {{"a", model_json(a, label_a)},
                              {"b", model_json(b, label_b)},
                              {"aligned_by", d.by_name ? "name" : "position"}};
  j["layers"] = nlohmann::ordered_json::array();
  for (const LayerPair& r : d.rows) {
    j["layers"].push_back(
        {{"change", kChanges[static_cast<int>(r.change)]},
         {"a", r.a == kNoLayer ? nlohmann::ordered_json(nullptr) : layer_json(a.layers[r.a])},
         {"b", r.b == kNoLayer ? nlohmann::ordered_json(nullptr) : layer_json(b.layers[r.b])}});
  }
  j["counts"] = {
      {"same", d.same}, {"changed", d.changed}, {"added", d.added}, {"removed", d.removed}};
  if (a.ok && b.ok) {
    j["totals"] = {
        {"params", total_json(a.totals.params, b.totals.params)},
        {"trainable_params", total_json(a.totals.trainable_params, b.totals.trainable_params)},
        {"macs", total_json(a.totals.macs, b.totals.macs)}};
  } else {
    j["totals"] = nullptr;
  }
  return j;
}

}  // namespace netshape
