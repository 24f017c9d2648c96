// The typed attributes a layer's shape rule decided and its forward runs, so the executor runs
// exactly what inference computed (no string-keyed lookups between the two).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "netshape/small_dims.hpp"

namespace netshape {

// The sets PyTorch accepts are closed, so each is an enum; the rules parse the argument as
// written and the messages print it back with name_of.
enum class PaddingMode { zeros, reflect, replicate, circular };
enum class GeluApproximate { none, tanh };
enum class InterpolateMode { nearest, linear, bilinear, bicubic, trilinear, area, nearest_exact };
enum class GridPadding { zeros, border, reflection };  // grid_sample's padding_mode
enum class BagMode { sum, mean, max };                 // nn.EmbeddingBag's mode
enum class Rounding { none, trunc, floor };            // torch.div's rounding_mode
enum class LossReduction { none, mean, sum };          // the losses' reduction
// What a recurrent row gives: the output sequence (a cell's new h), the final hidden state h_n,
// or the final cell state (an LSTM's c_n, an LSTMCell's new c).
enum class RecurrentResult : uint8_t { output, hidden, cell };

std::optional<PaddingMode> parse_padding_mode(std::string_view s);
std::optional<GeluApproximate> parse_gelu_approximate(std::string_view s);
std::optional<InterpolateMode> parse_interpolate_mode(std::string_view s);
std::optional<GridPadding> parse_grid_padding(std::string_view s);
const char* name_of(PaddingMode m);
const char* name_of(InterpolateMode m);

// An attribute's list of ints: one per spatial dim, inline (up to 3), so a layer's attributes
// cost no allocation; longer lists (F.pad's, permute's order, a long normalized_shape) go to the
// heap.
using AttrInts = SmallVector<int64_t, 3>;

// Spatial values are normalised to one per spatial dim. Each field is written by the rules of the
// families named in its comment; the other families leave it at its default (PyTorch's where the
// forward relies on one).
struct Attrs {
  // conv, conv_transpose (bias also linear; kernel_size, stride and dilation also the pools,
  // unfold and fold)
  int64_t in_channels = 0, out_channels = 0, groups = 1;
  bool bias = true;  // not read by the forwards: the weights show it
  AttrInts kernel_size, stride, dilation;
  // conv: the real per-side pads ('same' may pad one more at the end than at the beginning)
  AttrInts pad_begin, pad_end;
  PaddingMode padding_mode = PaddingMode::zeros;  // conv; pad (F.pad's 'constant' is zeros)
  // conv_transpose, max_pool, avg_pool, unfold, fold: per spatial dim; constant_pad: left,
  // right, top, bottom; pad: F.pad's list (before and after of the last dim, then of the one
  // before, ...)
  AttrInts padding;
  AttrInts output_padding;  // conv_transpose

  // max_pool, avg_pool (the last two avg_pool only)
  bool ceil_mode = false;
  bool count_include_pad = true;
  std::optional<int64_t> divisor_override;

  AttrInts output_size;  // adaptive pools; fold: the image's height and width

  // batch_norm, instance_norm, layer_norm, group_norm
  double eps = 1e-5;
  bool affine = true;  // batch_norm, instance_norm, group_norm; not read: the weights show it
  // batch_norm, instance_norm: eval mode normalises with the running statistics
  // (track_running_stats; netshape's are PyTorch's first, mean 0 and variance 1), else with the
  // input's own
  bool running_stats = true;
  AttrInts normalized_shape;  // layer_norm
  // batch_norm, layer_norm (the functions): the inputs that are their weight, bias and running
  // statistics (-1: none)
  int weight_input = -1, bias_input = -1, mean_input = -1, var_input = -1;
  int64_t num_groups = 1;  // group_norm
  // embedding: each row it reads whose norm of order `p` passes max_norm is scaled to it first
  // (embedding_renorm_); none when not given
  std::optional<double> max_norm;
  Rounding rounding = Rounding::none;  // div: the quotient truncated or floored (as `//`)
  // embedding (EmbeddingBag): how a bag reduces its rows; which inputs are the offsets and the
  // per-sample weights (-1: none); offsets with the end of the last bag; the row a bag skips
  // (-1: none; a negative padding_idx wrapped)
  BagMode bag_mode = BagMode::mean;
  int offsets_input = -1, sample_weights_input = -1;
  bool include_last_offset = false;
  int64_t padding_idx = -1;

  // elementwise (activations, dropout), dropout_nd
  double p = 0.5;  // dropout (inference mode does not use it); norm, cdist: the order
  // cdist: compute_mode as at::cdist numbers it: 0 a matmul for p=2 over 25 rows, 1 a matmul for
  // p=2, 2 never (the memory estimate follows what the matmul form keeps)
  int cdist_mode = 0;
  // elementwise_loss: how the elements' losses are reduced, and smooth_l1's beta (huber's delta)
  LossReduction reduction = LossReduction::mean;
  double loss_beta = 1.0;
  GeluApproximate approximate = GeluApproximate::none;  // gelu
  double negative_slope = 0.01;                         // leaky_relu
  double alpha = 1.0;                                   // elu, celu
  double beta = 1.0, threshold = 20.0;                  // softplus; threshold: the threshold
  double min_val = -1.0, max_val = 1.0;                 // hardtanh
  double lambd = 0.5;                                   // softshrink, hardshrink
  double lower = 0.125, upper = 1.0 / 3.0;              // rrelu
  // local_response_norm: the channels each output averages over (size), and k (alpha and beta
  // above)
  int64_t window = 1;  // windows (Tensor.unfold): the window's size
  double k = 1.0;
  double init = 0.25;  // prelu: its weight's first value

  // softmax, cat, stack, unsqueeze, narrow, select, windows (wrapped to be non-negative);
  // squeeze: the dim given, -1 when none was (every size-1 dim)
  int64_t dim = 0;
  int64_t start = 0;       // narrow: the first index kept; select: the index (wrapped)
  int64_t slice_step = 1;  // slice: every slice_step-th element from start is kept; windows: step
  int64_t start_dim = 0, end_dim = 0;  // flatten (wrapped)
  // transpose: the two swapped dims; mean (and sum): the reduced dims; permute: the new order;
  // squeeze: the dims it removes
  AttrInts dims;
  // roll: how far each of `dims` moves its elements, as written (dims empty: one shift of the
  // tensor flattened)
  AttrInts shifts;
  // index: the positions along `dim` it keeps, in order, as written (the forward wraps negatives)
  AttrInts positions;
  // setitem: the place written, as four numbers per item of the index, from the left: the kind
  // (kSelectItem, kSliceItem, kNewAxisItem), then a select's index (wrapped), or a slice's first
  // element, its length (-1: the whole dim, a batch) and step. Every dim of the input has a
  // select or a slice item.
  static constexpr int64_t kSelectItem = 0, kSliceItem = 1, kNewAxisItem = 2;
  AttrInts index_items;
  int64_t factor = 1;       // pixel_shuffle: upscale_factor (pixel_unshuffle: downscale)
  int64_t num_classes = 0;  // one_hot: the length of each row (the forward checks the indices)
  double correction = 1.0;  // std, var: the divisor is the count minus this (Bessel's: 1)
  double value = 0.0;  // constant_pad, pad, masked_fill: the fill value; threshold: what replaces x
                       // <= threshold
  double first = 0.0, step = 1.0;  // arange: the first value and the step
  double last = 0.0;               // linspace: the last value (`first` the first)
  int64_t diagonal = 0;            // triangle: the diagonal that bounds what tril/triu keep
  bool descending = false;         // sort: the largest first; topk: largest=True
  bool stable = false;   // sort: std::stable_sort (else std::sort, as PyTorch's CPU kernel)
  bool indices = false;  // sort, topk: the row gives where the values came from (int64)
  // index: an index tensor of values netshape does not know, made from constants (a buffer
  // __init__ computed): whether they are inside the dim is left to PyTorch (a warning says so)
  bool values_unchecked = false;

  // attention (nn.MultiheadAttention); add_bias_kv shows in the weights (bias_k, bias_v)
  int64_t num_heads = 1;
  bool batch_first = false;
  bool add_zero_attn = false;
  // the row gives the attention weights (a second result), not the output: averaged over the
  // heads, or per head
  enum class AttentionWeights : uint8_t { none, averaged, per_head };
  AttentionWeights attention_weights = AttentionWeights::none;
  // its masks: the input that is each (-1: none), and whether it masks where it is nonzero (a
  // bool one; a key_padding_mask also beside a bool attn_mask) or is added to the scores
  int key_padding_mask_input = -1, attn_mask_input = -1;
  bool key_padding_mask_masks = false, attn_mask_masks = false;

  // recurrent (nn.RNN, LSTM, GRU; batch_first above); the sizes show in the weights
  int64_t num_layers = 1;
  bool bidirectional = false;
  // which result the row gives: an RNN's output or final states; a cell's new h, or c
  RecurrentResult recurrent_result = RecurrentResult::output;
  bool relu_nonlinearity = false;  // RNN: nonlinearity='relu' (tanh otherwise)

  // einsum: the loops of its sum, one per label and per dim of `...`, the output's first (in its
  // order), then the summed ones; each operand's dims as loop numbers (a label repeated in one
  // operand names one loop twice: its diagonal)
  int64_t loops = 0, output_loops = 0;
  std::vector<AttrInts> operand_loops;

  // interpolate
  InterpolateMode mode = InterpolateMode::nearest;
  AttrInts size;                               // the output's spatial size
  std::vector<double> scale_factor;            // per spatial dim when given (empty when size was)
  std::optional<bool> align_corners;           // None means False
  std::optional<bool> recompute_scale_factor;  // True: the forward uses in/out, not scale_factor
  bool antialias = false;

  // grid_sample (mode and align_corners above: bilinear, nearest or bicubic)
  GridPadding grid_padding = GridPadding::zeros;

  // Every field equal: inference keeps one record per distinct set (AttrsTable), so a model's
  // layers share them (a ResNet's 3x3 convolutions have a handful between them).
  bool operator==(const Attrs&) const = default;
};

// Immutable records shared by equal values: an analysis keeps one record per distinct value (a
// layer's attributes, its weight shapes), and each layer points at its own. A record is read
// by many layers and changed by none, so an analysis and its copies may share them. `hash_of`
// (for T, in T's namespace) hashes the fields that tell values apart most often; operator==
// decides.
template <typename T>
class RecordTable {
 public:
  // The kept record equal to `v` (kept now if it is new).
  std::shared_ptr<const T> keep(const T& v) {
    auto& bucket = by_hash_[hash_of(v)];
    for (const auto& kept : bucket)
      if (*kept == v) return kept;
    bucket.push_back(std::make_shared<const T>(v));
    return bucket.back();
  }

 private:
  std::unordered_map<uint64_t, std::vector<std::shared_ptr<const T>>> by_hash_;
};

// FNV-1a over 64-bit words, for the records' hash_of: one mixing step, from kRecordHashSeed.
inline constexpr uint64_t kRecordHashSeed = 1469598103934665603ull;
inline uint64_t record_hash_mix(uint64_t h, uint64_t v) {
  return (h ^ v) * 1099511628211ull;
}

uint64_t hash_of(const Attrs& a);

// A layer's attributes: 568 bytes, of which a model has a handful of distinct sets.
class AttrsTable : public RecordTable<Attrs> {
 public:
  // The record of a layer whose rule wrote none: every default.
  static const std::shared_ptr<const Attrs>& defaults();
};

}  // namespace netshape
