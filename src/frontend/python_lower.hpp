// Internal to the Python frontend: the state shared by python_lower.cpp (model selection),
// python_construct.cpp (the interpreter that runs __init__ and forward), python_init.cpp
// (constant folding for input shapes) and python_input.cpp (input shapes).
#pragma once
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
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
  std::string param;              // Unbound: the parameter's name
  Diagnostic error;               // Failed: reported when used
  bool may_hold_weights = false;  // Failed: see PyValue::may_hold_weights
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

// The torch.nn container a class derives from (`class Head(nn.Sequential)`), by the base's name
// as written: `nn.X`, `torch.nn.X` or `X` imported from torch.nn.
enum class ContainerBase { None, Sequential, ModuleList, ModuleDict };
inline ContainerBase container_base(const std::string& base) {
  std::string_view last = base;
  for (std::string_view prefix : {"torch.nn.", "nn."}) {
    if (last.starts_with(prefix)) {
      last.remove_prefix(prefix.size());
      break;
    }
  }
  if (last == "Sequential") return ContainerBase::Sequential;
  if (last == "ModuleList") return ContainerBase::ModuleList;
  if (last == "ModuleDict") return ContainerBase::ModuleDict;
  return ContainerBase::None;
}

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
  // Sequential: (index, child). A list: a value read from a child (`first = self.layers[0]`)
  // refers into it, and a later append() must not move the child away under it.
  std::list<ModuleChild> children;
  std::shared_ptr<Instance> instance;  // User
  Diagnostic error;                    // Broken: reported when called
  bool list = false;             // Sequential: an nn.ModuleList (iterated and indexed, not called)
  int module_index = -1;         // Sequential, User: its ModuleDecl once forward has applied it
  std::vector<Label> built_via;  // Leaf: the calls and loop passes it was built in (Statement's)
  // The module's identity: a module registered under two names (`self.conv1` and inside
  // `self.net`) is copied into both places, and the copies share it, as Python shares the object.
  int id = -1;
  // A container's version (Construct::container_versions_): a copy changed since this one was
  // made (`self.body = a`, then `a.append(...)`) leaves this one behind, where Python has one
  // object. A copy behind is refused where the model stores, applies or registers it.
  int version = 0;
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
  // Submodules a later `self.k = ...` replaced, kept: a value read before (`old = self.k`, the
  // loop variable of `for m in self.modules()`) refers into its node, as Python's still would.
  // Shared, as a node can only move: a copy of the instance keeps them too.
  std::vector<std::shared_ptr<std::map<std::string, ModuleDef>::node_type>> replaced;
  std::map<std::string, Const> attrs;
  // Attributes that are neither modules nor plain data (lists, dicts, functions, classes),
  // visible to __init__ and its helpers.
  std::map<std::string, std::shared_ptr<PyValue>> values;
  // A subclass of nn.Sequential (`class ConvBNReLU(nn.Sequential)`): its modules, in the order
  // they were registered, are what its forward applies.
  bool sequential = false;
  // A subclass of nn.ModuleList or nn.ModuleDict (torchvision's IntermediateLayerGetter):
  // iterating it gives its modules, or its keys, in the order they were registered.
  bool module_list = false, module_dict = false;
  // nn.ParameterList and nn.ParameterDict (the prelude's classes of those names): their entries
  // are parameters in `values` under their index or key, in `order`.
  bool parameter_list = false, parameter_dict = false;
  std::vector<std::string> order;
  // What nn.Module.__setattr__ remembers of a name besides its value, for its TypeErrors: a
  // buffer (register_buffer), or a submodule or parameter set to None since, which stays
  // registered as one (`self.fc = None` then `self.fc = 3` raises).
  enum class Registered { Module, Parameter, Buffer };
  std::map<std::string, Registered> registered_as;
  // nn.Module.__init__ has run (super().__init__() reached a base outside the file): before it,
  // PyTorch refuses to register a submodule or a parameter.
  bool module_init_ran = false;
  // A subclass of a torch layer (`class Conv3DSimple(nn.Conv3d)`): the layer its
  // `super().__init__(...)` built. Its attributes (`self.weight`, `self.normalized_shape`) are
  // the instance's, and its forward is the class's when the class has none (or calls
  // `super().forward(x)`). Null for every other class.
  std::shared_ptr<ModuleDef> layer_base;
};

using Scope = std::map<std::string, Const>;

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

// Where top-level code (outside functions and classes; in any `if`, loop, `with` or `try` there)
// changes what `name` holds after binding it: a second binding (`WIDTH = 16` again,
// `WIDTH //= 2`, a loop's target), or a change of its object (`layers.append(...)`,
// `CFG["hidden"] = 32`, `model.fc = nn.Linear(16, 2)`, `Net.hidden = 32`,
// `for p in model.parameters(): p.requires_grad = False`). netshape computes a top-level name
// from its binding and runs none of those statements, so a model that reads such a name is
// refused rather than built from another value. `at` is invalid when nothing changes it.
struct TopLevelChange {
  Span at;
  bool redefined = false;  // a second `def` or `class` of the name
};
TopLevelChange top_level_change(const std::vector<py::Stmt>& body, const std::string& name);
// The error for it: `reader` says what reads the name ("the model would read another value").
std::string top_level_change_message(const std::string& name, const TopLevelChange& change,
                                     const char* reader);

// The reader predates the full AST: a subscript with a slice is "slicing" as a whole, and a
// comparison is evaluated as the left-nested binary chain it used to be.
bool has_slice(const py::Expr& subscript);
py::Expr as_binary_chain(const py::Expr& compare);

class Construct;

// The method `name` a class's own body defines (its last definition), or null.
const py::Stmt* own_method(const py::Stmt& cls, const std::string& name);

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
  std::set<std::tuple<uint32_t, int, int>> warned_at_;   // model calls the prelude warned about
  std::vector<std::weak_ptr<Instance>> py_instances_;
  const SourceFile& source(uint32_t file) const;
  uint32_t file_of(const py::Stmt* cls) const;
  // Whether file `file` is netshape's own Python (its prelude of torch.nn classes).
  bool is_prelude(uint32_t file) const {
    return file < files_.size() && files_[file].src->path().starts_with("netshape/");
  }
  // The file `module` names from file `from` (`.unet_parts`, `..ops.misc`, `models.resnet`),
  // read and parsed on first use: its index, -1 when no such file exists, -2 when it exists but
  // cannot be read (reported).
  int import_file(uint32_t from, const std::string& module, Span at);
  const py::Stmt* imported_model_assignment() const;
  int import_quietly(uint32_t from, const std::string& module, Span at);
  bool quiet_import_ = false;  // resolve_bases: a broken file is reported where it is used
  // torch.nn's modules written in Python (torch_nn_prelude.py: TransformerEncoderLayer, ...): the
  // class named `name`, the prelude read and parsed as a file of the model on first use; null
  // for any other name.
  const py::Stmt* torch_nn_class(const std::string& name);
  // einops.layers.torch's Rearrange and Reduce, from the same prelude; null for another name.
  const py::Stmt* einops_layer_class(const std::string& name);
  const py::Stmt* prelude_class(const std::string& name);
  std::map<std::string, const py::Stmt*> torch_nn_classes_;
  bool prelude_read_ = false;
  const PythonOptions& opts_;
  Diagnostics& diags_;
  Program program_;
  std::set<std::string> taken_;
  std::map<std::string, const py::Stmt*> classes_;
  // Each base of a class of the model's files, as its own file names it (a class of that file,
  // or one it imports by that name): torchvision's `Conv2dNormActivation(ConvNormActivation)`
  // is torchvision's base even when the model's file has a class of that name.
  std::map<std::pair<const py::Stmt*, std::string>, const py::Stmt*> bases_;
  void resolve_bases(uint32_t file, const py::Module& module);
  // The class a base of `cls` names: bases_, else the model's class of that name; null if none.
  const py::Stmt* base_class(const py::Stmt& cls, const py::Expr& base) const;
  // The first of `cls`'s bases that is a class of the model's files (not `cls` itself), or null.
  const py::Stmt* first_file_base(const py::Stmt& cls) const;
  std::vector<const py::Stmt*> c3_order(const py::Stmt& cls, int depth, bool& failed,
                                        int& budget) const;
  // A class in a method resolution order: one of the file's, or a torch.nn class named by a
  // base (`torch` its name without prefix: "Module", "Linear", "Sequential").
  struct OrderedClass {
    const py::Stmt* cls = nullptr;
    std::string torch;
    bool operator==(const OrderedClass&) const = default;
  };
  // C3 as in c3_order, with the torch.nn classes among the bases in their places (a torch class
  // other than nn.Module orders itself, then nn.Module). Empty when Python would refuse it.
  std::vector<OrderedClass> full_c3_order(const py::Stmt& cls, int depth, int& budget) const;
  std::map<std::string, const py::Stmt*> functions_;  // top-level `def`s
  std::vector<Candidate> candidates_;
  const Candidate* model_ = nullptr;  // the one being read
  bool inputs_attached_ = false;
  // Inputs declared with an element type (`# input: [B, 50] long`): its torch name
  // ("torch.long"); the others are float32.
  std::map<std::string, std::string> input_dtypes_;
  std::vector<Instantiation> instances_;
  std::map<std::string, const py::Expr*> random_tensors_;  // `x = torch.randn(...)` at top level
  Scope globals_;

  bool error(Span span, std::string message, std::string help = {});
  bool model_changed_by_script(const Candidate& model);
  bool unsupported(Span span, const std::string& what, std::string help = {});
  std::string unique_name(const std::string& wanted);
  // While a module runs in __init__ on a tensor made there (Construct::trial): what its rows'
  // names start with, so that a tensor of the trial kept past it (`self.feat = x` in a method it
  // runs) never names a row of the model's forward.
  std::string row_prefix_;
  // The statement's name; nullopt (an error reported) past limits::kMaxStatements.
  std::optional<std::string> emit(Statement st);

  // python_lower.cpp
  void collect_top_level();
  // The file's top-level statements, with those of its `if __name__ == "__main__":` block in its
  // place: where a script builds its model and the tensor it applies it to.
  std::vector<const py::Stmt*> script_statements() const;
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
  bool init_model(const std::shared_ptr<Instance>& inst);
  // Runs the model's forward on its inputs (python_construct.cpp); false (reported) on an error.
  bool apply_model(ModuleDef& root, const std::vector<std::pair<std::string, Span>>& inputs,
                   Span span);
  Construct& interpreter();
  // One interpreter for __init__ and forward, so the file's globals are computed once; made on
  // first use. (Lowerer's constructor and destructor are in python_construct.cpp, where
  // Construct is complete.)
  std::unique_ptr<Construct> interpreter_;
  void bind_call_args(const py::Expr& call, const std::vector<std::string>& names,
                      std::map<std::string, Const>& params, const Scope* scope, Instance* self,
                      bool track_origins = false);
  void track_origin(Const& value, const std::string& param, const py::Expr& argument,
                    const py::Expr& call);
  void track_origin(Value& value, const std::string& param, const py::Expr& argument,
                    const py::Expr& call);
  const py::Stmt* find_method(const py::Stmt& cls, const std::string& name, int depth) const;
  // The file's classes in `cls`'s method resolution order (Python's C3 linearisation, of the
  // bases the file defines: `class D(B, C)` with B and C subclasses of A gives D, B, C, A);
  // empty when Python would refuse the order or the bases nest too deep.
  std::vector<const py::Stmt*> method_order(const py::Stmt& cls) const;
  // Whether Python finds method `name` of a `cls` object in a torch class before any class of
  // the file, looking in `cls`'s method resolution order after `after` (from the start when
  // null), torch's classes in their places: `class L(nn.Linear, Mixin)` orders L, nn.Linear,
  // nn.Module, Mixin, so its forward is nn.Linear's, not Mixin's.
  bool torch_method_first(const py::Stmt& cls, const py::Stmt* after,
                          const std::string& name) const;

  // python_init.cpp
  Const eval_name(const std::string& name, Span span, const Scope* scope);
  Const eval_binary(const py::Expr& e, const Const& lhs, const Const& rhs);
  bool is_super_init(const py::Expr& e) const;
  std::string fix_prefix_for(const py::Expr& call, Span op_span, bool qualifier_only) const;

  // The ModuleDecl of a container or user module, made at its first application.
  int declare_module(ModuleDef& m, const std::string& name, const std::string& kind, int parent,
                     Span call_span);
  // What an application of module `self` returned (a tensor's name; "" for several tensors).
  void note_output(const ModuleDef& m, int self, const std::string& tensor);

  // python_input.cpp
  bool attach_input_shapes(const Candidate& model);
  bool shape_from_comments(bool& found);
  bool shape_from_calls(const Candidate& model, bool& found);
  const py::Expr* model_call_in(const py::Expr& e, const Candidate& model) const;
  std::optional<bool> torchinfo_summary(const std::string& callee) const;
  bool is_model_reference(const py::Expr& e, const Candidate& model) const;
  bool dims_from_tuple(const py::Expr& e, bool add_batch, std::vector<InputDim>& dims);
};

std::optional<Program> lower(const SourceFile& src, const py::Module& module,
                             const PythonOptions& opts, Diagnostics& diags);

}  // namespace netshape::pylower
