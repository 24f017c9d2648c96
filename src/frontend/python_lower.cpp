// Lowering of the Python AST into the Program IR. The model's __init__ is "executed"
// symbolically (module constructors and constants are recorded, nothing is built), then its
// forward is walked: every module call, functional call, tensor method and tensor `+` becomes
// one Statement whose inputs name the tensors it consumes.
#include "python_lower.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <set>

#include "netshape/op_table.hpp"
#include "netshape/python_frontend.hpp"
#include "netshape/shape.hpp"
#include "python_value.hpp"

namespace netshape::pylower {

using py::Expr;
using py::Stmt;

namespace {

constexpr int kMaxInstanceDepth = limits::kMaxPyInstanceDepth;

const char* const kUnsupportedHelp =
    "netshape reads a subset of PyTorch (see docs/python.md); rewrite this part with "
    "straight-line assignments, or describe the model in a .ns file";

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return s;
}

}  // namespace

// ---- the lowering context ----

const SourceFile& Lowerer::source(uint32_t file) const {
  return file < files_.size() ? *files_[file].src : src_;
}

uint32_t Lowerer::file_of(const Stmt* cls) const {
  auto it = class_file_.find(cls);
  return it == class_file_.end() ? 0 : it->second;
}

// Where torchvision is installed, as Python would find it: the directories of PYTHONPATH, then
// the site directories of an active virtualenv or conda environment, of the user
// (~/.local/lib/python3.X/site-packages) and of the system (/usr/local/lib/python3.X/...,
// Debian's /usr/lib/python3/dist-packages); only those holding a `torchvision` package. Read only
// for an import of torchvision, whose sources netshape is tested on; other installed packages are
// not looked for (numpy's files would be read for nothing).
static const std::vector<std::filesystem::path>& torchvision_roots() {
  static const std::vector<std::filesystem::path> roots = [] {
    std::vector<std::filesystem::path> dirs;
    if (const char* path = std::getenv("PYTHONPATH")) {
      std::string_view rest = path;
      while (!rest.empty()) {
        size_t colon = rest.find(':');
        if (colon != 0) dirs.emplace_back(rest.substr(0, colon));
        rest = colon == std::string_view::npos ? "" : rest.substr(colon + 1);
      }
    }
    std::error_code ec;
    // lib/python3.X/{site,dist}-packages under a prefix: an active virtualenv or conda
    // environment first, then the user's site, then the system's
    auto site_dirs_under = [&](const std::filesystem::path& lib) {
      for (const auto& entry : std::filesystem::directory_iterator(lib, ec)) {
        std::string name = entry.path().filename().string();
        if (name.rfind("python3", 0) != 0) continue;
        dirs.push_back(entry.path() / "site-packages");
        dirs.push_back(entry.path() / "dist-packages");
      }
    };
    for (const char* prefix : {"VIRTUAL_ENV", "CONDA_PREFIX"})
      if (const char* dir = std::getenv(prefix))
        site_dirs_under(std::filesystem::path(dir) / "lib");
    if (const char* home = std::getenv("HOME"))
      site_dirs_under(std::filesystem::path(home) / ".local" / "lib");
    site_dirs_under("/usr/local/lib");
    dirs.emplace_back("/usr/lib/python3/dist-packages");
    std::vector<std::filesystem::path> found;
    for (const auto& dir : dirs)
      if (std::filesystem::is_regular_file(dir / "torchvision" / "__init__.py", ec))
        found.push_back(dir);
    return found;
  }();
  return roots;
}

// Python's module lookup, reduced to files: `.a.b` from a file in D is D/a/b.py (or
// D/a/b/__init__.py), each further leading dot one directory up; `a.b` is looked for under the
// main file's directory, then under each --path root. Nothing is run: the file is only read.
int Lowerer::import_file(uint32_t from, const std::string& module, Span at) {
  size_t dots = module.find_first_not_of('.');
  if (dots == std::string::npos) dots = module.size();
  std::string rest = module.substr(dots);
  std::replace(rest.begin(), rest.end(), '.', '/');
  std::vector<std::filesystem::path> roots;
  if (dots > 0) {
    std::filesystem::path base = files_[from].dir;
    // `..` rather than parent_path(): the main file's directory may be "." (run inside it)
    for (size_t i = 1; i < dots; ++i) base = (base / "..").lexically_normal();
    roots.push_back(base);
  } else {
    roots.push_back(files_[0].dir);
    for (const std::string& p : opts_.paths) roots.push_back(p);
    // A file inside a package (torchvision/models/resnet.py) imports the package absolutely
    // (`torchvision.ops`): its root is the directory above the outermost `__init__.py`.
    // (from the file's absolute directory: `check resnet.py` run inside torchvision/models)
    std::error_code ec;
    std::filesystem::path dir = std::filesystem::absolute(files_[0].dir, ec);
    if (ec) dir = files_[0].dir;
    std::filesystem::path top = dir;
    while (std::filesystem::is_regular_file(top / "__init__.py", ec) && top.has_parent_path() &&
           top.parent_path() != top)
      top = top.parent_path();
    if (top != dir && top != top.parent_path()) roots.push_back(top);
    if (rest == "torchvision" || rest.rfind("torchvision/", 0) == 0)
      for (const auto& root : torchvision_roots()) roots.push_back(root);
  }
  for (const auto& root : roots) {
    for (const auto& candidate : {root / (rest + ".py"), root / rest / "__init__.py"}) {
      std::error_code ec;
      if (rest.empty() && candidate.filename() != "__init__.py") continue;
      if (!std::filesystem::is_regular_file(candidate, ec)) continue;
      std::string key = std::filesystem::weakly_canonical(candidate, ec).string();
      if (auto it = file_by_path_.find(key); it != file_by_path_.end())
        return it->second >= 0 ? it->second : -2;
      if (files_.size() >= limits::kMaxPyFiles) {
        error(at, fmt::format("the model imports more than {} files", limits::kMaxPyFiles),
              "docs/limits.md lists every limit");
        return -2;
      }
      std::string why;
      auto src = read_source(candidate.string(), why);
      if (!src) {
        error(at, "cannot read `" + candidate.string() + "`: " + why, "check the file");
        if (!quiet_import_) file_by_path_[key] = -1;
        return -2;
      }
      auto owned = std::make_shared<const SourceFile>(std::move(*src));
      uint32_t index = static_cast<uint32_t>(files_.size());
      owned_sources_.push_back(owned);
      if (opts_.imported) opts_.imported->push_back(owned);
      auto parsed = py::parse_module(*owned, diags_, index);
      if (!parsed) {
        if (!quiet_import_) file_by_path_[key] = -1;  // read again, and reported, when used
        return -2;
      }
      owned_modules_.push_back(std::make_unique<py::Module>(std::move(*parsed)));
      files_.push_back(
          PyFile{owned.get(), owned_modules_.back().get(), candidate.parent_path().string()});
      file_by_path_[key] = static_cast<int>(index);
      const py::Module& module = *owned_modules_.back();
      for (const Stmt& s : module.body) {
        if (s.kind != Stmt::Kind::ClassDef) continue;
        class_file_[&s] = index;
        classes_.emplace(s.name, &s);  // bases and calls find it by name, as in one file
      }
      resolve_bases(index, module);
      return static_cast<int>(index);
    }
  }
  return -1;
}

// import_file for a file read ahead of its use (a base class's): a file netshape cannot read
// is not reported (nor remembered as broken) here, but where a name of it is used.
int Lowerer::import_quietly(uint32_t from, const std::string& module, Span at) {
  Diagnostics quiet;
  std::swap(quiet, diags_);
  bool was_quiet = quiet_import_;
  quiet_import_ = true;
  int index = import_file(from, module, at);
  quiet_import_ = was_quiet;
  std::swap(quiet, diags_);
  return index;
}

// Finds each base of a file's classes as that file names it (bases_), reading the files that
// give them (`class ResNet18_Weights(WeightsEnum)` with `from ._api import WeightsEnum`) as the
// class's file is read; a file's other imports (numpy's dozens) are read
// only when a name of theirs is used, and torch's never (its names are known, not files).
void Lowerer::resolve_bases(uint32_t file, const py::Module& module) {
  auto class_in = [](const py::Module& m, const std::string& name) -> const Stmt* {
    for (const Stmt& s : m.body)
      if (s.kind == Stmt::Kind::ClassDef && s.name == name) return &s;
    return nullptr;
  };
  for (const Stmt& cls : module.body) {
    if (cls.kind != Stmt::Kind::ClassDef) continue;
    for (const Expr& b : cls.bases) {
      std::string name = dotted(b);
      const Stmt* found = name.empty() ? nullptr : class_in(module, name);
      for (const Stmt& s : module.body) {
        bool torch = s.name == "torch" || s.name.rfind("torch.", 0) == 0;
        if (found || s.kind != Stmt::Kind::Import || s.name.empty() || torch) continue;
        for (size_t i = 0; i < s.names.size() && !found; ++i) {
          const std::string& bound = !s.aliases[i].empty() ? s.aliases[i] : s.names[i];
          if (bound != name) continue;
          int at = import_quietly(file, s.name, s.span);
          if (at >= 0) found = class_in(*files_[static_cast<size_t>(at)].module, s.names[i]);
        }
      }
      if (found && found != &cls) bases_[{&cls, name}] = found;
    }
  }
}

const Stmt* Lowerer::base_class(const Stmt& cls, const Expr& base) const {
  std::string name = dotted(base);
  if (auto it = bases_.find({&cls, name}); it != bases_.end()) return it->second;
  auto it = classes_.find(name);
  return it == classes_.end() ? nullptr : it->second;
}

const Stmt* Lowerer::first_file_base(const Stmt& cls) const {
  for (const Expr& b : cls.bases) {
    const Stmt* base = base_class(cls, b);
    if (base != nullptr && base != &cls) return base;
  }
  return nullptr;
}

extern const char* const kTorchNnPrelude;  // generated from torch_nn_prelude.py

// einops's layers, which the prelude also writes: not torch.nn's (there is no nn.Rearrange).
static bool einops_layer(std::string_view name) {
  return name == "Rearrange" || name == "Reduce";
}

// The names of the prelude's classes, from its `class X(` lines: whether a name is one is
// known without parsing the prelude, which is parsed only for a model that uses one.
static const std::set<std::string>& prelude_class_names() {
  static const std::set<std::string> names = [] {
    std::set<std::string> out;
    std::string_view text = kTorchNnPrelude;
    for (size_t at = text.find("\nclass "); at != std::string_view::npos;
         at = text.find("\nclass ", at + 1)) {
      size_t begin = at + 7, end = text.find_first_of("(:", begin);
      if (end != std::string_view::npos) out.emplace(text.substr(begin, end - begin));
    }
    return out;
  }();
  return names;
}

const py::Stmt* Lowerer::torch_nn_class(const std::string& name) {
  if (einops_layer(name) || !prelude_class_names().count(name)) return nullptr;
  return prelude_class(name);
}

const py::Stmt* Lowerer::einops_layer_class(const std::string& name) {
  return einops_layer(name) ? prelude_class(name) : nullptr;
}

const py::Stmt* Lowerer::prelude_class(const std::string& name) {
  if (!prelude_read_) {
    prelude_read_ = true;
    auto owned =
        std::make_shared<const SourceFile>("netshape/torch_nn_prelude.py", kTorchNnPrelude);
    uint32_t index = static_cast<uint32_t>(files_.size());
    owned_sources_.push_back(owned);
    if (opts_.imported) opts_.imported->push_back(owned);
    auto parsed = py::parse_module(*owned, diags_, index);
    if (!parsed) return nullptr;  // never: the unit tests read it
    owned_modules_.push_back(std::make_unique<py::Module>(std::move(*parsed)));
    files_.push_back(PyFile{owned.get(), owned_modules_.back().get(), ""});
    for (const Stmt& s : owned_modules_.back()->body) {
      if (s.kind != Stmt::Kind::ClassDef) continue;
      class_file_[&s] = index;
      torch_nn_classes_.emplace(s.name, &s);  // not in classes_: the model's names stay its own
    }
  }
  auto it = torch_nn_classes_.find(name);
  return it == torch_nn_classes_.end() ? nullptr : it->second;
}

bool Lowerer::error(Span span, std::string message, std::string help) {
  diags_.error(span, std::move(message), std::move(help));
  return false;
}

bool Lowerer::unsupported(Span span, const std::string& what, std::string help) {
  return error(span, "unsupported Python construct: " + what,
               help.empty() ? kUnsupportedHelp : std::move(help));
}

// ---- emitting statements ----

std::string Lowerer::unique_name(const std::string& wanted) {
  std::string name = row_prefix_ + wanted;
  for (int k = 2; taken_.count(name) != 0; ++k)
    name = row_prefix_ + wanted + "_" + std::to_string(k);
  taken_.insert(name);
  return name;
}

// Unnamed statements get `<op><index>` (index = 1-based position in the program) like the
// .ns frontend; the name is filled in here because later statements must refer to it.
std::optional<std::string> Lowerer::emit(Statement st) {
  if (program_.statements.size() >= limits::kMaxStatements) {
    error(st.span,
          fmt::format("the model has more than {} layers, the most netshape analyses",
                      with_commas(static_cast<int64_t>(limits::kMaxStatements))),
          "split the model (docs/limits.md lists every limit)");
    return std::nullopt;
  }
  st.python = true;
  st.inputs_explicit = true;
  if (st.name.empty()) {
    st.name = unique_name(lower(st.op) + std::to_string(program_.statements.size() + 1));
  }
  program_.statements.push_back(std::move(st));
  return program_.statements.back().name;
}

// ---- model selection ----

}  // namespace netshape::pylower

namespace netshape {
// The parameters of a def as written: `block, num_blocks, num_classes=10`.
static std::string signature_of(const SourceFile& src, const py::Stmt& def, size_t first) {
  std::string out;
  for (size_t i = first; i < def.params.size(); ++i) {
    const py::Param& p = def.params[i];
    out += (out.empty() ? "" : ", ") + std::string(static_cast<size_t>(p.stars), '*') + p.name;
    if (p.default_value) {
      Span d = p.default_value->span;
      std::string_view line = src.line_text(d.line);
      size_t from = static_cast<size_t>(std::max(0, d.column - 1));
      out += "=" + std::string(line.substr(std::min(from, line.size()),
                                           static_cast<size_t>(std::max(1, d.length))));
    }
  }
  return out;
}

}  // namespace netshape

namespace netshape::pylower {

bool has_slice(const Expr& subscript) {
  if (subscript.kind != Expr::Kind::Subscript) return false;
  const Expr& index = subscript.items[1];
  if (index.kind == Expr::Kind::Slice) return true;
  return index.kind == Expr::Kind::Tuple &&
         std::any_of(index.items.begin(), index.items.end(),
                     [](const Expr& i) { return i.kind == Expr::Kind::Slice; });
}

Expr as_binary_chain(const Expr& compare) {
  Expr lhs = compare.items[0];
  for (size_t i = 0; i < compare.ops.size(); ++i) {
    Expr b;
    b.kind = Expr::Kind::Binary;
    b.text = compare.ops[i];
    b.span = compare.span;
    b.items = {std::move(lhs), compare.items[i + 1]};
    lhs = std::move(b);
  }
  return lhs;
}

// Dotted name of `a.b.c` (empty when the expression is not a plain dotted name).
std::string dotted(const Expr& e) {
  if (e.kind == Expr::Kind::Name) return e.text;
  if (e.kind == Expr::Kind::Attribute) {
    std::string base = dotted(e.items[0]);
    return base.empty() ? "" : base + "." + e.text;
  }
  return "";
}

static bool is_module_base(const std::string& name) {
  std::string last = name.substr(name.rfind('.') == std::string::npos ? 0 : name.rfind('.') + 1);
  return last == "Module" || last == "LightningModule";
}

static bool is_sequential_call(const Expr& e) {
  return e.kind == Expr::Kind::Call &&
         container_base(dotted(e.items[0])) == ContainerBase::Sequential;
}

// Whether `s` is `if __name__ == "__main__":`, the block a script runs when executed.
static bool is_main_guard(const Stmt& s) {
  if (s.kind != Stmt::Kind::If || !s.value || s.value->kind != Expr::Kind::Compare) return false;
  const Expr& test = *s.value;
  if (test.ops.size() != 1 || test.ops[0] != "==" || test.items.size() != 2) return false;
  auto is = [](const Expr& e, Expr::Kind kind, const char* text) {
    return e.kind == kind && e.text == text;
  };
  const Expr &a = test.items[0], &b = test.items[1];
  return (is(a, Expr::Kind::Name, "__name__") && is(b, Expr::Kind::String, "__main__")) ||
         (is(b, Expr::Kind::Name, "__name__") && is(a, Expr::Kind::String, "__main__"));
}

// The statements of `body` a script runs in order, those in `with` blocks (`with
// torch.no_grad(): out = model(torch.randn(1, 3, 32, 32))`) and, at the top level, in the main
// guard included.
static void script_statements_of(const std::vector<Stmt>& body, bool top,
                                 std::vector<const Stmt*>& out) {
  for (const Stmt& s : body) {
    if (s.kind == Stmt::Kind::With || (top && is_main_guard(s)))
      script_statements_of(s.body, false, out);
    else
      out.push_back(&s);
  }
}

std::vector<const Stmt*> Lowerer::script_statements() const {
  std::vector<const Stmt*> out;
  script_statements_of(module_.body, true, out);
  return out;
}

// `X(...).to(device)`, `.cuda()`, `.cpu()`, `.eval()`, `.train()`: X(...) itself, as shapes go
// (a device, a mode). A `.to()` that may change the dtype (`.to(torch.float64)`, `dtype=`) is
// left as it is, so it is not read as the model.
static const Expr& without_device_moves(const Expr& e) {
  const Expr* call = &e;
  while (call->kind == Expr::Kind::Call && call->items[0].kind == Expr::Kind::Attribute &&
         call->items[0].items[0].kind == Expr::Kind::Call) {
    const std::string& method = call->items[0].text;
    bool moves = method == "to" || method == "cuda" || method == "cpu" || method == "eval" ||
                 method == "train";
    for (size_t i = 1; moves && i < call->items.size(); ++i) {
      std::string arg = dotted(call->items[i]);
      moves = call->keywords[i - 1] != "dtype" && !element_type_named(arg) &&
              arg.rfind("torch.float", 0) != 0;
    }
    if (!moves) break;
    call = &call->items[0].items[0];
  }
  return *call;
}

void Lowerer::collect_top_level() {
  // The model's other files that the main one imports by name (`from unet_parts import Down`):
  // read now, so `model = UNet(...)` finds an imported class. PyTorch's own (`torch`,
  // `torch.nn`) are names netshape knows, not files; torchvision's are files (maxvit.py imports
  // `from torchvision.models._api import WeightsEnum`, the base of its weights class).
  for (const Stmt& s : module_.body) {
    bool torch = s.name == "torch" || s.name.rfind("torch.", 0) == 0;
    if (s.kind == Stmt::Kind::Import && !s.name.empty() && !torch) import_file(0, s.name, s.span);
  }
  resolve_bases(0, module_);
  for (const Stmt* statement : script_statements()) {
    const Stmt& s = *statement;
    if (s.kind == Stmt::Kind::ClassDef) {
      classes_[s.name] = &s;
      bool is_model = false;
      for (const Expr& b : s.bases) is_model |= is_module_base(dotted(b));
      for (const Expr& b : s.bases) is_model |= classes_.count(dotted(b)) != 0;
      if (is_model)
        candidates_.push_back(Candidate{s.name, &s, nullptr, nullptr, nullptr, s.name_span});
      continue;
    }
    if (s.kind == Stmt::Kind::FunctionDef) {
      functions_[s.name] = &s;
      continue;
    }
    if (s.kind != Stmt::Kind::Assign || !s.value) continue;
    const Expr& value = without_device_moves(*s.value);
    for (const Expr& t : s.targets) {
      if (t.kind != Expr::Kind::Name) continue;
      if (is_sequential_call(value)) {
        candidates_.push_back(Candidate{t.text, nullptr, &value, nullptr, nullptr, t.span});
      } else if (value.kind == Expr::Kind::Call) {
        std::string callee = dotted(value.items[0]);
        if (classes_.count(callee) != 0)
          instances_.push_back(Instantiation{t.text, callee, &value});
        auto fn = functions_.find(callee);
        if (fn != functions_.end() && classes_.count(callee) == 0) {
          Candidate c{callee, nullptr, nullptr, fn->second, &value, t.span};
          candidates_.push_back(c);
          instances_.push_back(Instantiation{t.text, callee, &value});
        }
        if (callee == "torch.randn" || callee == "torch.rand" || callee == "torch.zeros" ||
            callee == "torch.ones" || callee == "torch.empty" || callee == "torch.randint") {
          random_tensors_[t.text] = &value;
        }
      }
      if (s.value->kind != Expr::Kind::Call) {
        Const c = eval_const(*s.value, nullptr, nullptr);
        if (c.state == Const::Ok) globals_[t.text] = c;
      }
    }
  }
}

void Lowerer::collect_for_listing(PythonModelList& list) {
  collect_top_level();
  for (const Candidate& c : candidates_) {
    if (c.cls != nullptr) {
      const Stmt* init = find_method(*c.cls, "__init__", 0);
      list.entries.push_back(
          {"class", c.name, init ? signature_of(src_, *init, 1) : "", c.span.line});
    } else if (c.sequential != nullptr) {
      list.entries.push_back({"sequential", c.name, "", c.span.line});
    }
  }
  for (const auto& [name, def] : functions_) {
    list.entries.push_back({"function", name, signature_of(src_, *def, 0), def->name_span.line});
  }
  std::sort(list.entries.begin(), list.entries.end(),
            [](const PythonModelEntry& a, const PythonModelEntry& b) { return a.line < b.line; });
  Diagnostics quiet;
  std::swap(quiet, diags_);
  if (const Candidate* chosen = choose_model()) list.chosen = chosen->name;
  std::swap(quiet, diags_);
}

const Candidate* Lowerer::find_candidate(const std::string& name) const {
  for (const Candidate& c : candidates_) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

namespace {
std::string torch_module_class(const std::string& base);  // below, with the method orders
}

const Candidate* Lowerer::choose_model() {
  if (!opts_.model.empty()) {
    if (const Candidate* c = find_candidate(opts_.model)) return c;
    if (auto fn = functions_.find(opts_.model); fn != functions_.end()) {
      candidates_.push_back(
          Candidate{opts_.model, nullptr, nullptr, fn->second, nullptr, fn->second->name_span});
      return &candidates_.back();
    }
    for (const Instantiation& inst : instances_) {
      if (inst.variable == opts_.model) return find_candidate(inst.class_name);
    }
    // A subclass of a torch container or layer (`class Head(nn.Sequential)`, `class
    // Net(nn.Linear)`), asked for by name: a model too, though never the one picked without
    // --model (it is usually a part of the file's model).
    if (auto cls = classes_.find(opts_.model); cls != classes_.end()) {
      for (const Expr& b : cls->second->bases) {
        if (torch_module_class(dotted(b)).empty()) continue;
        candidates_.push_back(
            Candidate{opts_.model, cls->second, nullptr, nullptr, nullptr, cls->second->name_span});
        return &candidates_.back();
      }
    }
    std::vector<std::string> names;
    for (const Candidate& c : candidates_) names.push_back(c.name);
    std::string near = nearest_name(opts_.model, names);
    std::string list;
    for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
    error(Span{},
          "--model " + opts_.model +
              ": no nn.Module class or nn.Sequential variable "
              "of that name in the file",
          !near.empty() ? "did you mean --model " + near + "?"
                        : (list.empty() ? "" : "models in the file: " + list));
    return nullptr;
  }
  const Instantiation* chosen = nullptr;
  for (const Instantiation& inst : instances_) {
    auto imported = classes_.find(inst.class_name);  // a class of another file of the model
    if (find_candidate(inst.class_name) == nullptr && imported != classes_.end())
      candidates_.push_back(
          Candidate{inst.class_name, imported->second, nullptr, nullptr, nullptr, inst.call->span});
    if (find_candidate(inst.class_name) == nullptr) continue;
    if (chosen == nullptr || chosen->variable != "model") chosen = &inst;
  }
  if (chosen != nullptr) return find_candidate(chosen->class_name);
  if (candidates_.empty()) {
    // A script's `model = models.resnet18(...)` (often changed by the lines after it): netshape
    // runs no top-level code, but reads the same lines in a function.
    if (const Stmt* script = imported_model_assignment()) {
      std::string name = script->targets[0].text;
      error(script->targets[0].span,
            fmt::format("`{}` is built by top-level code, which netshape does not run", name),
            fmt::format("put its lines in a function, `def build():` ... `return {}`, and pass "
                        "--model build",
                        name));
      return nullptr;
    }
    error(Span{}, "no model found in the Python file",
          "define `class Net(nn.Module)` with a forward method, or `model = nn.Sequential(...)`");
    return nullptr;
  }
  return &candidates_.back();
}

// The file's first top-level `name = f(...)` whose callee comes from torchvision
// (`model = models.resnet18(weights=None)`, `net = torchvision.models.vgg11()`), or null.
const Stmt* Lowerer::imported_model_assignment() const {
  std::set<std::string> imported;
  for (const Stmt& s : module_.body) {
    if (s.kind != Stmt::Kind::Import) continue;
    for (size_t i = 0; i < s.names.size(); ++i) {
      const std::string& module = s.name.empty() ? s.names[i] : s.name;
      if (module != "torchvision" && module.rfind("torchvision.", 0) != 0) continue;
      std::string bound = !s.aliases[i].empty() ? s.aliases[i] : s.names[i];
      imported.insert(s.name.empty() ? bound.substr(0, bound.find('.')) : bound);
    }
  }
  for (const Stmt* statement : script_statements()) {
    const Stmt& s = *statement;
    if (s.kind != Stmt::Kind::Assign || !s.value || s.value->kind != Expr::Kind::Call) continue;
    if (s.targets.size() != 1 || s.targets[0].kind != Expr::Kind::Name) continue;
    std::string callee = dotted(without_device_moves(*s.value).items[0]);
    if (imported.count(callee.substr(0, callee.find('.')))) return &s;
  }
  return nullptr;
}

// ---- top-level changes ----

namespace {

// The name an attribute, subscript or call chain starts from (`model` of `model.fc.weight[0]`).
std::string root_name(const Expr& e) {
  const Expr* x = &e;
  while ((x->kind == Expr::Kind::Attribute || x->kind == Expr::Kind::Subscript ||
          x->kind == Expr::Kind::Call) &&
         !x->items.empty())
    x = &x->items[0];
  return x->kind == Expr::Kind::Name ? x->text : "";
}

// Methods a script calls on a model or a value that change nothing netshape reads: a device
// move, a mode, weight init (`apply`, as in __init__), reading its parameters or state.
bool leaves_object(const Expr& call) {
  static const std::set<std::string> kReading = {
      "cuda", "cpu", "eval", "train", "apply", "load_state_dict", "state_dict", "parameters",
      "named_parameters", "modules", "named_modules", "children", "named_children", "buffers",
      "named_buffers", "zero_grad", "get", "keys", "values", "items", "index", "count", "size",
      "dim", "numel",
      // initialising values, as nn.init does: `model.fc.weight.data.normal_(0, 0.02)`
      "normal_", "uniform_", "zero_", "fill_", "copy_", "constant_", "xavier_uniform_",
      "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "trunc_normal_", "orthogonal_",
      "ones_", "zeros_"};
  const std::string& method = call.items[0].text;
  if (method == "to") {  // a device, not a dtype
    for (size_t i = 1; i < call.items.size(); ++i) {
      std::string arg = dotted(call.items[i]);
      if (call.keywords[i - 1] == "dtype" || element_type_named(arg)) return false;
    }
    return true;
  }
  return kReading.count(method) != 0;
}

// `model.to(device)`, `model.cuda().eval()`: the name's own object, moved or put in a mode, so
// `model = model.to(device)` binds nothing new.
bool same_object(const Expr& e, const std::string& name) {
  if (e.kind == Expr::Kind::Name) return e.text == name;
  if (e.kind != Expr::Kind::Call || e.items[0].kind != Expr::Kind::Attribute) return false;
  const std::string& method = e.items[0].text;
  bool returns_self = method == "to" || method == "cuda" || method == "cpu" || method == "eval" ||
                      method == "train" || method == "apply";
  return returns_self && leaves_object(e) && same_object(e.items[0].items[0], name);
}

struct ChangeScan {
  const std::string& name;
  int bindings = 0;
  TopLevelChange change;
  std::set<std::string> imports;  // what binds the name, once each (a notebook imports again)
  void bound(Span at, bool definition = false) {
    if (++bindings == 2 && !change.at.valid()) change = {at, definition};
  }
  void changed(Span at) {
    if (!change.at.valid()) change = {at, false};
  }
};

// Whether assigning to `target` binds the name (itself, or inside a tuple or list).
bool binds(const Expr& target, const std::string& name) {
  if (target.kind == Expr::Kind::Name) return target.text == name;
  if (target.kind == Expr::Kind::Starred) return binds(target.items[0], name);
  if (target.kind != Expr::Kind::Tuple && target.kind != Expr::Kind::List) return false;
  return std::any_of(target.items.begin(), target.items.end(),
                     [&](const Expr& item) { return binds(item, name); });
}

// Whether assigning to `target` changes an object: an attribute or an item of the name's (or,
// in a loop over the name's parameters, of anything).
bool changes_object(const Expr& target, const std::string& name, bool loop_over_name) {
  if (target.kind == Expr::Kind::Attribute || target.kind == Expr::Kind::Subscript)
    return loop_over_name || root_name(target) == name;
  if (target.kind == Expr::Kind::Starred)
    return changes_object(target.items[0], name, loop_over_name);
  if (target.kind != Expr::Kind::Tuple && target.kind != Expr::Kind::List) return false;
  return std::any_of(target.items.begin(), target.items.end(),
                     [&](const Expr& item) { return changes_object(item, name, loop_over_name); });
}

void scan_targets(const std::vector<Expr>& targets, Span at, bool loop_over_name,
                  ChangeScan& scan) {
  for (const Expr& t : targets) {
    if (binds(t, scan.name)) scan.bound(at);
    if (changes_object(t, scan.name, loop_over_name)) scan.changed(at);
  }
}

// A call statement that changes the name's object: a method of it (`layers.append(...)`; in a
// loop over it, of anything: `p.requires_grad_(False)`), or setattr/delattr of it.
bool changing_call(const Expr& e, const std::string& name, bool loop_over_name) {
  if (e.kind != Expr::Kind::Call || e.items.empty()) return false;
  const Expr& callee = e.items[0];
  if (callee.kind == Expr::Kind::Attribute) {
    // torch's own functions (`nn.init.kaiming_normal_(m.weight)` in a loop over
    // `model.modules()`) set values, not the model
    std::string root = root_name(callee);
    bool torch_function = root == "nn" || root == "torch" || root == "init" || root == "F";
    return (root == name || (loop_over_name && !torch_function)) && !leaves_object(e);
  }
  bool set =
      callee.kind == Expr::Kind::Name && (callee.text == "setattr" || callee.text == "delattr");
  return set && e.items.size() > 1 && (loop_over_name || root_name(e.items[1]) == name);
}

void scan_body(const std::vector<Stmt>& body, bool loop_over_name, ChangeScan& scan) {
  for (const Stmt& s : body) {
    switch (s.kind) {
      case Stmt::Kind::Assign:
        if (s.value && same_object(*s.value, scan.name)) break;
        scan_targets(s.targets, s.span, loop_over_name, scan);
        break;
      case Stmt::Kind::AugAssign:
      case Stmt::Kind::Del:
        scan_targets(s.targets, s.span, loop_over_name, scan);
        break;
      case Stmt::Kind::AnnAssign:
        if (s.value) scan_targets(s.targets, s.span, loop_over_name, scan);
        break;
      case Stmt::Kind::Expr:
        if (s.value && changing_call(*s.value, scan.name, loop_over_name)) scan.changed(s.span);
        break;
      case Stmt::Kind::FunctionDef:
      case Stmt::Kind::ClassDef:
        if (s.name == scan.name) scan.bound(s.span, true);
        break;
      case Stmt::Kind::Import:
        for (size_t i = 0; i < s.names.size(); ++i) {
          std::string bound = !s.aliases[i].empty() ? s.aliases[i] : s.names[i];
          if (s.name.empty()) bound = bound.substr(0, bound.find('.'));
          if (bound == scan.name && scan.imports.insert(s.name + " " + s.names[i]).second)
            scan.bound(s.span);
        }
        break;
      case Stmt::Kind::For: {
        scan_targets(s.targets, s.span, false, scan);
        bool over = loop_over_name || (s.value && root_name(*s.value) == scan.name);
        scan_body(s.body, over, scan);
        scan_body(s.orelse, loop_over_name, scan);
        break;
      }
      case Stmt::Kind::With:
        scan_targets(s.targets, s.span, false, scan);
        scan_body(s.body, loop_over_name, scan);
        break;
      case Stmt::Kind::If:
      case Stmt::Kind::While:
      case Stmt::Kind::Other:
        scan_body(s.body, loop_over_name, scan);
        scan_body(s.orelse, loop_over_name, scan);
        break;
      default:
        break;
    }
  }
}

}  // namespace

TopLevelChange top_level_change(const std::vector<Stmt>& body, const std::string& name) {
  ChangeScan scan{name, 0, {}, {}};
  scan_body(body, false, scan);
  return scan.change;
}

std::string top_level_change_message(const std::string& name, const TopLevelChange& change,
                                     const char* reader) {
  return change.redefined ? fmt::format(
                                "`{}` is defined a second time here, at the top level: "
                                "which definition {} depends on where it is built, "
                                "which netshape does not follow",
                                name, reader)
                          : fmt::format(
                                "`{}` is changed by top-level code here, which netshape "
                                "does not run: {}",
                                name, reader);
}

// Whether top-level code changes the model's class, variable or factory after the file makes
// it (`model = Net()` then `model.fc = nn.Linear(16, 2)`): an error then, since netshape would
// read the model as it was before.
bool Lowerer::model_changed_by_script(const Candidate& model) {
  std::vector<std::string> names = {model.name};
  for (const Instantiation& inst : instances_)
    if (inst.class_name == model.name) names.push_back(inst.variable);
  for (const std::string& name : names) {
    TopLevelChange change = top_level_change(module_.body, name);
    if (!change.at.valid()) continue;
    if (change.redefined)
      return !error(
          change.at, top_level_change_message(name, change, "the model is built from"),
          fmt::format("rename one of them (`{}_v2`), and pass --model with its name", name));
    return !error(
        change.at,
        top_level_change_message(name, change, "it would read the model as it was before"),
        fmt::format("put the lines that build and change it in a function, `def "
                    "build():` ... `return {}`, and pass --model build",
                    name == model.name && model.cls ? "model" : name));
  }
  return false;
}

// ---- driving ----

std::optional<Program> Lowerer::run() {
  collect_top_level();
  const Candidate* model = choose_model();
  if (model == nullptr || model_changed_by_script(*model)) return std::nullopt;
  program_.model_name = model->name;
  program_.model_span = model->span;
  model_ = model;
  bool ok = model->cls != nullptr       ? lower_class_model(*model)
            : model->factory != nullptr ? lower_factory_model(*model)
                                        : lower_sequential_model(*model);
  if (!ok && !diags_.has_errors()) {  // the contract: a refused model always says why
    error(model->span,
          "netshape could not read this model (it did not record why: please report it)");
  }
  if (!ok || diags_.has_errors()) return std::nullopt;
  if (!inputs_attached_ && !attach_input_shapes(*model)) return std::nullopt;
  return std::move(program_);
}

// `model = nn.Sequential(...)`: the container the interpreter builds, applied to `x`.
bool Lowerer::lower_sequential_model(const Candidate& model) {
  std::optional<ModuleDef> seq = build_top_level(*model.sequential);
  if (!seq) return false;
  program_.model_class = "Sequential";
  return lower_module(*seq, model.name, model.span);
}

// `model = resnet18()` or --model resnet18: the module the function returns.
bool Lowerer::lower_factory_model(const Candidate& model) {
  std::optional<ModuleDef> root = call_factory(model);
  if (!root) return false;
  if (root->kind == ModuleDef::User) program_.model_name = root->instance->cls->name;
  if (root->kind == ModuleDef::Sequential) program_.model_class = "Sequential";
  return lower_module(*root, model.name, model.span);
}

// Applies a built module to the model's inputs: a user module's forward parameters, else `x`.
bool Lowerer::lower_module(ModuleDef& root, const std::string& name, Span span) {
  std::vector<std::pair<std::string, Span>> inputs;
  const Stmt* forward =
      root.kind == ModuleDef::User ? find_method(*root.instance->cls, "forward", 0) : nullptr;
  if (root.kind == ModuleDef::User && (forward != nullptr || !root.instance->layer_base)) {
    if (forward == nullptr) {
      return error(span, "the module " + name + " returns has no forward method",
                   "return an nn.Module with a forward method");
    }
    for (size_t i = 1; i < forward->params.size(); ++i) {
      const py::Param& p = forward->params[i];
      if (p.stars != 0 || p.default_value) continue;
      add_input(p.name, p.span);
      inputs.emplace_back(p.name, p.span);
    }
  } else {  // nn.Sequential's forward, or a torch layer's (`class Net(nn.Linear)`): one input
    add_input("x", span);
    inputs.emplace_back("x", span);
  }
  return apply_model(root, inputs, span);
}

void Lowerer::add_input(const std::string& name, Span span) {
  InputDecl decl;
  decl.name = name;
  decl.span = span;
  taken_.insert(name);
  program_.inputs.push_back(std::move(decl));
}

bool Lowerer::lower_class_model(const Candidate& model) {
  auto inst = std::make_shared<Instance>();
  inst->cls = model.cls;
  if (!init_model(inst)) return false;
  const Stmt* forward = find_method(*model.cls, "forward", 0);
  if (forward == nullptr && inst->sequential) {  // nn.Sequential's forward: its modules in order
    ModuleDef root;
    root.kind = ModuleDef::Sequential;
    root.instance = inst;
    root.span = model.span;
    for (const std::string& name : inst->order)
      if (auto it = inst->modules.find(name); it != inst->modules.end())
        root.children.emplace_back(name, it->second);
    return lower_module(root, model.name, model.span);
  }
  if (forward == nullptr && inst->layer_base) {  // the torch layer's (`class Net(nn.Linear)`)
    ModuleDef root;
    root.kind = ModuleDef::User;
    root.instance = inst;
    root.span = model.span;
    return lower_module(root, model.name, model.span);
  }
  if (forward == nullptr) {
    return error(model.cls->name_span, "class " + model.name + " has no forward method",
                 "add `def forward(self, x):` returning the output");
  }
  std::vector<std::pair<std::string, Span>> inputs;
  for (size_t i = 1; i < forward->params.size(); ++i) {
    const py::Param& p = forward->params[i];
    if (p.stars != 0 || p.default_value) continue;  // optional arguments are not tensors
    add_input(p.name, p.span);
    inputs.emplace_back(p.name, p.span);
  }
  if (inputs.empty()) {
    // `def forward(self, *inputs)`: how many tensors it takes is the caller's
    for (size_t i = 1; i < forward->params.size(); ++i)
      if (forward->params[i].stars == 1)
        return error(forward->name_span,
                     "unsupported Python construct: forward takes its tensors as `*" +
                         forward->params[i].name + "`",
                     "name them, e.g. `def forward(self, x, y):`: netshape gives one input to "
                     "each named parameter");
    return error(forward->name_span, "forward takes no tensor argument",
                 "write `def forward(self, x):`");
  }
  ModuleDef root;
  root.kind = ModuleDef::User;
  root.instance = inst;
  root.span = model.span;
  return apply_model(root, inputs, forward->name_span);
}

// The ModuleDecl of a container or user module, made at its first application: its path is the
// name it was applied under, so a module applied twice stays one module.
int Lowerer::declare_module(ModuleDef& m, const std::string& name, const std::string& kind,
                            int parent, Span call_span) {
  if (m.module_index >= 0) return m.module_index;
  if (name.empty()) return parent;  // the model itself (a Sequential model), or built in place
  ModuleDecl decl;
  decl.path = name;
  decl.kind = kind;
  decl.parent = parent;
  decl.constructed_at = m.span;
  decl.applied_at = call_span;
  decl.first_statement = program_.statements.size();
  m.module_index = static_cast<int>(program_.modules.size());
  program_.modules.push_back(std::move(decl));
  return m.module_index;
}

// What a module's application returned, kept on its ModuleDecl (the last application's wins):
// the output of its row when the table is grouped by module (`check --depth`).
void Lowerer::note_output(const ModuleDef& m, int self, const std::string& tensor) {
  if (self < 0 || self != m.module_index) return;  // the model, or a module built in place
  program_.modules[static_cast<size_t>(self)].output = tensor;
}

// Binds call arguments to parameter names (positional first, then keywords).
void Lowerer::bind_call_args(const Expr& call, const std::vector<std::string>& names,
                             std::map<std::string, Const>& params, const Scope* scope,
                             Instance* self, bool track_origins) {
  size_t positional = 0;
  for (size_t i = 1; i < call.items.size(); ++i) {
    const std::string& kw = call.keywords[i - 1];
    Const value = eval_const(call.items[i], scope, self);
    const std::string* param = nullptr;
    if (kw.empty()) {
      if (positional < names.size()) param = &names[positional];
      ++positional;
    } else if (std::find(names.begin(), names.end(), kw) != names.end()) {
      param = &kw;
    }
    if (param == nullptr) continue;
    if (track_origins) track_origin(value, *param, call.items[i], call);
    params[*param] = std::move(value);
  }
}

// Remembers that `value` entered a user module's constructor as `param` at `argument`, so an
// error about it inside the module can also point here, and its help can fix this line.
void Lowerer::track_origin(Const& value, const std::string& param, const Expr& argument,
                           const Expr& call) {
  if (value.state == Const::Ok) track_origin(value.value, param, argument, call);
}

void Lowerer::track_origin(Value& value, const std::string& param, const Expr& argument,
                           const Expr& call) {
  ValueOrigin o;
  o.param = param;
  o.argument = argument.span;
  o.parent = value.origin;
  // The help rewrites the use site's line: only when the whole call is on it.
  set_use_site_line(o, source(argument.span.file).line_text(argument.span.line), call.span);
  value.origin = static_cast<int>(program_.origins.size());
  program_.origins.push_back(std::move(o));
}

// The last `def` of that name wins, as in Python (torchvision stacks `@torch.jit._overload_method`
// stubs before the real forward).
const Stmt* own_method(const Stmt& cls, const std::string& name) {
  for (auto it = cls.body.rbegin(); it != cls.body.rend(); ++it) {
    if (it->kind == Stmt::Kind::FunctionDef && it->name == name) return &*it;
  }
  return nullptr;
}

namespace {

// C3's merge of `lists` onto `order`: at each step the first head that is in no other list's
// tail, taken off every list it heads. False when none is (Python's "Cannot create a consistent
// method resolution order").
template <typename Class>
bool c3_merge(std::vector<std::vector<Class>> lists, std::vector<Class>& order) {
  for (;;) {
    if (std::all_of(lists.begin(), lists.end(), [](const auto& x) { return x.empty(); }))
      return true;
    const Class* next = nullptr;
    for (const auto& list : lists) {
      if (list.empty()) continue;
      bool in_tail = std::any_of(lists.begin(), lists.end(), [&](const auto& other) {
        return std::find(other.begin() + (other.empty() ? 0 : 1), other.end(), list[0]) !=
               other.end();
      });
      if (!in_tail) {
        next = &list[0];
        break;
      }
    }
    if (next == nullptr) return false;
    Class taken = *next;
    order.push_back(taken);
    for (auto& list : lists)
      if (!list.empty() && list[0] == taken) list.erase(list.begin());
  }
}

}  // namespace

// C3: the class, then the merge of its bases' orders and the bases' list.
// `budget` bounds the work on a file of many classes sharing bases (each base's order is
// computed anew).
std::vector<const Stmt*> Lowerer::c3_order(const Stmt& cls, int depth, bool& failed,
                                           int& budget) const {
  if (depth > kMaxInstanceDepth || --budget < 0) {
    failed = true;
    return {};
  }
  std::vector<std::vector<const Stmt*>> lists;
  std::vector<const Stmt*> bases;
  for (const Expr& b : cls.bases) {
    const Stmt* base = base_class(cls, b);
    if (base == nullptr || base == &cls) continue;
    lists.push_back(c3_order(*base, depth + 1, failed, budget));
    bases.push_back(base);
  }
  lists.push_back(bases);
  std::vector<const Stmt*> order = {&cls};
  if (!failed && !c3_merge(std::move(lists), order)) failed = true;
  return order;
}

std::vector<const Stmt*> Lowerer::method_order(const Stmt& cls) const {
  bool failed = false;
  int budget = 10000;
  std::vector<const Stmt*> order = c3_order(cls, 0, failed, budget);
  return failed ? std::vector<const Stmt*>{} : order;
}

namespace {

// The torch.nn module class a base from outside the file names, without its prefix ("" for
// none: `object`, ABC, a class netshape does not know).
std::string torch_module_class(const std::string& base) {
  std::string_view last = base;
  for (std::string_view prefix : {"torch.nn.", "nn."}) {
    if (last.starts_with(prefix)) {
      last.remove_prefix(prefix.size());
      break;
    }
  }
  if (last.find('.') != std::string_view::npos) return "";
  std::optional<OpId> op = find_op(last);
  bool module = last == "Module" || container_base(std::string(last)) != ContainerBase::None ||
                (op && op_info(*op).is_module());
  return module ? std::string(last) : "";
}

// Whether torch's class `torch` defines method `name` itself: nn.Module's methods (PyTorch 1.13),
// and, for the classes deriving from it, the ones layers and containers add. Each name between
// spaces.
bool torch_class_defines(const std::string& torch, const std::string& name) {
  constexpr std::string_view module_methods =
      " __call__ __delattr__ __dir__ __getattr__ __init__ __repr__ __setattr__ __setstate__"
      " add_module apply bfloat16 buffers children cpu cuda double eval extra_repr float forward"
      " get_buffer get_extra_state get_parameter get_submodule half ipu load_state_dict modules"
      " named_buffers named_children named_modules named_parameters parameters"
      " register_backward_hook register_buffer register_forward_hook register_forward_pre_hook"
      " register_full_backward_hook register_module register_parameter requires_grad_"
      " set_extra_state share_memory state_dict to to_empty train type xpu zero_grad ";
  constexpr std::string_view derived_methods =
      " __add__ __delitem__ __getitem__ __iadd__ __imul__ __iter__ __len__ __mul__ __rmul__"
      " __setitem__ _check_input_dim _conv_forward append extend insert pop reset_parameters ";
  std::string word = " " + name + " ";
  return module_methods.find(word) != std::string_view::npos ||
         (torch != "Module" && derived_methods.find(word) != std::string_view::npos);
}

}  // namespace

std::vector<Lowerer::OrderedClass> Lowerer::full_c3_order(const Stmt& cls, int depth,
                                                          int& budget) const {
  if (depth > kMaxInstanceDepth || --budget < 0) return {};
  std::vector<std::vector<OrderedClass>> lists;
  std::vector<OrderedClass> bases;
  for (const Expr& b : cls.bases) {
    const Stmt* base = base_class(cls, b);
    if (base == &cls) continue;
    if (base != nullptr) {
      lists.push_back(full_c3_order(*base, depth + 1, budget));
      if (lists.back().empty()) return {};
      bases.push_back({base, ""});
      continue;
    }
    std::string torch = torch_module_class(dotted(b));
    if (torch.empty()) continue;
    lists.push_back({{nullptr, torch}});
    if (torch != "Module") lists.back().push_back({nullptr, "Module"});
    bases.push_back({nullptr, torch});
  }
  lists.push_back(bases);
  std::vector<OrderedClass> order = {{&cls, ""}};
  return c3_merge(std::move(lists), order) ? order : std::vector<OrderedClass>{};
}

bool Lowerer::torch_method_first(const Stmt& cls, const Stmt* after,
                                 const std::string& name) const {
  int budget = 10000;
  std::vector<OrderedClass> order = full_c3_order(cls, 0, budget);
  auto it = order.begin();
  if (after != nullptr) {
    it = std::find(order.begin(), order.end(), OrderedClass{after, ""});
    if (it == order.end()) return false;
    ++it;
  }
  for (; it != order.end(); ++it) {
    if (it->cls != nullptr && own_method(*it->cls, name)) return false;
    if (it->cls == nullptr && torch_class_defines(it->torch, name)) return true;
  }
  return false;
}

const Stmt* Lowerer::find_method(const Stmt& cls, const std::string& name, int depth) const {
  if (const Stmt* own = own_method(cls, name)) return own;
  // `class L(nn.Linear, Mixin)`: L's forward is nn.Linear's, not Mixin's
  if (depth == 0 && torch_method_first(cls, nullptr, name)) return nullptr;
  if (depth == 0) {  // in the method resolution order, as Python looks it up
    std::vector<const Stmt*> order = method_order(cls);
    for (const Stmt* c : order)
      if (const Stmt* m = own_method(*c, name)) return m;
    if (!order.empty()) return nullptr;
  }
  if (depth > kMaxInstanceDepth) return nullptr;
  for (const Expr& b : cls.bases) {
    const Stmt* base = base_class(cls, b);
    if (base != nullptr && base != &cls) {
      if (const Stmt* m = find_method(*base, name, depth + 1)) return m;
    }
  }
  return nullptr;
}

std::optional<Program> lower(const SourceFile& src, const py::Module& module,
                             const PythonOptions& opts, Diagnostics& diags) {
  Lowerer l(src, module, opts, diags);
  return l.run();
}

}  // namespace netshape::pylower

namespace netshape {

std::optional<Program> parse_python(const SourceFile& src, const PythonOptions& opts,
                                    Diagnostics& diags) {
  std::optional<py::Module> module = py::parse_module(src, diags);
  if (!module) return std::nullopt;
  return pylower::lower(src, *module, opts, diags);
}

std::optional<PythonModelList> list_python_models(const SourceFile& src, Diagnostics& diags) {
  std::optional<py::Module> module = py::parse_module(src, diags);
  if (!module) return std::nullopt;
  PythonModelList list;
  PythonOptions options;  // the Lowerer keeps a reference: it must outlive it
  pylower::Lowerer lowerer(src, *module, options, diags);
  lowerer.collect_for_listing(list);
  return list;
}

}  // namespace netshape
