// 200 syntactically broken or unsupported Python files: each ends with exit 2 and an error that
// points into the file (never a crash, never a wrong answer).
#include <fstream>
#include <sstream>

#include "test_helpers.hpp"

using namespace netshape;

namespace {

const char* const kBreakers[] = {
    "for i in range(x.shape[0]):\n            x = self.relu(x)\n",
    "if x.shape[0] > 1:\n            x = self.relu(x)\n",
    "x = [y for y in x]\n",
    "x = lambda q: q\n",
    "while True:\n            pass\n",
    "with torch.cuda.amp.autocast():\n            x = self.relu(x)\n",
    "try:\n            x = self.relu(x)\n        except Exception:\n            pass\n",
    "x = {1: x}\n",
    "x = x.item()\n",
    "del x\n",
    "x = x if x else x\n",
    "x = (x\n",
    "x = = x\n",
    "x = self.relu(x))\n",
    "x = 'unterminated\n",
    "x = self.relu(x) $\n",
    "x = self.no_such_layer(x)\n",
    "x = undefined_name\n",
    "class Inner:\n            pass\n",
    "  x = self.relu(x)\n",
};

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

}  // namespace

TEST_CASE("200 broken or unsupported Python files: exit 2 with a positioned error") {
  std::string base = read_file(std::string(NETSHAPE_SOURCE_DIR) + "/models/notes/cifar_cnn.py");
  REQUIRE(!base.empty());
  // Statement starts inside forward(): insertion points for the breakers.
  std::vector<size_t> points;
  size_t forward = base.find("def forward");
  REQUIRE(forward != std::string::npos);
  for (size_t pos = base.find('\n', forward); pos != std::string::npos && pos + 1 < base.size();
       pos = base.find('\n', pos + 1)) {
    if (base.compare(pos + 1, 8, "        ") == 0) points.push_back(pos + 1);
  }
  REQUIRE(points.size() >= 5);
  int files = 0;
  for (const char* breaker : kBreakers) {
    for (size_t k = 0; k < 10; ++k) {
      std::string text = base;
      text.insert(points[k % points.size()], std::string("        ") + breaker);
      LoadedModel m;
      m.source = SourceFile("broken.py", text);
      load_model(m, {});
      INFO(text);
      CHECK(m.exit == ExitCode::UsageOrParse);
      REQUIRE(!m.diags.items().empty());
      const Diagnostic& d = m.diags.items().front();
      CHECK(d.span.valid());
      CHECK(d.span.line >= 1);
      CHECK(d.span.line <= m.source.line_count());
      CHECK(render_diagnostics(m).find("broken.py:") == 0);
      ++files;
    }
  }
  CHECK(files == 200);
}
