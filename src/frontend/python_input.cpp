// Where a .py model's input shape comes from, in order: a `# input: [B, 3, 32, 32]` comment,
// a torchsummary call `summary(model, (1, 50, 50))` (batch excluded, so it becomes B), or the
// model applied to `torch.randn(10, 1, 20, 20)` at top level. Without any of them the inputs keep
// empty dims and the CLI takes --input.
#include <algorithm>
#include <cctype>

#include "python_lower.hpp"
#include "python_value.hpp"

namespace netshape::pylower {

using py::Expr;
using py::Stmt;

namespace {

// A tiny cursor over one comment's text, keeping source columns.
struct CommentCursor {
  const std::string& text;
  size_t pos = 0;
  Span base;  // span of the '#'; text[0] is at column base.column + 1
  void skip_spaces() {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t')) ++pos;
  }
  bool at_end() const { return pos >= text.size(); }
  char peek() const { return pos < text.size() ? text[pos] : '\0'; }
  Span span(size_t from, size_t to) const {
    return Span{base.line, base.column + 1 + static_cast<int>(from),
                std::max(1, static_cast<int>(to - from))};
  }
  std::string word() {
    size_t start = pos;
    while (pos < text.size() &&
           (std::isalnum(static_cast<unsigned char>(text[pos])) || text[pos] == '_')) {
      ++pos;
    }
    return text.substr(start, pos - start);
  }
};

// The element type written after an input's shape: `# input: [B, 50] long`, `torch.int64`,
// `, dtype=torch.long`: a torch dtype's name, `torch.` optional, ending the comment. Nothing
// (float32) when the comment goes on with anything else: prose (`[B, 3, 32, 32] half size`).
std::optional<std::string> dtype_after_shape(CommentCursor& cur) {
  cur.skip_spaces();
  if (cur.peek() == ',') {
    ++cur.pos;
    cur.skip_spaces();
  }
  size_t start = cur.pos;
  std::string word = cur.word();
  if (word == "dtype") {
    cur.skip_spaces();
    if (cur.peek() != '=') return std::nullopt;
    ++cur.pos;
    cur.skip_spaces();
    word = cur.word();
  }
  if (word == "torch" && cur.peek() == '.') {
    ++cur.pos;
    word = cur.word();
  }
  std::string name = "torch." + word;
  cur.skip_spaces();
  bool last = cur.at_end() || cur.peek() == '#';
  if (word.empty() || !element_type_named(name) || !last) {
    cur.pos = start;
    return std::nullopt;
  }
  return name;
}

const char* const kInputHelp =
    "write e.g. `# input: [B, 3, 32, 32]` (first dim may be a name), or give the shape with "
    "--input, over which a comment that is no shape is prose";

}  // namespace

bool Lowerer::attach_input_shapes(const Candidate& model) {
  bool found = false;
  if (!shape_from_comments(found)) return false;
  if (!found && !shape_from_calls(model, found)) return false;
  return true;
}

// input_comment: '#' 'input' [NAME] ':' ('[' | '(') dim (',' dim)* (']' | ')')
// With --input on the command line (which overrides every comment), a comment that is no
// shape is prose (`# Input: (N, C)`), not an error.
bool Lowerer::shape_from_comments(bool& found) {
  size_t next_input = 0;
  bool given_on_command_line = !opts_.inputs.empty();
  for (const py::Comment& c : module_.comments) {
    CommentCursor cur{c.text, 0, c.span};
    cur.skip_spaces();
    std::string kw = cur.word();
    for (char& ch : kw) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (kw != "input") continue;
    cur.skip_spaces();
    std::string name;
    if (std::isalpha(static_cast<unsigned char>(cur.peek())) || cur.peek() == '_') {
      name = cur.word();
      cur.skip_spaces();
    }
    if (cur.peek() != ':') continue;
    ++cur.pos;
    cur.skip_spaces();
    char open = cur.peek();
    if (open != '[' && open != '(') continue;  // prose such as "# Input: RGB image"
    char close = open == '[' ? ']' : ')';
    size_t open_pos = cur.pos++, close_pos = 0;
    std::vector<InputDim> dims;
    bool prose = false;
    while (true) {
      cur.skip_spaces();
      size_t start = cur.pos;
      std::string w = cur.word();
      cur.skip_spaces();
      InputDim d;
      d.span = cur.span(start, start + std::max<size_t>(1, w.size()));
      bool digits = !w.empty() && std::all_of(w.begin(), w.end(), [](char ch) {
        return std::isdigit(static_cast<unsigned char>(ch)) != 0;
      });
      if (digits && w.size() <= 12 && std::stoll(w) > 0) {
        d.value = std::stoll(w);
      } else if (!w.empty() && !digits && dims.empty()) {
        d.symbol = w;
      } else {
        if ((prose = given_on_command_line)) break;  // then prose: `# Input: (N, C)`
        return error(d.span, "bad input dimension in the `# input:` comment", kInputHelp);
      }
      dims.push_back(std::move(d));
      if (cur.peek() == ',') {
        ++cur.pos;
        cur.skip_spaces();
        if (cur.peek() == close) break;  // trailing comma
        continue;
      }
      if (cur.peek() == close) break;
      if ((prose = given_on_command_line)) break;
      return error(cur.span(cur.pos, cur.pos + 1),
                   std::string("expected `,` or `") + close + "` in the `# input:` comment",
                   kInputHelp);
    }
    if (prose) continue;
    close_pos = cur.pos++;
    std::optional<std::string> dtype = dtype_after_shape(cur);
    InputDecl* target = nullptr;
    for (InputDecl& in : program_.inputs) {
      if (!name.empty() && in.name == name) target = &in;
    }
    if (target == nullptr && next_input < program_.inputs.size()) {
      target = &program_.inputs[next_input];
    }
    ++next_input;
    if (target == nullptr) continue;
    target->dims = std::move(dims);
    target->span = cur.span(open_pos, close_pos + 1);
    if (dtype) input_dtypes_[target->name] = *dtype;
    found = true;
  }
  return true;
}

// The size of torch.randint(low, high, size) or randint(high, size): `size=`, else the last of
// two or three positional arguments; null if none.
static const Expr* randint_size(const Expr& call) {
  size_t positional = 0;
  for (size_t k = 1; k < call.items.size(); ++k) {
    if (call.keywords[k - 1] == "size") return &call.items[k];
    if (call.keywords[k - 1].empty()) positional = k;
  }
  return positional >= 2 ? &call.items[positional] : nullptr;
}

// (1, 50, 50) -> [B, 1, 50, 50] when add_batch; (10, 1, 20, 20) -> as is.
bool Lowerer::dims_from_tuple(const Expr& e, bool add_batch, std::vector<InputDim>& dims) {
  const std::vector<Expr>* items = &e.items;
  if (e.kind != Expr::Kind::Tuple && e.kind != Expr::Kind::List) return false;
  if (add_batch) dims.push_back(InputDim{0, "B", e.span});
  for (const Expr& item : *items) {
    Const c = eval_const(item, nullptr, nullptr);
    if (c.state != Const::Ok || c.value.kind != Value::Kind::Int || c.value.i <= 0) return false;
    dims.push_back(InputDim{c.value.i, "", item.span});
  }
  return !items->empty();
}

bool Lowerer::is_model_reference(const Expr& e, const Candidate& model) const {
  if (e.kind != Expr::Kind::Name) return false;
  if (model.sequential != nullptr) return e.text == model.name;
  if (model.factory != nullptr && model.call != nullptr) {
    for (const Instantiation& inst : instances_) {
      if (inst.variable == e.text && inst.call == model.call) return true;
    }
  }
  for (const Instantiation& inst : instances_) {
    if (inst.variable == e.text && inst.class_name == model.name) return true;
  }
  return false;
}

// The imports in `body` that bind the `summary` called as `callee` (`summary`, or `m.summary`
// for a module bound as `m`), in order: whether each binds torchinfo's, and whether it sits in a
// compound statement (`try:`, `if`), where which one runs is not known.
static void summary_imports(const std::vector<py::Stmt>& body, const std::string& prefix,
                            bool nested, std::vector<std::pair<bool, bool>>& found) {
  for (const py::Stmt& s : body) {
    if (s.kind == py::Stmt::Kind::ClassDef || s.kind == py::Stmt::Kind::FunctionDef) continue;
    summary_imports(s.body, prefix, true, found);
    summary_imports(s.orelse, prefix, true, found);
    if (s.kind != py::Stmt::Kind::Import) continue;
    bool from = !s.name.empty();
    bool info = s.name == "torchinfo" || s.name.starts_with("torchinfo.");
    bool summary_module = info || s.name == "torchsummary" || s.name.starts_with("torchsummary.");
    for (size_t i = 0; i < s.names.size(); ++i) {
      const std::string& bound = s.aliases[i].empty() ? s.names[i] : s.aliases[i];
      if (prefix.empty() && from && (bound == "summary" || (bound == "*" && summary_module)))
        found.emplace_back(info, nested);
      if (!prefix.empty() && !from && bound == prefix)
        found.emplace_back(s.names[i] == "torchinfo", nested);
    }
  }
}

// Whether the `summary` called as `callee` is torchinfo's, whose input_size holds the batch
// (`from torchinfo import summary` or `*`, `torchinfo.summary`, `import torchinfo as ti` and
// `ti.summary`), or torchsummary's, which leaves it out (also read when no import says). The
// last top-level import decides, as Python rebinds the name; nullopt when imports in a `try:` or
// an `if` disagree (which runs is not known).
std::optional<bool> Lowerer::torchinfo_summary(const std::string& callee) const {
  size_t dot = callee.rfind('.');
  std::string prefix = dot == std::string::npos ? "" : callee.substr(0, dot);
  std::vector<std::pair<bool, bool>> found;  // (torchinfo, nested)
  summary_imports(module_.body, prefix, false, found);
  if (found.empty()) return false;
  bool any_nested = false, all_info = true, no_info = true;
  for (auto [info, nested] : found) {
    any_nested = any_nested || nested;
    all_info = all_info && info;
    no_info = no_info && !info;
  }
  if (!any_nested || all_info || no_info) return found.back().first;
  return std::nullopt;
}

// The first call within `e` (itself, or inside it) that is `summary(...)` or the model applied
// to tensors, with at least one argument; null when there is none.
const Expr* Lowerer::model_call_in(const Expr& e, const Candidate& model) const {
  if (e.kind == Expr::Kind::Call && e.items.size() >= 2) {
    std::string callee = dotted(e.items[0]);
    bool summary = callee == "summary" ||
                   (callee.size() > 8 && callee.substr(callee.size() - 8) == ".summary");
    if (summary || is_model_reference(e.items[0], model)) return &e;
  }
  if (e.kind == Expr::Kind::Lambda) return nullptr;
  for (const Expr& item : e.items)
    if (const Expr* found = model_call_in(item, model)) return found;
  return nullptr;
}

// summary(model, (1, 50, 50)) | summary(model, input_size=(...), dtypes=[torch.long]) |
// model(torch.randn(10, 1, 20, 20))
bool Lowerer::shape_from_calls(const Candidate& model, bool& found) {
  for (const Stmt* statement : script_statements()) {
    const Stmt& s = *statement;
    if ((s.kind != Stmt::Kind::Expr && s.kind != Stmt::Kind::Assign) || !s.value) continue;
    const Expr* found_call = model_call_in(*s.value, model);  // `print(model(x).shape)` too
    if (found_call == nullptr || program_.inputs.empty()) continue;
    const Expr& call = *found_call;
    std::string callee = dotted(call.items[0]);
    std::vector<std::vector<InputDim>> shapes;
    std::vector<std::pair<size_t, std::string>> dtypes;  // by index into shapes
    if (callee == "summary" ||
        (callee.size() > 8 && callee.substr(callee.size() - 8) == ".summary")) {
      if (!is_model_reference(call.items[1], model)) continue;
      const Expr* size = call.items.size() > 2 ? &call.items[2] : nullptr;
      const Expr* types = nullptr;  // dtypes=[torch.long]: one per input (torchinfo)
      bool batch_dim_given = false;
      for (size_t i = 1; i < call.items.size(); ++i) {
        if (call.keywords[i - 1] == "input_size") size = &call.items[i];
        if (call.keywords[i - 1] == "dtypes") types = &call.items[i];
        if (call.keywords[i - 1] == "batch_dim" && call.items[i].kind != Expr::Kind::None)
          batch_dim_given = true;
      }
      if (size == nullptr) continue;
      if (types && (types->kind == Expr::Kind::List || types->kind == Expr::Kind::Tuple)) {
        for (size_t i = 0; i < types->items.size(); ++i) {
          std::string dtype = dotted(types->items[i]);
          if (element_type_named(dtype)) dtypes.emplace_back(i, dtype);
        }
      }
      std::optional<bool> torchinfo = torchinfo_summary(callee);
      if (!torchinfo) continue;  // torchinfo's or torchsummary's: not known
      // torchinfo adds a batch dim only when told where (batch_dim=0)
      bool add_batch = !*torchinfo || batch_dim_given;
      std::vector<InputDim> dims;
      if (dims_from_tuple(*size, add_batch, dims)) {
        shapes.push_back(std::move(dims));
      } else if (size->kind == Expr::Kind::List || size->kind == Expr::Kind::Tuple) {
        for (const Expr& one : size->items) {  // several inputs: [(1, 28, 28), (1, 28, 28)]
          std::vector<InputDim> d;
          if (dims_from_tuple(one, add_batch, d)) shapes.push_back(std::move(d));
        }
      }
    } else if (is_model_reference(call.items[0], model)) {
      for (size_t i = 1; i < call.items.size(); ++i) {
        const Expr* arg = &call.items[i];
        if (arg->kind == Expr::Kind::Name && random_tensors_.count(arg->text) != 0) {
          arg = random_tensors_.at(arg->text);
        }
        std::string fn = arg->kind == Expr::Kind::Call ? dotted(arg->items[0]) : "";
        bool randint = fn == "torch.randint";
        if (fn != "torch.randn" && fn != "torch.rand" && fn != "torch.zeros" &&
            fn != "torch.ones" && fn != "torch.empty" && !randint) {
          continue;
        }
        Expr dims_expr;
        dims_expr.kind = Expr::Kind::Tuple;
        dims_expr.span = arg->span;
        std::string dtype = randint ? "torch.int64" : "";
        for (size_t k = 1; k < arg->items.size(); ++k) {
          const std::string& keyword = arg->keywords[k - 1];
          if (keyword == "dtype") dtype = dotted(arg->items[k]);
          if (!randint && keyword.empty()) dims_expr.items.push_back(arg->items[k]);
        }
        if (randint) {  // randint(low, high, size), randint(high, size), or size= by keyword
          const Expr* size = randint_size(*arg);
          if (size == nullptr) continue;
          dims_expr.items.push_back(*size);
        }
        if (dims_expr.items.size() == 1 && (dims_expr.items[0].kind == Expr::Kind::Tuple ||
                                            dims_expr.items[0].kind == Expr::Kind::List)) {
          Expr inner = dims_expr.items[0];
          dims_expr = std::move(inner);
        }
        std::vector<InputDim> dims;
        if (!dims_from_tuple(dims_expr, false, dims)) continue;
        if (!dtype.empty() && element_type_named(dtype)) dtypes.emplace_back(shapes.size(), dtype);
        shapes.push_back(std::move(dims));
      }
    }
    if (shapes.empty()) continue;
    for (size_t i = 0; i < shapes.size() && i < program_.inputs.size(); ++i) {
      program_.inputs[i].dims = std::move(shapes[i]);
    }
    for (const auto& [i, dtype] : dtypes)
      if (i < program_.inputs.size()) input_dtypes_[program_.inputs[i].name] = dtype;
    found = true;
    return true;
  }
  return true;
}

}  // namespace netshape::pylower
