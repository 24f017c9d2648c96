// The text of `netshape sizes`: per variant (square inputs, then each axis alone), the sizes of
// the range that work, what each gives and what its floors drop; or, with --solve, the sizes
// that give the asked dim. A pure function of the survey.
#include <fmt/format.h>

#include "json_text.hpp"
#include "netshape/sizes_report.hpp"

namespace netshape {
namespace {

// "H (W = 32 as declared)" for one axis of several; "H=W" for all of them.
std::string variant_title(const SizeSurvey& s, const SizeVariant& v) {
  size_t spatial = 0;
  for (const SizeVariant& other : s.variants) spatial = std::max(spatial, other.axes.size());
  if (v.axes.size() > 1) return v.name + " (all spatial sizes equal)";
  if (spatial <= 1) return v.name;
  std::string others;
  for (const SizeVariant& other : s.variants) {
    if (other.axes.size() != 1 || other.axes[0] == v.axes[0]) continue;
    int64_t declared = s.declared[s.varied[other.axes[0]]].value;
    others += fmt::format("{}{} = {}", others.empty() ? "" : ", ", other.name, declared);
  }
  return fmt::format("{} ({} as declared)", v.name, others);
}

std::string outputs_text(const SizeProbe& p) {
  if (p.outputs.size() == 1) return to_string(p.outputs[0].second);
  std::string out;
  for (const auto& [name, shape] : p.outputs)
    out += fmt::format("{}{}: {}", out.empty() ? "" : ", ", name, to_string(shape));
  return out;
}

std::string drops_text(const SizeProbe& p) {
  std::string out;
  for (const FloorDrop& d : p.drops)
    out += fmt::format("{}{} drops {}", out.empty() ? "" : "; ", d.layer,
                       floor_dropped_text(d.dropped));
  return out;
}

std::string range_text(int64_t first, int64_t last) {
  return first == last ? std::to_string(first) : fmt::format("{}..{}", first, last);
}

void render_variant(const SizeSurvey& s, const SizeVariant& v, std::string& out) {
  out += variant_title(s, v) + ":\n";
  size_t valid = 0;
  for (size_t i = 0; i < v.probes.size();) {
    const SizeProbe& p = v.probes[i];
    if (p.valid) {
      ++valid;
      std::string drops = drops_text(p);
      out += fmt::format("  {}={}  -> {}{}\n", v.name, p.size, outputs_text(p),
                         drops.empty() ? "" : "  (" + drops + ")");
      ++i;
      continue;
    }
    size_t j = i;  // a run of invalid sizes that fail at the same layer
    while (j + 1 < v.probes.size() && !v.probes[j + 1].valid &&
           v.probes[j + 1].failing_layer == p.failing_layer)
      ++j;
    out += fmt::format("  {}={}  error at {}\n", v.name, range_text(p.size, v.probes[j].size),
                       p.failing_layer.empty() ? "the input" : p.failing_layer);
    i = j + 1;
  }
  out += fmt::format("  valid: {} of {} sizes; ", valid, v.probes.size());
  out += v.smallest ? fmt::format("smallest valid {}: {}\n", v.name, *v.smallest)
                    : fmt::format("no valid {} up to {}\n", v.name, s.hi);
}

// "32..35, 40" from the sizes that satisfy the target.
std::string solutions_text(const SizeVariant& v, const SizeTarget& t) {
  std::vector<int64_t> sizes;
  for (const SizeProbe& p : v.probes)
    if (p.solved_value == t.value) sizes.push_back(p.size);
  std::string out;
  for (size_t i = 0; i < sizes.size();) {
    size_t j = i;
    while (j + 1 < sizes.size() && sizes[j + 1] == sizes[j] + 1) ++j;
    out += (out.empty() ? "" : ", ") + range_text(sizes[i], sizes[j]);
    i = j + 1;
  }
  return out;
}

}  // namespace

std::string render_sizes(const SizeSurvey& s, const std::string& model, const std::string& input) {
  std::string out = fmt::format("model {}  (input {}: {}; sizes {}..{})\n", model, input,
                                to_string(s.declared), s.lo, s.hi);
  for (const SizeVariant& v : s.variants) {
    out += "\n";
    render_variant(s, v, out);
  }
  return out;
}

std::string render_solutions(const SizeSurvey& s, const SizeTarget& t, const std::string& model,
                             const std::string& input) {
  std::string out = fmt::format("model {}  (input {}: {}; sizes {}..{})\n\n", model, input,
                                to_string(s.declared), s.lo, s.hi);
  out += fmt::format("{}'s {} has {} as its last dim for:\n", t.layer,
                     t.output ? "output" : "input", t.value);
  for (const SizeVariant& v : s.variants) {
    std::string sizes = solutions_text(v, t);
    out +=
        fmt::format("  {}: {}", variant_title(s, v), sizes.empty() ? "none in the range" : sizes);
    if (v.smallest && *v.smallest < s.lo)
      out += fmt::format(" (and below the range, from {})", *v.smallest);
    out += "\n";
  }
  return out;
}

namespace {

void value_or_null(JsonText& j, const std::optional<int64_t>& v) {
  if (v)
    j.value(*v);
  else
    j.null();
}

void write_probe(JsonText& j, const SizeProbe& p, bool solving) {
  j.begin_object();
  j.key("size");
  j.value(p.size);
  if (solving) {  // a probe stops at the target layer: the dim it reads, not validity
    j.key("value");
    value_or_null(j, p.solved_value);
    j.end_object();
    return;
  }
  j.key("valid");
  j.boolean(p.valid);
  if (!p.valid) {
    j.key("error_at");
    if (p.failing_layer.empty())
      j.null();
    else
      j.value(p.failing_layer);
    j.end_object();
    return;
  }
  j.key("outputs");
  j.begin_object();
  for (const auto& [name, shape] : p.outputs) {
    j.key(name);
    write_shape(j, shape);
  }
  j.end_object();
  j.key("floor_drops");
  j.begin_array();
  for (const FloorDrop& d : p.drops) {
    j.begin_object();
    j.key("layer");
    j.value(d.layer);
    j.key("dropped");
    j.begin_array();
    for (int64_t n : d.dropped) j.value(n);
    j.end_array();
    j.end_object();
  }
  j.end_array();
  j.end_object();
}

void write_variant(JsonText& j, const SizeVariant& v, const std::optional<SizeTarget>& t) {
  j.begin_object();
  j.key("name");
  j.value(v.name);
  j.key("axes");
  j.begin_array();
  for (size_t a : v.axes) j.value(static_cast<int64_t>(a));
  j.end_array();
  j.key("probes");
  j.begin_array();
  for (const SizeProbe& p : v.probes) write_probe(j, p, t.has_value());
  j.end_array();
  if (t) {
    j.key("solutions");
    j.begin_array();
    for (const SizeProbe& p : v.probes)
      if (p.solved_value == t->value) j.value(p.size);
    j.end_array();
  } else {
    int64_t valid = 0;
    for (const SizeProbe& p : v.probes) valid += p.valid ? 1 : 0;
    j.key("valid");
    j.value(valid);
  }
  j.key("smallest");
  value_or_null(j, v.smallest);
  j.end_object();
}

}  // namespace

std::string render_sizes_json(const SizeSurvey& s, const std::optional<SizeTarget>& t,
                              const std::string& model, const std::string& input) {
  std::string out;
  JsonText j(out);
  j.begin_object();
  j.key("model");
  j.value(model);
  j.key("input");
  j.begin_object();
  j.key("name");
  j.value(input);
  j.key("shape");
  write_shape(j, s.declared);
  j.end_object();
  j.key("range");
  j.begin_array();
  j.value(s.lo);
  j.value(s.hi);
  j.end_array();
  if (t) {
    j.key("solve");
    j.begin_object();
    j.key("layer");
    j.value(t->layer);
    j.key("side");
    j.value(t->output ? "out" : "in");
    j.key("value");
    j.value(t->value);
    j.end_object();
  }
  j.key("variants");
  j.begin_array();
  for (const SizeVariant& v : s.variants) write_variant(j, v, t);
  j.end_array();
  j.end_object();
  out += '\n';
  return out;
}

}  // namespace netshape
