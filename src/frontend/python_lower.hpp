// Internal to the Python frontend: the state shared by python_lower.cpp (model selection),
// python_init.cpp (constants and __init__), python_forward.cpp (forward) and python_input.cpp
// (input shapes).
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "netshape/python_frontend.hpp"

namespace netshape::pylower {

// A constant computed in __init__ or forward: a value, a constructor parameter that has no
// value yet, or an error kept until (and unless) the value is used.
struct Const {
  enum State { Ok, Unbound, Failed };
  State state = Failed;
  Value value;
  std::string param;  // Unbound: the parameter's name
  Diagnostic error;   // Failed: reported when used
  static Const ok(Value v) {
    Const c;
    c.state = Ok;
    c.value = std::move(v);
    return c;
  }
  static Const unbound(std::string p) {
    Const c;
    c.state = Unbound;
    c.param = std::move(p);
    return c;
  }
  static Const failed(Diagnostic d) {
    Const c;
    c.state = Failed;
    c.error = std::move(d);
    return c;
  }
};

struct Instance;
struct ModuleChild;

// A submodule created in __init__ (`self.a = nn.Conv2d(...)`), or a Sequential child.
struct ModuleDef {
  enum Kind { Leaf, Sequential, User, Broken };
  Kind kind = Broken;
  std::string op;  // Leaf: class name as written, without prefix
  Span span;       // the constructor call
  Span op_span;
  std::string fix_prefix;
  std::vector<Arg> args;
  std::vector<Const> pending;  // argument values still to check (errors, unbound params)
  std::vector<Span> pending_spans;
  std::vector<ModuleChild> children;   // Sequential: (index, child)
  std::shared_ptr<Instance> instance;  // User
  Diagnostic error;                    // Broken: reported when called
  std::string first_call;  // Leaf: the statement of its first call (later calls share its params)
  bool list = false;       // Sequential: an nn.ModuleList (iterated and indexed, not called)
  int module_index = -1;   // Sequential, User: its ModuleDecl once forward has applied it
};

// A Sequential child and its index (or name). Not a std::pair: pair<string, ModuleDef> inside
// ModuleDef instantiates pair's traits on an incomplete type, which clang rejects.
struct ModuleChild {
  std::string index;
  ModuleDef def;
  ModuleChild(std::string i, ModuleDef d) : index(std::move(i)), def(std::move(d)) {}
};

// One object of a model class: its submodules and `self.k` constants.
struct PyValue;
struct PyScope;

struct Instance {
  const py::Stmt* cls = nullptr;
  std::map<std::string, ModuleDef> modules;
  std::map<std::string, Const> attrs;
  // Attributes that are neither modules nor plain data (lists, dicts, functions, classes),
  // visible to __init__ and its helpers.
  std::map<std::string, std::shared_ptr<PyValue>> values;
  // A subclass of nn.Sequential (`class ConvBNReLU(nn.Sequential)`): its modules, in the order
  // they were registered, are what its forward applies.
  bool sequential = false;
  std::vector<std::string> order;
  std::map<std::string, int> calls;  // per attribute: how many times forward called it
};

using Scope = std::map<std::string, Const>;

// A value in forward: a tensor (by the statement or input name that produces it), several
// tensors (tuple/list), a constant, or `x.shape` / `x.size()` waiting for an index.
struct FValue {
  // Module: a submodule used as a value in forward (`for blk in self.blocks`, `self.blocks[0]`),
  // `module` pointing into the instance, `tensor` holding its name.
  enum Kind { Tensor, Tensors, Constant, Shape, Self, Module };
  Kind kind = Constant;
  ModuleDef* module = nullptr;
  std::string tensor;
  Span span;
  std::vector<FValue> items;
  Value value;
  static FValue tensor_of(std::string name, Span sp) {
    FValue v;
    v.kind = Tensor;
    v.tensor = std::move(name);
    v.span = sp;
    return v;
  }
  static FValue constant(Value val, Span sp) {
    FValue v;
    v.kind = Constant;
    v.value = std::move(val);
    v.span = sp;
    return v;
  }
};

struct Candidate {
  std::string name;
  const py::Stmt* cls = nullptr;         // a class model
  const py::Expr* sequential = nullptr;  // a `name = nn.Sequential(...)` model
  const py::Stmt* factory = nullptr;     // a function returning the model (`def resnet18():`)
  const py::Expr* call = nullptr;        // factory: the file's `model = resnet18(...)`, if any
  Span span;
};

struct Instantiation {
  std::string variable;
  std::string class_name;
  const py::Expr* call = nullptr;
};

std::string dotted(const py::Expr& e);

// The reader predates the full AST: a subscript with a slice is "slicing" as a whole, and a
// comparison is evaluated as the left-nested binary chain it used to be.
bool has_slice(const py::Expr& subscript);
py::Expr as_binary_chain(const py::Expr& compare);

class Construct;

// A file of the model: the main one (index 0) or one it imports, read when an import names it.
struct PyFile {
  const SourceFile* src = nullptr;
  const py::Module* module = nullptr;
  std::string dir;  // its directory, where its relative imports start
};

class Lowerer {
  friend class Construct;

 public:
  Lowerer(const SourceFile& src, const py::Module& module, const PythonOptions& opts,
          Diagnostics& diags);
  ~Lowerer();
  Lowerer(const Lowerer&) = delete;
  Lowerer& operator=(const Lowerer&) = delete;
  std::optional<Program> run();
  void collect_for_listing(PythonModelList& list);

  // python_init.cpp
  Const eval_const(const py::Expr& e, const Scope* scope, Instance* self, int depth = 0);

 private:
  const SourceFile& src_;
  const py::Module& module_;
  std::vector<PyFile> files_;  // [0] is the main file
  std::vector<std::shared_ptr<const SourceFile>> owned_sources_;
  std::vector<std::unique_ptr<py::Module>> owned_modules_;
  std::map<std::string, int> file_by_path_;              // loaded files; -1: read and broken
  std::map<const py::Stmt*, uint32_t> class_file_;       // the file each class is defined in
  std::vector<std::weak_ptr<PyScope>> py_scopes_;        // the interpreter's, to break cycles
  std::set<std::tuple<uint32_t, int, int>> skipped_at_;  // call sites already warned about
  std::vector<std::weak_ptr<Instance>> py_instances_;
  const SourceFile& source(uint32_t file) const;
  uint32_t file_of(const py::Stmt* cls) const;
  // The file `module` names from file `from` (`.unet_parts`, `..ops.misc`, `models.resnet`),
  // read and parsed on first use: its index, -1 when no such file exists, -2 when it exists but
  // cannot be read (reported).
  int import_file(uint32_t from, const std::string& module, Span at);
  const PythonOptions& opts_;
  Diagnostics& diags_;
  Program program_;
  std::set<std::string> taken_;
  std::map<std::string, const py::Stmt*> classes_;
  std::map<std::string, const py::Stmt*> functions_;  // top-level `def`s
  std::vector<Candidate> candidates_;
  std::vector<Instantiation> instances_;
  std::map<std::string, const py::Expr*> random_tensors_;  // `x = torch.randn(...)` at top level
  Scope globals_;

  bool error(Span span, std::string message, std::string help = {});
  bool unsupported(Span span, const std::string& what, std::string help = {});
  std::string unique_name(const std::string& wanted);
  // The statement's name; nullopt (an error reported) past limits::kMaxStatements.
  std::optional<std::string> emit(Statement st);

  // python_lower.cpp
  void collect_top_level();
  const Candidate* find_candidate(const std::string& name) const;
  const Candidate* choose_model();
  bool lower_sequential_model(const Candidate& model);
  bool lower_class_model(const Candidate& model);
  bool lower_factory_model(const Candidate& model);
  bool lower_module(ModuleDef& root, const std::string& name, Span span);
  // python_construct.cpp: the module a factory returns, called with the file's arguments and
  // --arg.
  std::optional<ModuleDef> call_factory(const Candidate& model);
  std::optional<ModuleDef> build_top_level(const py::Expr& call);
  void add_input(const std::string& name, Span span);
  bool add_outputs(const FValue& out, Span fallback);
  bool init_model(const std::shared_ptr<Instance>& inst);
  void bind_call_args(const py::Expr& call, const std::vector<std::string>& names,
                      std::map<std::string, Const>& params, const Scope* scope, Instance* self,
                      bool track_origins = false);
  void track_origin(Const& value, const std::string& param, const py::Expr& argument,
                    const py::Expr& call);
  void track_origin(Value& value, const std::string& param, const py::Expr& argument,
                    const py::Expr& call);
  const py::Stmt* find_method(const py::Stmt& cls, const std::string& name, int depth) const;

  // python_init.cpp
  Const eval_name(const std::string& name, Span span, const Scope* scope);
  Const eval_binary(const py::Expr& e, const Const& lhs, const Const& rhs);
  bool run_init(Instance& inst, const Scope& params, int depth);
  bool is_super_init(const py::Expr& e) const;
  bool build_module(const py::Expr& call, Instance& inst, Scope* scope, ModuleDef& out,
                    bool qualifier_only, int depth);
  bool is_sequential_call_expr(const py::Expr& e) const;
  bool sequential_child(const py::Expr& child, bool keyword, Instance& inst, Scope* scope,
                        ModuleDef& m, int depth);
  bool build_sequential(const py::Expr& call, Instance& inst, Scope* scope, ModuleDef& out,
                        bool qualifier_only, int depth = 0);
  std::string fix_prefix_for(const py::Expr& call, Span op_span, bool qualifier_only) const;

  // python_forward.cpp
  std::optional<FValue> run_forward(Instance& inst, const py::Stmt& forward,
                                    const std::vector<FValue>& args, const std::string& prefix,
                                    int module, int depth);
  // Applies module `m` (a child of module `parent`, -1 for the model) to `inputs`.
  std::optional<FValue> call_module(ModuleDef& m, const std::string& name,
                                    const std::vector<FValue>& inputs, Span call_span, bool named,
                                    int parent, int depth = 0);
  int declare_module(ModuleDef& m, const std::string& name, const std::string& kind, int parent,
                     Span call_span);
  bool check_pending(const ModuleDef& m);
  struct Frame {
    Instance& inst;
    std::map<std::string, FValue> vars;
    std::string prefix;
    int module;  // the ModuleDecl whose forward this is; -1 for the model
    int depth;
    enum Loop { None, Break, Continue } loop = None;  // a `break`/`continue` leaving a block
  };
  bool run_block(const std::vector<py::Stmt>& body, Frame& f, std::optional<FValue>& result);
  std::optional<bool> condition(const py::Expr& e, Frame& f);
  std::optional<bool> truth(const FValue& v, Span at);
  std::optional<FValue> compare_fwd(const py::Expr& e, Frame& f);
  bool for_loop(const py::Stmt& s, Frame& f, std::optional<FValue>& result);
  std::optional<std::vector<FValue>> loop_items(const py::Expr& e, Frame& f);
  std::optional<FValue> self_member(const py::Expr& e, Frame& f);
  std::optional<FValue> call_helper(const py::Expr& e, const py::Stmt& method, Frame& f);
  std::optional<FValue> eval(const py::Expr& e, Frame& f);
  std::optional<FValue> eval_call(const py::Expr& e, Frame& f);
  std::optional<std::vector<FValue>> module_inputs(const py::Expr& e, Frame& f);
  std::optional<FValue> eval_attribute(const py::Expr& e, Frame& f);
  std::optional<FValue> eval_subscript(const py::Expr& e, Frame& f);
  std::optional<FValue> eval_binary_fwd(const py::Expr& e, Frame& f);
  std::optional<FValue> call_self_module(const py::Expr& e, const std::string& attr, Frame& f);
  std::optional<FValue> call_function(const py::Expr& e, const std::string& op, Span op_span,
                                      const FValue* self_tensor, size_t first_arg, Frame& f);
  std::optional<FValue> call_method(const py::Expr& e, const FValue& obj, Frame& f);
  bool forward_statement(const py::Stmt& s, Frame& f, std::optional<FValue>& result);
  bool assign(const py::Expr& target, const FValue& value, Frame& f);

  // python_input.cpp
  bool attach_input_shapes(const Candidate& model);
  bool shape_from_comments(bool& found);
  bool shape_from_calls(const Candidate& model, bool& found);
  bool is_model_reference(const py::Expr& e, const Candidate& model) const;
  bool dims_from_tuple(const py::Expr& e, bool add_batch, std::vector<InputDim>& dims);
};

std::optional<Program> lower(const SourceFile& src, const py::Module& module,
                             const PythonOptions& opts, Diagnostics& diags);

}  // namespace netshape::pylower
