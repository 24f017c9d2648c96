// `check --format html`: one self-contained page (no script, no external file): the model's
// layer table, its totals and its graph drawn as inline SVG (svg.cpp).
#include <fmt/format.h>

#include "diagram.hpp"
#include "markup.hpp"
#include "netshape/report_formats.hpp"

namespace netshape {
namespace {

constexpr const char* kStyle =
    "body{font-family:DejaVu Sans,Helvetica,Arial,sans-serif;margin:24px;color:#222}"
    "h1{font-size:20px}h2{font-size:16px;margin-top:28px}"
    "table{border-collapse:collapse;font-size:13px}"
    "th,td{padding:3px 10px;border-bottom:1px solid #ddd;text-align:left}"
    "th{border-bottom:2px solid #444}td.num,th.num{text-align:right}"
    "tr.total td{font-weight:bold;border-top:2px solid #444}"
    "tr.error td{background:#f8d0d0}"
    "code{font-family:DejaVu Sans Mono,Menlo,Consolas,monospace}"
    ".totals{margin-top:12px;font-size:13px}";

std::string cell(std::string_view text, bool number = false) {
  return fmt::format("<td{}>{}</td>", number ? " class=\"num\"" : "", xml_escape(text));
}

// The names of the tensors a layer reads.
std::string input_names(const Analysis& a, const LayerInfo& l) {
  std::string out;
  for (TensorId t : l.input_ids) (out += out.empty() ? "" : ", ") += a.name_of(t);
  return out;
}

std::string layer_row(const Analysis& a, size_t index, const LayerInfo& l) {
  bool ok = l.output.has_value();
  std::string row = ok ? "<tr>" : "<tr class=\"error\">";
  row += cell(std::to_string(index), true) + cell(l.name) + "<td><code>" + xml_escape(l.op_name) +
         "</code></td>" + cell(input_names(a, l)) + cell(ok ? to_string(*l.output) : "error") +
         cell(ok ? with_commas(l.params) : "-", true) + cell(ok ? with_commas(l.macs) : "-", true);
  return row + "</tr>\n";
}

bool symbolic_batch(const Analysis& a) {
  for (const auto& in : a.inputs)
    if (!in.second.empty() && in.second[0].symbolic()) return true;
  return false;
}

std::string totals_text(const Analysis& a) {
  if (!a.ok)
    return "<p class=\"totals\">stopped at the first error (the diagnostics are on stderr)</p>\n";
  const Totals& t = a.totals;
  std::string out = "<p class=\"totals\">";
  for (const auto& [name, shape] : a.outputs)
    out += fmt::format("output {}: {}<br>\n", xml_escape(name), xml_escape(to_string(shape)));
  out += fmt::format("params: {} (trainable {}, non-trainable {})<br>\n", with_commas(t.params),
                     with_commas(t.trainable_params), with_commas(t.non_trainable_params));
  out +=
      fmt::format("MACs: {}{}</p>\n", with_commas(t.macs), symbolic_batch(a) ? " per sample" : "");
  return out;
}

}  // namespace

std::string render_html(const Analysis& a) {
  std::string inputs;
  for (const auto& [name, shape] : a.inputs)
    inputs += (inputs.empty() ? "" : ", ") + name + ": " + to_string(shape);
  std::string name = xml_escape(a.model_name);
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += fmt::format("<title>{} (netshape)</title>\n<style>{}</style>\n</head>\n<body>\n", name,
                     kStyle);
  out += fmt::format("<h1>{}</h1>\n<p>input {}</p>\n", name, xml_escape(inputs));
  out +=
      "<table>\n<thead><tr><th class=\"num\">#</th><th>layer</th><th>op</th><th>input</th>"
      "<th>output shape</th><th class=\"num\">params</th><th class=\"num\">MACs</th></tr>"
      "</thead>\n<tbody>\n";
  for (size_t i = 0; i < a.layers.size(); ++i) out += layer_row(a, i + 1, a.layers[i]);
  out += "</tbody>\n";
  if (a.ok) {
    out += fmt::format(
        "<tfoot><tr class=\"total\"><td></td><td>total</td><td></td><td></td><td></td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td></tr></tfoot>\n",
        with_commas(a.totals.params), with_commas(a.totals.macs));
  }
  out += "</table>\n" + totals_text(a);
  out += "<h2>Graph</h2>\n" + svg_element(a);
  out += "</body>\n</html>\n";
  return out;
}

}  // namespace netshape
