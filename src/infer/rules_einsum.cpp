// torch.einsum's shape rule: PyTorch 1.13's at::einsum (aten/src/ATen/native/Linear.cpp) check by
// check, in its order, with its messages (its typo included: "in operand 1has size").
#include <fmt/format.h>

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "rule_context.hpp"

namespace netshape {
namespace {

// Labels as at::einsum numbers them: 'A'-'Z' are 0-25, 'a'-'z' 26-51; `...` is kEllipsis.
constexpr int kLabels = 52;
constexpr int kEllipsis = kLabels;

int label_of(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return 26 + (c - 'a');
  return -1;
}
char char_of(int label) {
  return static_cast<char>(label < 26 ? 'A' + label : 'a' + (label - 26));
}
bool is_one(const Dim& d) {
  return !d.symbolic() && d.value == 1;
}

std::string invalid_subscript(size_t index) {
  return fmt::format(
      "einsum(): invalid subscript given at index {} in the equation string, subscripts must be "
      "in [a-zA-Z]",
      index);
}

const char* kEquationHelp =
    "each operand gets one letter per dim (or `...` for the dims it does not name), operands "
    "separated by ',', the output after '->': `einsum('bij,bjk->bik', a, b)`";

// The labels of each operand, left of `->`; an error message when PyTorch raises one.
std::string parse_operands(std::string_view lhs, size_t operands,
                           std::vector<std::vector<int>>& labels) {
  labels.assign(operands, {});
  bool found_ellipsis = false;
  size_t op = 0;
  for (size_t i = 0; i < lhs.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(lhs[i]);
    if (c == ' ') continue;
    if (c == '.') {
      if (found_ellipsis)
        return fmt::format(
            "einsum(): found '.' for operand {} for which an ellipsis was already found", op);
      if (!(i + 2 < lhs.size() && lhs[i + 1] == '.' && lhs[i + 2] == '.'))
        return fmt::format("einsum(): found '.' for operand {} that is not part of any ellipsis",
                           op);
      i += 2;
      labels[op].push_back(kEllipsis);
      found_ellipsis = true;
    } else if (c == ',') {
      if (++op >= operands)
        return "einsum(): fewer operands were provided than specified in the equation";
      found_ellipsis = false;
    } else if (label_of(c) < 0) {
      return invalid_subscript(i);
    } else {
      labels[op].push_back(label_of(c));
    }
  }
  if (op != operands - 1)
    return "einsum(): more operands were provided than specified in the equation";
  return "";
}

struct Plan {
  std::array<int, kLabels> count{};        // how many times each label is written left of `->`
  int64_t ellipsis_dims = 0;               // the most dims any operand's `...` covers
  std::array<int64_t, kLabels> loop_of{};  // each label's loop, -1 for none
  int64_t ellipsis_loop = 0;               // the loop of the first dim of `...`
  int64_t output_loops = 0, loops = 0;
};

// The output's loops (the labels after `->`, or the implicit ones), then the summed ones.
std::string plan_loops(std::string_view equation, size_t arrow, Plan& p) {
  p.loop_of.fill(-1);
  int64_t next = 0;
  bool found_ellipsis = false;
  if (arrow == std::string_view::npos) {  // implicit: `...`, then the labels used once, A-Z a-z
    next = p.ellipsis_dims;
    found_ellipsis = true;
    for (int l = 0; l < kLabels; ++l)
      if (p.count[static_cast<size_t>(l)] == 1) p.loop_of[static_cast<size_t>(l)] = next++;
  } else {
    std::string_view rhs = equation.substr(arrow + 2);
    for (size_t i = 0; i < rhs.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(rhs[i]);
      if (c == ' ') continue;
      if (c == '.') {
        if (found_ellipsis)
          return "einsum(): found '.' for output but an ellipsis (...) was already found";
        if (!(i + 2 < rhs.size() && rhs[i + 1] == '.' && rhs[i + 2] == '.'))
          return "einsum(): found '.' for output that is not part of any ellipsis (...)";
        i += 2;
        p.ellipsis_loop = next;
        next += p.ellipsis_dims;
        found_ellipsis = true;
        continue;
      }
      int l = label_of(c);
      if (l < 0) return invalid_subscript(arrow + 2 + i);
      auto k = static_cast<size_t>(l);
      if (p.count[k] == 0 || p.loop_of[k] != -1)
        return fmt::format("einsum(): output subscript {} {}", static_cast<char>(c),
                           p.loop_of[k] != -1
                               ? "appears more than once in the output"
                               : "does not appear in the equation for any input operand");
      p.loop_of[k] = next++;
    }
  }
  p.output_loops = next;
  if (!found_ellipsis) {  // `...` not in the output: its dims are summed
    p.ellipsis_loop = next;
    next += p.ellipsis_dims;
  }
  for (size_t k = 0; k < kLabels; ++k)
    if (p.count[k] > 0 && p.loop_of[k] == -1) p.loop_of[k] = next++;
  p.loops = next;
  return "";
}

// Each operand's dims as loops, with the loops' sizes (size-1 dims broadcast); PyTorch's message
// when two sizes of one loop differ. `nonone` counts, per loop, the operands where it is not 1.
std::string size_loops(const InputShapes& in, const std::vector<std::vector<int>>& labels,
                       const Plan& p, std::vector<Dim>& size, std::vector<int>& nonone,
                       std::vector<AttrInts>& operand_loops) {
  size.assign(static_cast<size_t>(p.loops), fixed(1));
  nonone.assign(static_cast<size_t>(p.loops), 0);
  operand_loops.assign(in.size(), {});
  for (size_t i = 0; i < in.size(); ++i) {
    const Shape& s = in[i];
    AttrInts& dims = operand_loops[i];
    size_t diagonals = 0;  // PyTorch takes each one as it comes: its dims count without them
    for (int label : labels[i]) {
      if (label == kEllipsis) {
        auto covered = static_cast<int64_t>(s.size() - (labels[i].size() - 1));
        for (int64_t j = p.ellipsis_dims - covered; j < p.ellipsis_dims; ++j) {
          size_t loop = static_cast<size_t>(p.ellipsis_loop + j);
          const Dim& d = s[dims.size()];
          if (!is_one(d)) {
            if (!is_one(size[loop]) && !(size[loop] == d))
              return fmt::format(
                  "einsum(): dimension {} covered by ellipsis in operand {}has size {} which "
                  "does not broadcast with previously seen ellipsis with size {} for the "
                  "respective dimension",
                  dims.size() - diagonals, i, to_string(d), to_string(size[loop]));
            size[loop] = d;
            ++nonone[loop];
          }
          dims.push_back(static_cast<int64_t>(loop));
        }
        continue;
      }
      size_t loop = static_cast<size_t>(p.loop_of[static_cast<size_t>(label)]);
      const Dim& d = s[dims.size()];
      int64_t first = -1;  // the dim of this operand that already has this label
      for (size_t k = 0; k < dims.size(); ++k)
        if (dims[k] == static_cast<int64_t>(loop)) first = static_cast<int64_t>(k);
      if (first >= 0) {
        const Dim& seen = s[static_cast<size_t>(first)];
        if (!(d == seen))
          return fmt::format(
              "einsum(): subscript {} is repeated for operand {} but the sizes don't match, {} "
              "!= {}",
              char_of(label), i, to_string(d), to_string(seen));
        ++diagonals;
      } else if (!is_one(d)) {
        if (!is_one(size[loop]) && !(size[loop] == d))
          return fmt::format(
              "einsum(): subscript {} has size {} for operand {} which does not broadcast with "
              "previously seen size {}",
              char_of(label), to_string(d), i, to_string(size[loop]));
        size[loop] = d;
        ++nonone[loop];
      }
      dims.push_back(static_cast<int64_t>(loop));
    }
  }
  return "";
}

}  // namespace

// einsum(equation, *operands): the output's dims are its labels' sizes, in its order; MACs (two
// operands, a label summed in both) the product of the loops in the output or in both operands
bool infer_einsum(RuleContext& ctx) {
  const Value& eq = ctx.value("equation");
  if (eq.kind != Value::Kind::String)
    return ctx.fail_unsupported(
        "equation", fmt::format("einsum's equation must be a string here, found {}", to_source(eq)),
        "write the equation as a string: `einsum('ij,jk->ik', a, b)` (netshape does not follow "
        "the sublist format)");
  const std::string& equation = eq.s;
  const InputShapes& in = ctx.in();
  size_t arrow = equation.find("->");
  std::string_view lhs = std::string_view(equation).substr(0, arrow);
  std::vector<std::vector<int>> labels;
  std::string error = parse_operands(lhs, in.size(), labels);
  if (!error.empty()) return ctx.fail_at("equation", error, kEquationHelp);
  Plan p;
  for (size_t i = 0; i < in.size(); ++i) {
    auto written = static_cast<int64_t>(labels[i].size());
    auto rank = static_cast<int64_t>(in[i].size());
    bool ellipsis = false;
    for (int label : labels[i]) {
      if (label == kEllipsis) {
        --written;
        ellipsis = true;
        p.ellipsis_dims = std::max(p.ellipsis_dims, rank - written);
      } else {
        ++p.count[static_cast<size_t>(label)];
      }
    }
    if (ellipsis ? written > rank : written != rank)
      return ctx.fail_at(
          "equation",
          fmt::format("einsum(): the number of subscripts in the equation ({}) does not match "
                      "the number of dimensions ({}) for operand {}{}",
                      written, rank, i, ellipsis ? "" : " and no ellipsis was given"),
          fmt::format("{} is {}: give it {} letters (or `...` for the dims you do not name)",
                      ctx.input_name(i), to_string(in[i]), rank));
  }
  error = plan_loops(equation, arrow, p);
  if (!error.empty()) return ctx.fail_at("equation", error, kEquationHelp);
  std::vector<Dim> size;
  std::vector<int> nonone;
  Attrs& attrs = ctx.attrs;
  error = size_loops(in, labels, p, size, nonone, attrs.operand_loops);
  if (!error.empty()) {
    std::string shapes;
    for (size_t i = 0; i < in.size(); ++i)
      shapes += fmt::format("{}{} is {}", i ? ", " : "", ctx.input_name(i), to_string(in[i]));
    return ctx.fail_at(
        "equation", error,
        fmt::format("{}: one letter means one size in every operand (or 1)", shapes));
  }
  if (in.size() > 2)
    return ctx.fail_unsupported(
        "equation", fmt::format("einsum of {} operands", in.size()),
        "write it as einsums of two operands (PyTorch's order of contraction, which its count "
        "depends on, changes with opt_einsum)");
  attrs.loops = p.loops;
  attrs.output_loops = p.output_loops;
  Shape out(size.begin(), size.begin() + p.output_loops);
  // Two operands: PyTorch sums the loops only one of them has first, then runs one bmm over the
  // output's loops and the summed ones both have; with none of those, it multiplies elementwise
  // (as `a * b`, no MACs).
  bool contracted = false;
  for (int64_t loop = p.output_loops; loop < p.loops; ++loop)
    contracted = contracted || nonone[static_cast<size_t>(loop)] == 2;
  if (in.size() == 2 && contracted) {
    std::vector<int64_t> factors;
    for (int64_t loop = 0; loop < p.loops; ++loop) {
      auto k = static_cast<size_t>(loop);
      if (loop < p.output_loops || nonone[k] == 2) factors.push_back(size[k].count_value());
    }
    if (!ctx.add_macs(factors)) return false;
    ctx.explain(
        "MACs = {} (the product of the output's sizes and the summed ones of both "
        "operands) = {}",
        fmt::join(factors, " * "), ctx.layer.macs);
  }
  ctx.set_output(std::move(out));
  return true;
}

}  // namespace netshape
