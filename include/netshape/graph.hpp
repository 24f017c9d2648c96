// The resolved model graph: what the one lowering (src/lower/) builds from a frontend's Program
// and what shape inference, reports and the executor read. Immutable once built: inference is a
// pure function of a Graph and input shapes, so the smallest-input search reruns it on the same
// graph. Inside the graph everything is an index (names, tensors, nodes, modules); spans and the
// arguments as written stay in the Program the graph owns.
#pragma once
#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "netshape/diagnostics.hpp"
#include "netshape/ir.hpp"
#include "netshape/name_table.hpp"
#include "netshape/op_table.hpp"

namespace netshape {

using TensorId = uint32_t;
using NodeId = uint32_t;
using ModuleId = uint32_t;
inline constexpr uint32_t kNoId = UINT32_MAX;
inline constexpr ModuleId kRootModule = 0;

// Storage for the nodes' short lists (inputs, bound arguments, their spans): chunks that never
// move, so a node's spans stay valid as the graph grows, and one allocation per chunk instead of
// one per list.
template <typename T>
class ListPool {
 public:
  // A copy of `items` that lives as long as the pool.
  std::span<const T> keep(std::span<const T> items) {
    if (items.empty()) return {};
    if (items.size() > free_) {
      size_t size = std::max(kChunk, items.size());
      chunks_.push_back(std::make_unique<T[]>(size));
      next_ = chunks_.back().get();
      free_ = size;
    }
    T* out = next_;
    std::copy(items.begin(), items.end(), out);
    next_ += items.size();
    free_ -= items.size();
    return {out, items.size()};
  }

 private:
  static constexpr size_t kChunk = 4096;
  std::vector<std::unique_ptr<T[]>> chunks_;
  T* next_ = nullptr;
  size_t free_ = 0;
};

// A value flowing between nodes: a model input or a node's output.
struct GraphTensor {
  NameId name = kNoId;
  NodeId producer = kNoId;  // kNoId for a model input
  uint32_t input = kNoId;   // index into Graph::inputs for a model input
};

// A declared model input and its declared shape (dims may be absent: then --input must give it).
struct GraphInput {
  TensorId tensor = kNoId;
  const InputDecl* decl = nullptr;
};

// A module of the hierarchy: the root (the model), a user block or a container. Paths are
// PyTorch's `named_modules()` names (`layer1.0.conv1`); the root's path is empty.
struct GraphModule {
  NameId path = kNoId;
  NameId kind = kNoId;  // class name, e.g. "BasicBlock" or "Sequential"
  ModuleId parent = kNoId;
  std::vector<ModuleId> children;
  std::vector<NodeId> nodes;  // the nodes this module applies directly (not its children's)
  Span constructed_at;        // where the parent built it (`self.b3 = Block(16, 64)`)
  Span applied_at;            // the call in the parent's forward that first applied it
  NodeId first_node = 0;      // the nodes before its first application (its place in order)
  TensorId output = kNoId;    // what its last application returned (kNoId: several tensors)
};

// One op applied to tensors. Its arguments are bound to the op's PyTorch signature: `bound(i)` is
// the value of `op_info(op).params[i]` (written or default), `given_args[i]` where it was written
// (the values are the statement's and the op table's: a node keeps no pointer to them).
struct GraphNode {
  OpId op = OpId::Identity;
  NameId name = kNoId;
  TensorId output = kNoId;
  ModuleId module = kRootModule;
  const Statement* statement = nullptr;  // positions and the call as written
  // The lists live in the graph's pools (Graph::keep).
  std::span<const TensorId> inputs;
  std::span<const Span> input_spans;
  // Per parameter, where it was written: 1 + the index of its argument in statement->args, 0 for
  // a default (given_span(i) is that argument's span: a number, not a copy of the span).
  std::span<const uint32_t> given_args;
  std::span<const Value* const> var_positional;  // `*shape`
  size_t first_arg = 0;                          // statement->args from here are the op's arguments
  NodeId shares_params_with = kNoId;             // a module called again: its first call's node
  bool frozen = false;                           // `frozen=True`: its parameters are not trainable
  // A bound argument holds a name or a size read (`x`, `x.size(0)`, a list of them): it may refer
  // to a tensor, so the unused-tensor warning reads it (the rest it can skip unread).
  bool arguments_hold_names = false;
  int error = -1;  // index into Graph::errors: lowering failed here; inference reports it

  bool is_given(size_t param) const { return given_args[param] != 0; }
  // How many parameters were bound (all of the op's; none when binding failed), and the value of
  // parameter `param`: its argument, or its default; null for `*shape` and `**kwargs`.
  size_t bound_count() const { return given_args.size(); }
  const Value* bound(size_t param) const {
    if (is_given(param)) return &statement->args[given_args[param] - 1].value;
    const ParamSpec& p = op_info(op).params[param];
    return p.var_positional || p.var_keyword ? nullptr : &p.default_value;
  }
  // Whether parameter `param` was given as `param=value` (not by its position, nor a default).
  bool given_by_keyword(size_t param) const {
    return is_given(param) && !statement->args[given_args[param] - 1].keyword.empty();
  }
  // Where parameter `param` was written (`keyword=value`); invalid for a default.
  Span given_span(size_t param) const {
    return is_given(param) ? statement->args[given_args[param] - 1].span : Span{};
  }
};

struct GraphOutput {
  TensorId tensor = kNoId;
  Span span;
  std::vector<ValueStep> steps = {};  // OutputDecl::steps
};

class Graph {
 public:
  std::string model_name;
  NameTable names;
  std::vector<GraphInput> inputs;
  std::vector<GraphTensor> tensors;
  std::vector<GraphNode> nodes;      // in execution order; nodes past a failed one are not built
  std::vector<GraphModule> modules;  // modules[0] is the root
  std::vector<GraphOutput> outputs;  // declared ones, or the last node's output
  // Errors found while lowering (unknown op, unknown tensor, bad arguments). Each belongs to the
  // node that carries its index, and is reported when inference reaches that node, so the first
  // error in execution order is the one shown, as PyTorch would raise it.
  std::vector<Diagnostic> errors;
  // A name used twice: no layer can be trusted.
  std::optional<Diagnostic> fatal;
  // A bad `output` list: reported once every layer has been inferred.
  std::optional<Diagnostic> outputs_error;
  // By NameId: the tensor a name denotes (kNoId for names that are not tensors).
  std::vector<TensorId> tensor_by_name;
  TensorId find_tensor(std::string_view name) const {
    auto id = names.find(name);
    return id && *id < tensor_by_name.size() ? tensor_by_name[*id] : kNoId;
  }

  // Where the nodes' lists are kept (GraphNode::inputs and the others).
  std::span<const TensorId> keep(std::span<const TensorId> items) {
    return tensor_lists_.keep(items);
  }
  std::span<const Span> keep(std::span<const Span> items) { return span_lists_.keep(items); }
  std::span<const Value* const> keep(std::span<const Value* const> items) {
    return value_lists_.keep(items);
  }

  const Program& program() const { return *program_; }
  std::string_view name(NameId id) const { return names.str(id); }
  std::string_view tensor_name(TensorId t) const { return names.str(tensors[t].name); }
  std::string_view module_path(ModuleId m) const { return names.str(modules[m].path); }

  // The named_modules() path of the module that owns the node's parameters: a layer module's
  // own path (its first call's, when it is called again), else the module that applied it.
  std::string_view owner_path(NodeId n) const;

  explicit Graph(std::unique_ptr<const Program> program) : program_(std::move(program)) {}

 private:
  std::unique_ptr<const Program> program_;  // owned: nodes point at its statements and values
  ListPool<TensorId> tensor_lists_;
  ListPool<Span> span_lists_;
  ListPool<const Value*> value_lists_;
};

// The one lowering: names unnamed statements (`relu3`), resolves tensor names to ids, moves a
// functional op's leading tensor arguments into its inputs, binds every call's arguments to the
// op's signature, and builds the module hierarchy from the statements' module paths.
Graph lower(Program program);

}  // namespace netshape
