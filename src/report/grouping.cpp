// The layer table grouped by module: rows from the graph's module table (by id), totals from the
// analysis's layers (see grouping.hpp).
#include "netshape/grouping.hpp"

#include <algorithm>
#include <set>

#include "netshape/checked.hpp"

namespace netshape {
namespace {

class Grouper {
 public:
  Grouper(const Analysis& a, const Graph& g, int depth)
      : a_(a),
        g_(g),
        depth_(depth),
        module_depth_(g.modules.size(), 0),
        module_row_(g.modules.size(), kNoRow),
        layer_row_(g.nodes.size(), kNoRow),
        counted_row_(g.nodes.size(), kNoRow) {
    out_.depth = depth;
    for (ModuleId m = 1; m < g.modules.size(); ++m) module_depth_[m] = module_depth_[parent(m)] + 1;
  }

  Grouping run() {
    if (g_.modules.empty()) return std::move(out_);  // no rows: not even the model's
    ModuleRow root;
    root.kind = g_.name(g_.modules[kRootModule].kind);
    root.module = kRootModule;
    root.named_module = true;
    module_row_[kRootModule] = add(std::move(root));
    // Modules come in the order of their first application; each is placed where that starts,
    // so one that applies no layer (an empty nn.Sequential as a shortcut) has its place too.
    ModuleId next = 1;
    for (size_t i = 0; i < a_.layers.size() && a_.layers[i].node < g_.nodes.size(); ++i) {
      while (next < g_.modules.size() && g_.modules[next].first_node <= i) show_module(next++);
      add_layer(a_.layers[i]);
    }
    // Applied after the last layer without applying one: only when inference got there.
    bool complete = a_.layers.size() == g_.nodes.size() &&
                    (a_.layers.empty() || a_.layers.back().output.has_value());
    while (complete && next < g_.modules.size()) show_module(next++);
    for (const UnappliedModule& u : a_.unapplied) add_unapplied(u);
    for (ModuleRow& r : out_.rows) set_output(r);
    return in_tree_order();
  }

 private:
  const Analysis& a_;
  const Graph& g_;
  int depth_;
  Grouping out_;
  std::vector<int> module_depth_;     // by ModuleId
  std::vector<uint32_t> module_row_;  // by ModuleId: its row, when shown
  std::vector<uint32_t> layer_row_;   // by NodeId: the row of a layer shown on its own
  std::vector<uint32_t> counted_row_;  // by NodeId: the row a layer counts in
  // (row, first call) pairs whose row counts a module called again from another row
  std::set<std::pair<uint32_t, NodeId>> credited_;
  std::vector<ModuleId> chain_;       // show_module's scratch: modules without a row yet

  // Lowering declares a parent before its children; anything else is treated as the model's.
  ModuleId parent(ModuleId m) const {
    ModuleId p = g_.modules[m].parent;
    return p < m ? p : kRootModule;
  }

  uint32_t add(ModuleRow row) {
    out_.rows.push_back(std::move(row));
    return static_cast<uint32_t>(out_.rows.size() - 1);
  }

  // The rows of `m` and of its ancestors, down to the depth shown, parents first.
  void show_module(ModuleId m) {
    chain_.clear();
    for (ModuleId c = m; module_row_[c] == kNoRow; c = parent(c)) chain_.push_back(c);
    for (auto it = chain_.rbegin(); it != chain_.rend() && module_depth_[*it] <= depth_; ++it) {
      ModuleRow row;
      row.name = g_.module_path(*it);
      row.kind = g_.name(g_.modules[*it].kind);
      row.depth = module_depth_[*it];
      row.parent = module_row_[parent(*it)];
      row.module = *it;
      row.named_module = true;
      module_row_[*it] = add(std::move(row));
    }
  }

  // The row a layer counts in: the deepest shown module applying it, or its own row when that
  // module is shown expanded (a layer module called again joins its first call's row).
  uint32_t row_of(const LayerInfo& l) {
    const GraphNode& node = g_.nodes[l.node];
    ModuleId m = node.module < g_.modules.size() ? node.module : kRootModule;
    show_module(m);
    if (module_depth_[m] + 1 > depth_) {
      while (module_depth_[m] > depth_) m = parent(m);
      return module_row_[m];
    }
    if (passes_through(node, m)) return module_row_[m];
    NodeId key = l.node;
    NodeId first = node.shares_params_with;
    if (first < l.node && g_.nodes[first].module == node.module) key = first;
    if (layer_row_[key] == kNoRow) {
      const GraphNode& owner = g_.nodes[key];
      ModuleRow row;
      row.named_module =
          op_info(owner.op).is_module() && owner.statement != nullptr && owner.statement->named;
      row.name = row.named_module ? g_.owner_path(key) : g_.name(owner.name);
      std::string_view subclass;  // a module deriving from the layer: its class
      if (owner.statement) subclass = owner.statement->extras().module_class;
      row.kind = subclass.empty() ? a_.layers[key].op_name : subclass;
      row.depth = module_depth_[m] + 1;
      row.parent = module_row_[m];
      row.layer = key;
      layer_row_[key] = add(std::move(row));
    }
    return layer_row_[key];
  }

  // A user module whose forward returns its input unchanged is applied as an Identity row of its
  // own (the reader emits it so the call is a row): that row is the module, not a child of it.
  bool passes_through(const GraphNode& node, ModuleId m) const {
    if (m == kRootModule || node.op != OpId::Identity || node.statement == nullptr) return false;
    const Span& at = node.statement->span;
    const Span& built = g_.modules[m].constructed_at;
    return at.line == built.line && at.column == built.column && at.file == built.file;
  }

  void add_layer(const LayerInfo& l) {
    uint32_t row = row_of(l);
    counted_row_[l.node] = row;
    // The model's row holds every layer: if its sums fit, every row's do.
    const ModuleRow& all = out_.rows[0];
    // INT64_MAX: a count the convention does not know (with_counts), as a row that failed.
    bool failed = !l.output || l.macs == INT64_MAX || !checked_add(all.params, l.params) ||
                  !checked_add(all.trainable_params, l.trainable_params) ||
                  !checked_add(all.macs, l.macs);
    for (uint32_t r = row; r != kNoRow; r = out_.rows[r].parent) {
      ModuleRow& m = out_.rows[r];
      ++m.layers;
      if (failed || m.failed) {
        m.failed = true;
        continue;
      }
      m.params += l.params;
      m.trainable_params += l.trainable_params;
      m.macs += l.macs;
      m.output = l.output.copy();
    }
    add_tied(l, row);
    add_shared(l, row);
  }

  // A module called again from another module (one nn.Linear in two nn.Sequentials) counts its
  // parameters at its first call; the rows that hold this call and not the first count them
  // too (once each), as module.parameters() does. A `parameter` row reading a layer's weight
  // makes it no parameter of the module reading it.
  void add_shared(const LayerInfo& l, uint32_t row) {
    NodeId first = g_.nodes[l.node].shares_params_with;
    if (first >= l.node || first >= a_.layers.size() || l.op != a_.layers[first].op) return;
    const LayerInfo& owner = a_.layers[first];
    if (owner.params == 0) return;
    std::vector<uint32_t> holds_first;
    for (uint32_t r = counted_row_[first]; r != kNoRow; r = out_.rows[r].parent)
      holds_first.push_back(r);
    for (uint32_t r = row; r != kNoRow; r = out_.rows[r].parent) {
      if (std::find(holds_first.begin(), holds_first.end(), r) != holds_first.end()) return;
      ModuleRow& m = out_.rows[r];
      if (m.failed) return;
      if (!credited_.insert({r, first}).second) continue;
      m.params += owner.params;
      m.tied_params += owner.params;
      m.trainable_params += owner.trainable_params;
      m.tied_trainable_params += owner.trainable_params;
    }
  }

  // A layer holding another's tensors by a tie (`self.tokens.weight = self.head.weight`) leaves
  // them out of its count; the rows that hold it and not the other count them, as
  // module.parameters() does (the model's row, holding both, counts them once).
  void add_tied(const LayerInfo& l, uint32_t row) {
    if (!l.statement || l.statement->extras().tied_elements == 0) return;
    const StatementExtras& extras = l.statement->extras();
    const std::string& giver = extras.tied_to;
    if (giver.empty()) return;
    for (uint32_t r = row; r != kNoRow && r != 0; r = out_.rows[r].parent) {
      ModuleRow& m = out_.rows[r];
      if (m.failed) return;
      const std::string& name = m.name;
      if (giver == name || (giver.size() > name.size() &&
                            giver.compare(0, name.size(), name) == 0 && giver[name.size()] == '.'))
        return;  // this row holds the layer the tensors came from: counted there
      m.params += extras.tied_elements;
      m.tied_params += extras.tied_elements;
      if (extras.frozen) continue;
      m.trainable_params += extras.tied_elements;
      m.tied_trainable_params += extras.tied_elements;
    }
  }

  // A module forward never applies has no layers, but its parameters count in the totals: a row
  // under the module that holds it (the nearest one in the graph), or in that module's row when it
  // is deeper than the depth shown.
  void add_unapplied(const UnappliedModule& u) {
    ModuleId m = holder(u.path);
    show_module(m);
    uint32_t row = kNoRow;
    if (module_depth_[m] + 1 <= depth_) {
      ModuleRow r;
      r.name = u.path;
      r.kind = u.kind;
      r.depth = module_depth_[m] + 1;
      r.parent = module_row_[m];
      r.named_module = true;
      row = add(std::move(r));
    } else {
      while (module_depth_[m] > depth_) m = parent(m);
      row = module_row_[m];
    }
    for (uint32_t r = row; r != kNoRow; r = out_.rows[r].parent) {
      out_.rows[r].params += u.params;
      out_.rows[r].trainable_params += u.trainable_params;
    }
  }

  // The module of the graph whose path is the longest proper prefix of `path` (the model if none).
  ModuleId holder(const std::string& path) const {
    for (size_t dot = path.rfind('.'); dot != std::string::npos && dot > 0;
         dot = path.rfind('.', dot - 1)) {
      std::optional<NameId> id = g_.names.find(std::string_view(path).substr(0, dot));
      if (!id) continue;
      for (ModuleId m = 1; m < g_.modules.size(); ++m)
        if (g_.modules[m].path == *id) return m;
    }
    return kRootModule;
  }

  // The rows as a tree, depth first: each row's children right after it, in the order they came
  // (a module called again can add a child after its siblings' rows, an unapplied module comes
  // last).
  Grouping in_tree_order() {
    if (out_.rows.empty()) return std::move(out_);
    std::vector<std::vector<uint32_t>> children(out_.rows.size());
    for (uint32_t r = 1; r < out_.rows.size(); ++r) children[out_.rows[r].parent].push_back(r);
    std::vector<uint32_t> order, stack = {0}, new_index(out_.rows.size(), kNoRow);
    order.reserve(out_.rows.size());
    while (!stack.empty()) {
      uint32_t r = stack.back();
      stack.pop_back();
      new_index[r] = static_cast<uint32_t>(order.size());
      order.push_back(r);
      stack.insert(stack.end(), children[r].rbegin(), children[r].rend());
    }
    Grouping sorted;
    sorted.depth = out_.depth;
    sorted.rows.reserve(order.size());
    for (uint32_t r : order) {
      ModuleRow row = std::move(out_.rows[r]);
      if (row.parent != kNoRow) row.parent = new_index[row.parent];
      sorted.rows.push_back(std::move(row));
    }
    return sorted;
  }

  // A module's output is what its last call returned (the model's: its output); else, and for a
  // layer, the output of the last layer it applies.
  void set_output(ModuleRow& r) {
    if (r.failed) {
      r.output.reset();
      return;
    }
    if (r.module == kRootModule) {
      if (a_.outputs.size() == 1) r.output = a_.outputs[0].second;
      return;
    }
    if (r.module == kNoId) return;
    if (auto s = tensor_shape(g_.modules[r.module].output)) r.output = std::move(s);
  }

  std::optional<Shape> tensor_shape(TensorId t) const {
    if (t >= g_.tensors.size()) return std::nullopt;
    NodeId producer = g_.tensors[t].producer;
    if (producer != kNoId) {
      if (producer < a_.layers.size()) return a_.layers[producer].output.copy();
      return std::nullopt;
    }
    for (size_t k = 0; k < a_.input_ids.size() && k < a_.inputs.size(); ++k)
      if (a_.input_ids[k] == t) return a_.inputs[k].second;
    return std::nullopt;
  }
};

}  // namespace

Grouping group_layers(const Analysis& a, const Graph& g, int depth) {
  return Grouper(a, g, depth < 0 ? 0 : depth).run();
}

}  // namespace netshape
