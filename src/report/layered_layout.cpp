// A layered drawing of a Diagram (layered_layout.hpp).
#include "layered_layout.hpp"

#include <algorithm>
#include <numeric>

#include "netshape/limits.hpp"

namespace netshape {
namespace {

// The boxes of each rank in drawing order, and every box's neighbours one rank up and down.
struct Ranked {
  std::vector<std::vector<size_t>> order;  // per rank
  std::vector<std::vector<size_t>> up, down;
  std::vector<size_t> position;  // index of a box within its rank
};

void renumber(Ranked& g, size_t rank) {
  for (size_t i = 0; i < g.order[rank].size(); ++i) g.position[g.order[rank][i]] = i;
}

// Mean of f(u) over the neighbours u, or nothing when there are none.
template <typename F>
bool mean_over(const std::vector<size_t>& neighbours, F f, double& result) {
  if (neighbours.empty()) return false;
  double sum = 0;
  for (size_t u : neighbours) sum += f(u);
  result = sum / static_cast<double>(neighbours.size());
  return true;
}

// Reorders one rank by the barycenter of each box's neighbours in the adjacent rank (`side`);
// a box without such neighbours keeps its place. Stable, so ties keep execution order.
void order_by_barycenter(Ranked& g, size_t rank, const std::vector<std::vector<size_t>>& side) {
  std::vector<size_t>& boxes = g.order[rank];
  std::vector<double> key(boxes.size());
  for (size_t i = 0; i < boxes.size(); ++i) {
    double mean = 0;
    auto pos = [&](size_t u) { return static_cast<double>(g.position[u]); };
    key[i] = mean_over(side[boxes[i]], pos, mean) ? mean : static_cast<double>(i);
  }
  std::vector<size_t> index(boxes.size());
  std::iota(index.begin(), index.end(), 0);
  std::stable_sort(index.begin(), index.end(), [&](size_t a, size_t b) { return key[a] < key[b]; });
  std::vector<size_t> sorted;
  sorted.reserve(boxes.size());
  for (size_t i : index) sorted.push_back(boxes[i]);
  boxes = std::move(sorted);
  renumber(g, rank);
}

// Places the boxes of one rank (in their order, each at least `gap_after[i]` from the next) as
// close as possible to `desired` in the weighted least-squares sense. With offsets o (the
// cumulative minimum gaps), y_i = x_i - o_i must be non-decreasing: isotonic regression of
// desired_i - o_i, which pool-adjacent-violators solves exactly in linear time.
std::vector<double> fit_in_order(const std::vector<double>& desired,
                                 const std::vector<double>& weight,
                                 const std::vector<double>& gap_after) {
  size_t n = desired.size();
  std::vector<double> offset(n, 0.0);
  for (size_t i = 1; i < n; ++i) offset[i] = offset[i - 1] + gap_after[i - 1];
  struct Block {
    double sum_wy, sum_w;
    size_t count;
    double value() const { return sum_wy / sum_w; }
  };
  std::vector<Block> blocks;
  for (size_t i = 0; i < n; ++i) {
    blocks.push_back({weight[i] * (desired[i] - offset[i]), weight[i], 1});
    while (blocks.size() > 1 && blocks[blocks.size() - 2].value() > blocks.back().value()) {
      Block last = blocks.back();
      blocks.pop_back();
      blocks.back().sum_wy += last.sum_wy;
      blocks.back().sum_w += last.sum_w;
      blocks.back().count += last.count;
    }
  }
  std::vector<double> x;
  x.reserve(n);
  for (const Block& b : blocks)
    for (size_t k = 0; k < b.count; ++k) x.push_back(b.value() + offset[x.size()]);
  return x;
}

// Moves the boxes of one rank towards the mean x of their neighbours on `side` (a box without
// any stays where it is, with a small weight so it yields to the others).
void place_rank(DiagramLayout& layout, const Ranked& g, size_t rank,
                const std::vector<std::vector<size_t>>& side, const LayoutSizes& sizes) {
  const std::vector<size_t>& boxes = g.order[rank];
  size_t n = boxes.size();
  if (n == 0) return;
  std::vector<double> desired(n), weight(n), gap(n, 0.0);
  for (size_t i = 0; i < n; ++i) {
    const LayoutBox& b = layout.boxes[boxes[i]];
    auto x_of = [&](size_t u) { return layout.boxes[u].x; };
    bool linked = mean_over(side[boxes[i]], x_of, desired[i]);
    if (!linked) desired[i] = b.x;
    weight[i] = linked ? 1.0 : 0.05;
    if (i + 1 < n) {
      const LayoutBox& next = layout.boxes[boxes[i + 1]];
      bool channel = b.dummy() || next.dummy();
      gap[i] = (b.width + next.width) / 2 + (channel ? sizes.channel_gap : sizes.node_gap);
    }
  }
  std::vector<double> x = fit_in_order(desired, weight, gap);
  for (size_t i = 0; i < n; ++i) layout.boxes[boxes[i]].x = x[i];
}

constexpr int kOrderSweeps = 6;

constexpr int kPlaceSweeps = 8;

}  // namespace

std::vector<size_t> longest_path_ranks(const Diagram& d) {
  // Edges go from an earlier node to a later one (a tensor is produced before it is read), so
  // one pass in node order sees every source's rank before its targets.
  std::vector<std::vector<size_t>> sources(d.nodes.size());
  for (const DiagramEdge& e : d.edges) sources[e.to].push_back(e.from);
  std::vector<size_t> rank(d.nodes.size(), 0);
  for (size_t n = 0; n < d.nodes.size(); ++n)
    for (size_t s : sources[n]) rank[n] = std::max(rank[n], rank[s] + 1);
  return rank;
}

DiagramLayout layered_layout(const Diagram& d, const std::vector<double>& widths,
                             const LayoutSizes& sizes) {
  DiagramLayout layout;
  std::vector<size_t> rank = longest_path_ranks(d);
  for (size_t n = 0; n < d.nodes.size(); ++n)
    layout.boxes.push_back({0, 0, widths[n], sizes.node_height, rank[n], n});
  for (size_t r : rank) layout.ranks = std::max(layout.ranks, r + 1);

  Ranked g;
  g.order.resize(layout.ranks);
  for (size_t n = 0; n < d.nodes.size(); ++n) g.order[rank[n]].push_back(n);
  // Each edge's route: its source, one dummy point per rank it crosses, its target.
  size_t dummy_budget = limits::kMaxDiagramDummyPoints;
  for (const DiagramEdge& e : d.edges) {
    std::vector<size_t> route{e.from};
    size_t crossed = rank[e.to] - rank[e.from] - 1;
    bool routed = crossed <= dummy_budget;
    if (routed) dummy_budget -= crossed;
    for (size_t r = rank[e.from] + 1; routed && r < rank[e.to]; ++r) {
      layout.boxes.push_back({0, 0, 0, 0, r, static_cast<size_t>(-1)});
      g.order[r].push_back(layout.boxes.size() - 1);
      route.push_back(layout.boxes.size() - 1);
    }
    route.push_back(e.to);
    layout.routes.push_back(std::move(route));
  }
  g.up.resize(layout.boxes.size());
  g.down.resize(layout.boxes.size());
  for (const auto& route : layout.routes) {
    for (size_t i = 0; i + 1 < route.size(); ++i) {
      g.down[route[i]].push_back(route[i + 1]);
      g.up[route[i + 1]].push_back(route[i]);
    }
  }
  g.position.assign(layout.boxes.size(), 0);
  for (size_t r = 0; r < layout.ranks; ++r) renumber(g, r);

  for (int sweep = 0; sweep < kOrderSweeps; ++sweep) {
    for (size_t r = 1; r < layout.ranks; ++r) order_by_barycenter(g, r, g.up);
    for (size_t r = layout.ranks; r-- > 1;) order_by_barycenter(g, r - 1, g.down);
  }
  // A first placement packed from the left, then alternate sweeps towards the neighbours.
  for (size_t r = 0; r < layout.ranks; ++r) {
    double x = 0;
    for (size_t b : g.order[r]) {
      layout.boxes[b].x = x + layout.boxes[b].width / 2;
      x += layout.boxes[b].width + sizes.node_gap;
    }
  }
  for (int sweep = 0; sweep < kPlaceSweeps; ++sweep) {
    for (size_t r = 1; r < layout.ranks; ++r) place_rank(layout, g, r, g.up, sizes);
    for (size_t r = layout.ranks; r-- > 1;) place_rank(layout, g, r - 1, g.down, sizes);
  }
  for (size_t r = 1; r < layout.ranks; ++r) place_rank(layout, g, r, g.up, sizes);

  // Shift everything right of the margin, and give each rank its row.
  double left = 0, right = 0;
  bool first = true;
  for (const LayoutBox& b : layout.boxes) {
    if (first || b.x - b.width / 2 < left) left = b.x - b.width / 2;
    if (first || b.x + b.width / 2 > right) right = b.x + b.width / 2;
    first = false;
  }
  double pitch = sizes.node_height + sizes.rank_gap;
  for (LayoutBox& b : layout.boxes) {
    b.x += sizes.margin - left;
    b.y = sizes.top + sizes.node_height / 2 + static_cast<double>(b.rank) * pitch;
  }
  layout.width = right - left + 2 * sizes.margin;
  layout.height = sizes.top + static_cast<double>(layout.ranks) * pitch - sizes.rank_gap +
                  sizes.margin + sizes.rank_gap / 2;
  return layout;
}

}  // namespace netshape
