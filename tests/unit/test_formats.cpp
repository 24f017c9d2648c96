// The pasteable reports (check --format latex|html|dot|svg) and `netshape diff`.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>

#include "../../src/report/diagram.hpp"
#include "../../src/report/layered_layout.hpp"
#include "../../src/report/markup.hpp"
#include "netshape/limits.hpp"
#include "netshape/model_diff.hpp"
#include "netshape/report_formats.hpp"
#include "test_helpers.hpp"

namespace netshape {
namespace {

const std::string kRoot = NETSHAPE_SOURCE_DIR;

LoadedModel load_file(const std::string& relative, const std::string& input = "") {
  LoadedModel m;
  std::string error;
  auto src = read_source(kRoot + "/" + relative, error);
  REQUIRE_MESSAGE(src, error);
  m.source = std::move(*src);
  LoadOptions o;
  o.input_dims = input;
  load_model(m, o);
  return m;
}

// A strict little XML reader: elements, attributes in double quotes, the five predefined
// entities and numeric references, comments are not expected. Throws on anything malformed, so
// a test that gets a tree knows the text is well-formed XML.
struct XmlElement {
  std::string name;
  std::map<std::string, std::string> attrs;
  std::vector<std::unique_ptr<XmlElement>> children;
  std::string text;
  double number(const std::string& attr) const { return std::stod(attrs.at(attr)); }
};

class XmlReader {
 public:
  explicit XmlReader(std::string_view s) : s_(s) {}
  std::unique_ptr<XmlElement> document() {
    if (s_.substr(0, 5) == "<?xml") pos_ = s_.find("?>") + 2;
    skip_space();
    auto root = element();
    skip_space();
    if (pos_ != s_.size()) fail("text after the root element");
    return root;
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
  [[noreturn]] void fail(const std::string& why) {
    throw std::runtime_error(why + " at byte " + std::to_string(pos_));
  }
  void skip_space() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  std::string name() {
    size_t start = pos_;
    while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) ||
                                s_[pos_] == '-' || s_[pos_] == '_' || s_[pos_] == ':'))
      ++pos_;
    if (pos_ == start) fail("expected a name");
    return std::string(s_.substr(start, pos_ - start));
  }
  // Character data up to `stop`, with its entities checked and decoded.
  std::string chars(char stop) {
    std::string out;
    while (pos_ < s_.size() && s_[pos_] != stop) {
      char c = s_[pos_];
      if (c == '<') fail("'<' in character data");
      if (c == '&') {
        size_t end = s_.find(';', pos_);
        if (end == std::string_view::npos) fail("unterminated entity");
        std::string_view e = s_.substr(pos_ + 1, end - pos_ - 1);
        static const std::map<std::string_view, char> kNamed = {
            {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
        if (auto it = kNamed.find(e); it != kNamed.end()) {
          out += it->second;
        } else if (e.size() > 1 && e[0] == '#' &&
                   e.substr(1).find_first_not_of("0123456789") == std::string_view::npos) {
          out += static_cast<char>(std::stoi(std::string(e.substr(1))));
        } else {
          fail("unknown entity &" + std::string(e) + ";");
        }
        pos_ = end + 1;
        continue;
      }
      out += c;
      ++pos_;
    }
    return out;
  }
  std::unique_ptr<XmlElement> element() {
    if (pos_ >= s_.size() || s_[pos_] != '<') fail("expected '<'");
    ++pos_;
    auto e = std::make_unique<XmlElement>();
    e->name = name();
    for (;;) {
      skip_space();
      if (s_.substr(pos_, 2) == "/>") {
        pos_ += 2;
        return e;
      }
      if (pos_ < s_.size() && s_[pos_] == '>') break;
      std::string attr = name();
      if (s_.substr(pos_, 2) != "=\"") fail("attribute without a double-quoted value");
      pos_ += 2;
      std::string value = chars('"');
      if (pos_ >= s_.size()) fail("unterminated attribute");
      ++pos_;
      if (!e->attrs.emplace(attr, value).second) fail("attribute given twice: " + attr);
    }
    ++pos_;
    for (;;) {
      e->text += chars('<');
      if (pos_ >= s_.size()) fail("unclosed <" + e->name + ">");
      if (s_.substr(pos_, 2) == "</") {
        pos_ += 2;
        if (name() != e->name) fail("mismatched end tag of <" + e->name + ">");
        skip_space();
        if (pos_ >= s_.size() || s_[pos_] != '>') fail("bad end tag");
        ++pos_;
        return e;
      }
      e->children.push_back(element());
    }
  }
};

std::unique_ptr<XmlElement> parse_xml(const std::string& text) {
  try {
    return XmlReader(text).document();
  } catch (const std::exception& ex) {
    FAIL("not well-formed XML: " << ex.what());
  }
  return nullptr;
}

void collect(const XmlElement& e, const std::string& cls, std::vector<const XmlElement*>& out) {
  auto it = e.attrs.find("class");
  if (it != e.attrs.end() && it->second == cls) out.push_back(&e);
  for (const auto& c : e.children) collect(*c, cls, out);
}

std::vector<const XmlElement*> with_class(const XmlElement& root, const std::string& cls) {
  std::vector<const XmlElement*> out;
  collect(root, cls, out);
  return out;
}

const XmlElement& child(const XmlElement& e, const std::string& name, size_t nth = 0) {
  for (const auto& c : e.children)
    if (c->name == name && nth-- == 0) return *c;
  FAIL("<" << e.name << "> has no <" << name << ">");
  return e;
}

struct Box {
  double x, y, w, h;
};

// The layout's promises, read back from the SVG: no two boxes overlap, the boxes of one layer
// share their row, every edge goes down, and there is a box per input, layer and output.
void check_drawing(const LoadedModel& m, const std::string& svg) {
  auto root = parse_xml(svg);
  REQUIRE(root);
  CHECK(root->name == "svg");
  CHECK(root->attrs.at("xmlns") == "http://www.w3.org/2000/svg");
  const Analysis& a = m.analysis;
  auto nodes = with_class(*root, "node");
  CHECK(nodes.size() == a.inputs.size() + a.layers.size() + a.outputs.size());
  std::vector<Box> boxes;
  for (const XmlElement* n : nodes) {
    const XmlElement& r = child(*n, "rect");
    boxes.push_back({r.number("x"), r.number("y"), r.number("width"), r.number("height")});
    CHECK(boxes.back().x >= 0);
    CHECK(boxes.back().x + boxes.back().w <= root->number("width"));
    CHECK(boxes.back().y + boxes.back().h <= root->number("height"));
  }
  for (size_t i = 0; i < boxes.size(); ++i)
    for (size_t j = i + 1; j < boxes.size(); ++j) {
      const Box& p = boxes[i];
      const Box& q = boxes[j];
      bool apart = p.x + p.w <= q.x || q.x + q.w <= p.x || p.y + p.h <= q.y || q.y + q.h <= p.y;
      CHECK_MESSAGE(
          apart, child(*nodes[i], "title").text << " overlaps " << child(*nodes[j], "title").text);
    }
  size_t edges = a.outputs.size();
  for (const LayerInfo& l : a.layers) edges += l.input_ids.size();
  auto paths = with_class(*root, "edge");
  CHECK(paths.size() == edges);
  for (const XmlElement* p : paths) {
    // "M x,y C ... x,y": the last point is below the first.
    const std::string& d = p->attrs.at("d");
    double y0 = std::stod(d.substr(d.find(',') + 1));
    double y1 = std::stod(d.substr(d.rfind(',') + 1));
    CHECK(y1 > y0);
  }
}

}  // namespace

// The course notes' LeNet table ("Case study: LeNet-like architecture", seed 003): the same
// numbers, 832 / 460800, 51264 / 819200, 51400 / 51200, 2010 / 2000, total 105506 / 1333200.
TEST_CASE("formats: LaTeX of the notes' LeNet, with and without formulas") {
  LoadedModel m = load_file("models/lenet.ns");
  REQUIRE(m.analysis.ok);
  const std::string head =
      "% LeNetLike (input x: [1, 28, 28]), netshape check --format latex\n"
      "% needs \\usepackage{booktabs}\n"
      "\\begin{tabular}{lllrr}\n"
      "\\toprule\n"
      "input size & layer & output size & \\# parameters & \\# products \\\\\n"
      "\\midrule\n";
  const std::string tail =
      "\\midrule\n"
      "\\multicolumn{3}{l}{total} & 105506 & 1333200 \\\\\n"
      "\\bottomrule\n"
      "\\end{tabular}\n";
  CHECK(render_latex(m.analysis) ==
        head +
            "$1 \\times 28 \\times 28$ & \\texttt{Conv2d(1, 32, kernel\\_size=5)} & $32 \\times 24 "
            "\\times 24$ & 832 & 460800 \\\\\n"
            "$32 \\times 24 \\times 24$ & \\texttt{max\\_pool2d(kernel\\_size=3)} & $32 \\times 8 "
            "\\times 8$ & 0 & 0 \\\\\n"
            "$32 \\times 8 \\times 8$ & \\texttt{relu()} & $32 \\times 8 \\times 8$ & 0 & 0 \\\\\n"
            "$32 \\times 8 \\times 8$ & \\texttt{Conv2d(32, 64, kernel\\_size=5)} & $64 \\times 4 "
            "\\times 4$ & 51264 & 819200 \\\\\n"
            "$64 \\times 4 \\times 4$ & \\texttt{max\\_pool2d(kernel\\_size=2)} & $64 \\times 2 "
            "\\times 2$ & 0 & 0 \\\\\n"
            "$64 \\times 2 \\times 2$ & \\texttt{relu()} & $64 \\times 2 \\times 2$ & 0 & 0 \\\\\n"
            "$64 \\times 2 \\times 2$ & \\texttt{view(-1, 256)} & $1 \\times 256$ & 0 & 0 \\\\\n"
            "$1 \\times 256$ & \\texttt{Linear(256, 200)} & $1 \\times 200$ & 51400 & 51200 \\\\\n"
            "$1 \\times 200$ & \\texttt{relu()} & $1 \\times 200$ & 0 & 0 \\\\\n"
            "$1 \\times 200$ & \\texttt{Linear(200, 10)} & $1 \\times 10$ & 2010 & 2000 \\\\\n" +
            tail);
  CHECK(render_latex(m.analysis, {true}) ==
        head +
            "$1 \\times 28 \\times 28$ & \\texttt{Conv2d(1, 32, kernel\\_size=5)} & $32 \\times 24 "
            "\\times 24$ & $32 \\cdot (5^2+1) = 832$ & $32 \\cdot 24^2 \\cdot 5^2 = 460800$ \\\\\n"
            "$32 \\times 24 \\times 24$ & \\texttt{max\\_pool2d(kernel\\_size=3)} & $32 \\times 8 "
            "\\times 8$ & 0 & 0 \\\\\n"
            "$32 \\times 8 \\times 8$ & \\texttt{relu()} & $32 \\times 8 \\times 8$ & 0 & 0 \\\\\n"
            "$32 \\times 8 \\times 8$ & \\texttt{Conv2d(32, 64, kernel\\_size=5)} & $64 \\times 4 "
            "\\times 4$ & $64 \\cdot (32 \\cdot 5^2+1) = 51264$ & $64 \\cdot 32 \\cdot 4^2 \\cdot "
            "5^2 = 819200$ \\\\\n"
            "$64 \\times 4 \\times 4$ & \\texttt{max\\_pool2d(kernel\\_size=2)} & $64 \\times 2 "
            "\\times 2$ & 0 & 0 \\\\\n"
            "$64 \\times 2 \\times 2$ & \\texttt{relu()} & $64 \\times 2 \\times 2$ & 0 & 0 \\\\\n"
            "$64 \\times 2 \\times 2$ & \\texttt{view(-1, 256)} & $1 \\times 256$ & 0 & 0 \\\\\n"
            "$1 \\times 256$ & \\texttt{Linear(256, 200)} & $1 \\times 200$ & $200 \\cdot (256+1) "
            "= 51400$ & $200 \\cdot 256 = 51200$ \\\\\n"
            "$1 \\times 200$ & \\texttt{relu()} & $1 \\times 200$ & 0 & 0 \\\\\n"
            "$1 \\times 200$ & \\texttt{Linear(200, 10)} & $1 \\times 10$ & $10 \\cdot (200+1) = "
            "2010$ & $10 \\cdot 200 = 2000$ \\\\\n" +
            tail);
}

TEST_CASE("formats: LaTeX formulas of a branching model - batch, no bias, BatchNorm, inputs") {
  LoadedModel m = load_file("models/resnet_block.ns", "4,3,32,32");
  REQUIRE(m.analysis.ok);
  std::string tex = render_latex(m.analysis, {true});
  // stem: Conv2d(3, 16, 3, padding=1, bias=False) on a batch of 4.
  CHECK(tex.find("$4 \\times 3 \\times 32 \\times 32$ & \\texttt{Conv2d(3, 16, 3, padding=1, "
                 "bias=False)} & $4 \\times 16 \\times 32 \\times 32$ & $16 \\cdot 3 \\cdot 3^2 = "
                 "432$ & $4 \\cdot 16 \\cdot 3 \\cdot 32^2 \\cdot 3^2 = 1769472$ \\\\\n") !=
        std::string::npos);
  CHECK(tex.find("\\texttt{BatchNorm2d(16)} & $4 \\times 16 \\times 32 \\times 32$ & $2 \\cdot 16 "
                 "= 32$ & 0 \\\\\n") != std::string::npos);
  // Inputs other than the previous row's are shown, as the model language writes them.
  CHECK(tex.find("& \\texttt{add(b1\\_bn2, stem\\_relu)} &") != std::string::npos);
  CHECK(tex.find("\\texttt{Conv2d(16, 32, kernel\\_size=1, stride=2, bias=False)(b1\\_out)}") !=
        std::string::npos);
  CHECK(tex.find("& $32 \\cdot (32+1) = 330$ & $4 \\cdot 32 \\cdot 10 \\cdot 32 = 1280$ \\\\\n") ==
        std::string::npos);  // Linear(32, 10): out first, as the notes write 200.256
  CHECK(tex.find("& $10 \\cdot (32+1) = 330$ & $4 \\cdot 10 \\cdot 32 = 1280$ \\\\\n") !=
        std::string::npos);
  CHECK(tex.find("\\multicolumn{3}{l}{total} & 19994 & 35325184 \\\\\n") != std::string::npos);
  // A symbolic batch: counts per sample, said so.
  LoadedModel per_sample = load_file("models/resnet_block.ns");
  std::string tex1 = render_latex(per_sample.analysis);
  CHECK(tex1.find("$B \\times 3 \\times 32 \\times 32$") != std::string::npos);
  CHECK(tex1.find("\\multicolumn{3}{l}{total (per sample)} & 19994 & 8831296 \\\\\n") !=
        std::string::npos);
}

TEST_CASE("formats: escaping for LaTeX, XML and DOT") {
  CHECK(latex_escape("a_b%c&d#e$f{g}h~i^j\\k<l>m|") ==
        "a\\_b\\%c\\&d\\#e\\$f\\{g\\}h\\textasciitilde{}i\\textasciicircum{}j\\textbackslash{}k"
        "\\textless{}l\\textgreater{}m\\textbar{}");
  CHECK(xml_escape("a<b>&\"c'") == "a&lt;b&gt;&amp;&quot;c&#39;");
  CHECK(dot_escape("a\"b\\n") == "a\\\"b\\\\n");
  // UTF-8 passes, invalid bytes and control characters do not reach the file.
  CHECK(xml_escape("caf\xc3\xa9") == "caf\xc3\xa9");
  CHECK(xml_escape("a\xff\x01z") == "a??z");
  CHECK(latex_escape("a\xc3(\nb") == "a?( b");
  // Through a report: a string argument's quotes.
  LoadedModel m = test::check_ns("input x: [1, 3, 8, 8]\nc_1 = Conv2d(3, 4, 3, padding='same')\n");
  REQUIRE(m.analysis.ok);
  CHECK(render_latex(m.analysis).find("\\texttt{Conv2d(3, 4, 3, padding='same')}") !=
        std::string::npos);
  CHECK(render_html(m.analysis).find("<td>c_1</td>") != std::string::npos);
}

TEST_CASE("formats: DOT has a node per input, layer and output and edges labelled with shapes") {
  LoadedModel m = load_file("models/lenet.ns");
  std::string dot = render_dot(m.analysis);
  CHECK(dot.rfind("digraph \"LeNetLike\" {\n", 0) == 0);
  CHECK(dot.find("  in0 [shape=ellipse, fillcolor=\"#ffffff\", label=\"x\\ninput\"];\n") !=
        std::string::npos);
  CHECK(dot.find("  n1 [fillcolor=\"#dce8f8\", label=\"conv1\\nConv2d\"];\n") != std::string::npos);
  CHECK(dot.find("  in0 -> n1 [label=\"[1, 28, 28]\"];\n") != std::string::npos);
  CHECK(dot.find("  n1 -> n2 [label=\"[32, 24, 24]\"];\n") != std::string::npos);
  CHECK(dot.find("  n10 -> out11 [label=\"[1, 10]\"];\n") != std::string::npos);
  CHECK(dot.substr(dot.size() - 2) == "}\n");

  LoadedModel res = load_file("models/resnet_block.ns");
  std::string rdot = render_dot(res.analysis);
  // b1_sum (node 9) adds b1_bn2 (8) and stem_relu (3); b2_proj (16) reads b1_out (10).
  CHECK(rdot.find("  n8 -> n9 [label=\"[B, 16, 32, 32]\"];\n") != std::string::npos);
  CHECK(rdot.find("  n3 -> n9 [label=\"[B, 16, 32, 32]\"];\n") != std::string::npos);
  CHECK(rdot.find("  n10 -> n16 [label=\"[B, 16, 32, 32]\"];\n") != std::string::npos);
  CHECK(rdot.find("  n17 -> n18 [label=\"[B, 32, 16, 16]\"];\n") != std::string::npos);
  size_t edges = 0;
  for (size_t p = rdot.find(" -> "); p != std::string::npos; p = rdot.find(" -> ", p + 1)) ++edges;
  CHECK(edges == 25);  // 22 layers read 24 tensors, plus the output
}

TEST_CASE("formats: the layered layout ranks by longest path and keeps chains straight") {
  LoadedModel m = load_file("models/resnet_block.ns");
  Diagram d = make_diagram(m.analysis);
  REQUIRE(d.nodes.size() == 24);
  std::vector<size_t> rank = longest_path_ranks(d);
  CHECK(rank[0] == 0);    // x
  CHECK(rank[9] == 9);    // b1_sum: after b1_bn2, not after stem_relu
  CHECK(rank[16] == 11);  // b2_proj: right after b1_out
  CHECK(rank[17] == 12);
  CHECK(rank[18] == 16);  // b2_sum: after b2_bn2
  CHECK(rank[23] == 21);  // the output
  DiagramLayout layout = layered_layout(d, std::vector<double>(d.nodes.size(), 80.0));
  CHECK(layout.ranks == 22);
  // The identity shortcut passes beside the main chain (one dummy point per layer it crosses),
  // and the main chain of a sequence stays in one column.
  CHECK(layout.routes.size() == d.edges.size());
  size_t dummies = layout.boxes.size() - d.nodes.size();
  CHECK(dummies == 5 + 3);  // stem_relu -> b1_sum crosses 5 ranks; b2_proj_bn -> b2_sum 3
  CHECK(layout.boxes[1].x == doctest::Approx(layout.boxes[2].x));
  CHECK(layout.boxes[4].x == doctest::Approx(layout.boxes[5].x));
}

TEST_CASE("formats: SVG is well-formed and readable for a ResNet block, ResNet-18 and the U-Net") {
  for (const char* file : {"models/resnet_block.ns", "models/zoo/resnet18.ns", "models/zoo/unet.ns",
                           "models/lenet.ns"}) {
    CAPTURE(file);
    LoadedModel m = load_file(file);
    REQUIRE(m.analysis.ok);
    std::string svg = render_svg(m.analysis);
    CHECK(svg.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg ", 0) == 0);
    check_drawing(m, svg);
  }
  LoadedModel unet = load_file("models/zoo/unet.ns");
  std::string svg = render_svg(unet.analysis);
  auto root = parse_xml(svg);
  // Every tensor's shape once, under the box that makes it.
  auto labels = with_class(*root, "shape");
  CHECK(labels.size() == 1 + unet.analysis.layers.size());
  CHECK(svg.find(">[B, 1024, 16, 16]</text>") != std::string::npos);
  CHECK(svg.find(">[B, 2, 256, 256]</text>") != std::string::npos);
  // The skip connections are routed beside the decoder: the drawing is wider than one column.
  CHECK(root->number("width") > 300);
}

TEST_CASE("formats: a drawing of a file where every layer reads the input stays bounded") {
  // 3,000 layers each adding the input would need 4.5 million routing points.
  std::string text = "input x: [1, 2]\na0 = relu(x)\n";
  for (int i = 1; i <= 3000; ++i)
    text += fmt::format("a{} = relu(a{})\ns{} = add(a{}, x)\n", i, i - 1, i, i);
  LoadedModel m = test::check_ns(text);
  REQUIRE(m.analysis.ok);
  Diagram d = make_diagram(m.analysis);
  DiagramLayout layout = layered_layout(d, std::vector<double>(d.nodes.size(), 60.0));
  CHECK(layout.boxes.size() - d.nodes.size() <= limits::kMaxDiagramDummyPoints);
  CHECK(layout.routes.size() == d.edges.size());
  CHECK(layout.routes.back().size() == 2);  // the last long edges are drawn straight
  CHECK(render_svg(m.analysis).size() < 64u << 20);
}

TEST_CASE("formats: a failed model draws up to the failing layer, marked") {
  LoadedModel m = load_file("models/broken_fc.ns");
  REQUIRE(!m.analysis.ok);
  std::string svg = render_svg(m.analysis);
  auto root = parse_xml(svg);
  auto nodes = with_class(*root, "node");
  CHECK(nodes.size() == m.analysis.inputs.size() + m.analysis.layers.size());  // no output
  CHECK(child(*nodes.back(), "rect").attrs.at("fill") == "#f8d0d0");
  std::string tex = render_latex(m.analysis);
  CHECK(tex.find("& error & -- & -- \\\\\n") != std::string::npos);
  CHECK(tex.find("\\multicolumn{5}{l}{stopped at the first error} \\\\\n") != std::string::npos);
  CHECK(render_html(m.analysis).find("stopped at the first error") != std::string::npos);
}

TEST_CASE(
    "formats: the HTML page holds the table, the totals and the drawing, and nothing external") {
  LoadedModel m = load_file("models/resnet_block.ns");
  std::string html = render_html(m.analysis);
  CHECK(html.rfind("<!DOCTYPE html>\n<html lang=\"en\">\n", 0) == 0);
  CHECK(html.find("<title>SmallResNet (netshape)</title>") != std::string::npos);
  CHECK(html.find("<tr><td class=\"num\">9</td><td>b1_sum</td><td><code>add</code></td><td>b1_bn2, "
                  "stem_relu</td><td>[B, 16, 32, 32]</td><td class=\"num\">0</td><td "
                  "class=\"num\">0</td></tr>") != std::string::npos);
  CHECK(html.find("<td class=\"num\">19,994</td><td class=\"num\">8,831,296</td>") !=
        std::string::npos);
  CHECK(html.find("MACs: 8,831,296 per sample") != std::string::npos);
  CHECK(html.find("<svg xmlns=\"http://www.w3.org/2000/svg\"") != std::string::npos);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("src=") == std::string::npos);
  CHECK(html.find("href=") == std::string::npos);
  // The drawing inside is the SVG report's, well-formed on its own.
  size_t start = html.find("<svg "), end = html.find("</svg>") + 6;
  LoadedModel same = load_file("models/resnet_block.ns");
  check_drawing(same, html.substr(start, end - start));
  CHECK(html.substr(html.size() - 8) == "</html>\n");
}

namespace {

bool have(const char* tool) {
  return test::run_shell(std::string("command -v ") + tool + " >/dev/null 2>&1").code == 0;
}

std::filesystem::path scratch_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("netshape_formats_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

void write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

// PNG's IHDR: width and height, big-endian, at bytes 16 and 20.
std::pair<uint32_t, uint32_t> png_size(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::string head(24, '\0');
  in.read(head.data(), 24);
  REQUIRE(head.substr(1, 3) == "PNG");
  auto be32 = [&](size_t at) {
    uint32_t v = 0;
    for (size_t k = 0; k < 4; ++k) v = (v << 8) | static_cast<unsigned char>(head[at + k]);
    return v;
  };
  return {be32(16), be32(20)};
}

}  // namespace

TEST_CASE("formats: the LaTeX tables compile with pdflatex (skipped without it)") {
  if (!have("pdflatex")) {
    MESSAGE("pdflatex is not installed (Debian: texlive-latex-extra): skipped");
    return;
  }
  auto dir = scratch_dir("latex");
  std::string body;
  for (const char* file :
       {"models/lenet.ns", "models/resnet_block.ns", "models/zoo/unet.ns", "models/broken_fc.ns"}) {
    LoadedModel m = load_file(file);
    body += render_latex(m.analysis, {true}) + "\n\\bigskip\n\n" + render_latex(m.analysis) +
            "\n\\bigskip\n\n";
  }
  write_file(dir / "tables.tex",
             "\\documentclass{article}\n\\usepackage[margin=1cm,landscape]{geometry}\n"
             "\\usepackage{booktabs}\n\\begin{document}\n\\tiny\n" +
                 body + "\\end{document}\n");
  test::ShellRun run = test::run_shell("cd '" + dir.string() +
                                       "' && pdflatex -interaction=nonstopmode -halt-on-error "
                                       "tables.tex 2>&1");
  CHECK_MESSAGE(run.code == 0, run.out);
  CHECK(std::filesystem::file_size(dir / "tables.pdf") > 1000);
  CHECK(run.out.find("Overfull") == std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("formats: chromium renders the SVG and the HTML page (skipped without it)") {
  const char* browser = have("chromium")           ? "chromium"
                        : have("chromium-browser") ? "chromium-browser"
                                                   : nullptr;
  if (!browser) {
    MESSAGE("chromium is not installed: skipped");
    return;
  }
  auto dir = scratch_dir("chromium");
  LoadedModel m = load_file("models/resnet_block.ns");
  write_file(dir / "block.svg", render_svg(m.analysis));
  write_file(dir / "block.html", render_html(m.analysis));
  for (const char* page : {"block.svg", "block.html"}) {
    CAPTURE(page);
    std::string png = (dir / (std::string(page) + ".png")).string();
    test::ShellRun run = test::run_shell(
        std::string(browser) +
        " --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=800,600 "
        "--screenshot='" +
        png + "' 'file://" + (dir / page).string() + "' 2>&1");
    CHECK_MESSAGE(run.code == 0, run.out);
    REQUIRE(std::filesystem::exists(png));
    CHECK(png_size(png) == std::pair<uint32_t, uint32_t>{800, 600});
    // A blank page compresses to a few hundred bytes; boxes, text and edges do not.
    CHECK(std::filesystem::file_size(png) > 8000);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("diff: the notes' max-pool and strided Fashion CNNs, aligned by name") {
  LoadedModel a = load_file("models/fashion_5conv_maxpool.ns");
  LoadedModel b = load_file("models/fashion_5conv_stride.ns");
  ModelDiff d = diff_models(a.analysis, b.analysis);
  CHECK(d.by_name);
  CHECK(d.same == 8);
  CHECK(d.changed == 4);
  CHECK(d.removed == 2);
  CHECK(d.added == 0);
  REQUIRE(d.rows.size() == 14);
  CHECK(a.analysis.layers[d.rows[4].a].name == "pool1");
  CHECK(d.rows[4].change == LayerChange::Removed);
  CHECK(d.rows[2].change == LayerChange::Changed);
  std::string text = render_diff(a.analysis, b.analysis, d, "maxpool.ns", "stride.ns");
  CHECK(text.find("A  maxpool.ns: Fashion5ConvMaxPool (input x: [B, 1, 28, 28])\n"
                  "B  stride.ns: Fashion5ConvStride (input x: [B, 1, 28, 28])\n"
                  "layers aligned by name: 8 the same, 4 changed, 2 only in A, 0 only in B\n") ==
        0);
  CHECK(text.find("~  conv2    Conv2d     [B, 64, 24, 24] -> [B, 64, 12, 12]") !=
        std::string::npos);
  CHECK(text.find("10,616,832 -> 2,654,208 (-7,962,624)\n") != std::string::npos);
  CHECK(text.find("18,874,368 -> 4,718,592 (-14,155,776)\n") != std::string::npos);
  CHECK(text.find("-  pool1    MaxPool2d  [B, 64, 12, 12]") != std::string::npos);
  CHECK(text.find("\nparams: 1,588,490 -> 1,588,490 (+0, +0.00%)\n"
                  "MACs: 41,797,760 -> 19,679,360 (-22,118,400, -52.92%) per sample\n"
                  "output dense: [B, 10]\n") != std::string::npos);
  auto j = diff_json(a.analysis, b.analysis, d, "maxpool.ns", "stride.ns");
  CHECK(j["aligned_by"] == "name");
  CHECK(j["layers"][4]["change"] == "removed");
  CHECK(j["layers"][4]["b"].is_null());
  CHECK(j["layers"][2]["a"]["macs"] == 10616832);
  CHECK(j["layers"][2]["b"]["macs"] == 2654208);
  CHECK(j["totals"]["macs"]["difference"] == -22118400);
  CHECK(j["totals"]["params"]["difference"] == 0);
}

TEST_CASE("diff: models without a common name are aligned by position") {
  LoadedModel a = test::check_ns("input x: [1, 3, 8, 8]\na1 = Conv2d(3, 4, 3)\na2 = ReLU()\n");
  LoadedModel b = test::check_ns(
      "input x: [1, 3, 8, 8]\nb1 = Conv2d(3, 8, 3, padding=1)\nb2 = ReLU()\nb3 = Flatten()\n");
  ModelDiff d = diff_models(a.analysis, b.analysis);
  CHECK_FALSE(d.by_name);
  CHECK(d.changed == 2);
  CHECK(d.added == 1);
  std::string text = render_diff(a.analysis, b.analysis, d, "a.ns", "b.ns");
  CHECK(
      text.find("layers aligned by position: 0 the same, 2 changed, 0 only in A, 1 only in B\n") !=
      std::string::npos);
  // Conv2d(3, 4, 3): 4*(27+1) = 112 params, 4*6*6*27 = 3,888 MACs; Conv2d(3, 8, 3, padding=1):
  // 8*28 = 224, 8*8*8*27 = 13,824.
  CHECK(text.find("~  a1 -> b1  Conv2d   [1, 4, 6, 6] -> [1, 8, 8, 8]  112 -> 224 (+112)  "
                  "3,888 -> 13,824 (+9,936)\n") != std::string::npos);
  CHECK(text.find("+  b3        Flatten  [1, 512]") != std::string::npos);
  CHECK(text.find("params: 112 -> 224 (+112, +100.00%)\nMACs: 3,888 -> 13,824 (+9,936, +255.56%)\n"
                  "output a2: [1, 4, 6, 6] -> b3: [1, 512]\n") != std::string::npos);
}

TEST_CASE("CLI: diff exit codes, and check's new formats and their option errors") {
  std::string bin = std::string("\"") + NETSHAPE_BINARY + "\"";
  std::string models = kRoot + "/models/";
  auto run = [&](const std::string& args) { return test::run_shell(bin + " " + args + " 2>&1"); };
  test::ShellRun ok =
      run("diff " + models + "fashion_5conv_maxpool.ns " + models + "fashion_5conv_stride.ns");
  CHECK(ok.code == 0);
  CHECK(ok.out.find("MACs: 41,797,760 -> 19,679,360") != std::string::npos);
  test::ShellRun broken =
      run("diff " + models + "fashion_7x7.ns " + models + "fashion_7x7_too_deep_error.ns");
  CHECK(broken.code == 1);
  CHECK(broken.out.find("error:") != std::string::npos);
  CHECK(broken.out.find("no totals: B stopped at its first error") != std::string::npos);
  CHECK(run("diff " + models + "lenet.ns " + models + "no_such_model.ns").code == 2);
  CHECK(run("diff " + models + "lenet.ns").code == 2);
  test::ShellRun json = run("diff " + models + "lenet.ns " + models + "lenet.ns --format json");
  CHECK(json.code == 0);
  auto j = nlohmann::json::parse(json.out);
  CHECK(j["counts"]["same"] == 10);
  CHECK(j["totals"]["macs"]["difference"] == 0);

  test::ShellRun tex = run("check " + models + "lenet.ns --format latex --formulas");
  CHECK(tex.code == 0);
  CHECK(tex.out.find("$32 \\cdot (5^2+1) = 832$ & $32 \\cdot 24^2 \\cdot 5^2 = 460800$") !=
        std::string::npos);
  CHECK(run("check " + models + "broken_fc.ns --format svg").code == 1);
  CHECK(run("check " + models + "lenet.ns --format dot").code == 0);
  CHECK(run("check " + models + "lenet.ns --format html").code == 0);
  test::ShellRun formulas = run("check " + models + "lenet.ns --formulas");
  CHECK(formulas.code == 2);
  CHECK(formulas.out.find("--formulas") != std::string::npos);
  CHECK(run("check " + models + "lenet.ns --format svg --depth 1").code == 2);
  CHECK(run("check " + models + "lenet.ns --format latex --explain").code == 2);
  CHECK(run("check " + models + "lenet.ns --format pdf").code == 2);
}

}  // namespace netshape
