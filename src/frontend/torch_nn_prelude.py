# torch.nn's transformer modules as netshape reads them: netshape's own Python, built into the
# binary (python_prelude.cpp embeds this file) and read by its interpreter when a model builds
# nn.TransformerEncoderLayer and the rest. The constructors' signatures, the submodules and their
# names, the order of the layers in forward and the errors are PyTorch 1.13's
# (torch/nn/modules/transformer.py); masks go to nn.MultiheadAttention, which checks them.
# Also nn.ParameterList and nn.ParameterDict, and einops's two torch layers (einops.layers.torch),
# at the end.
import copy

import einops
import torch
import torch.nn as nn
import torch.nn.functional as F


def _activation(activation):
    if activation == "relu":
        return F.relu
    if activation == "gelu":
        return F.gelu
    if isinstance(activation, str):
        raise RuntimeError("activation should be relu/gelu, not {}".format(activation))
    return activation


def _relu_or_gelu(activation):
    return (activation is F.relu or activation is F.gelu
            or isinstance(activation, (nn.ReLU, nn.GELU)))


def _copies(layer, n):
    return nn.ModuleList([copy.deepcopy(layer) for _ in range(n)])


class TransformerEncoderLayer(nn.Module):
    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=F.relu,
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, device=None,
                 dtype=None):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d_model, nhead, dropout=dropout,
                                               batch_first=batch_first)
        self.linear1 = nn.Linear(d_model, dim_feedforward)
        self.dropout = nn.Dropout(dropout)
        self.linear2 = nn.Linear(dim_feedforward, d_model)
        self.norm_first = norm_first
        self.norm1 = nn.LayerNorm(d_model, eps=layer_norm_eps)
        self.norm2 = nn.LayerNorm(d_model, eps=layer_norm_eps)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)
        self.activation = _activation(activation)

    def forward(self, src, src_mask=None, src_key_padding_mask=None):
        x = src
        if self.norm_first:
            x = x + self._attention(self.norm1(x), src_mask, src_key_padding_mask)
            x = x + self._feed_forward(self.norm2(x))
        else:
            x = self.norm1(x + self._attention(x, src_mask, src_key_padding_mask))
            x = self.norm2(x + self._feed_forward(x))
        return x

    def _attention(self, x, mask, padding_mask):
        out = self.self_attn(x, x, x, attn_mask=mask, key_padding_mask=padding_mask,
                             need_weights=False)[0]
        return self.dropout1(out)

    def _feed_forward(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerDecoderLayer(nn.Module):
    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=F.relu,
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, device=None,
                 dtype=None):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d_model, nhead, dropout=dropout,
                                               batch_first=batch_first)
        self.multihead_attn = nn.MultiheadAttention(d_model, nhead, dropout=dropout,
                                                    batch_first=batch_first)
        self.linear1 = nn.Linear(d_model, dim_feedforward)
        self.dropout = nn.Dropout(dropout)
        self.linear2 = nn.Linear(dim_feedforward, d_model)
        self.norm_first = norm_first
        self.norm1 = nn.LayerNorm(d_model, eps=layer_norm_eps)
        self.norm2 = nn.LayerNorm(d_model, eps=layer_norm_eps)
        self.norm3 = nn.LayerNorm(d_model, eps=layer_norm_eps)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)
        self.dropout3 = nn.Dropout(dropout)
        self.activation = _activation(activation)
        self.relu_after_copy = False  # see TransformerDecoder

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None):
        x = tgt
        if self.norm_first:
            x = x + self._attention(self.norm1(x), tgt_mask, tgt_key_padding_mask)
            x = x + self._cross(self.norm2(x), memory, memory_mask, memory_key_padding_mask)
            x = x + self._feed_forward(self.norm3(x))
        else:
            x = self.norm1(x + self._attention(x, tgt_mask, tgt_key_padding_mask))
            x = self.norm2(x + self._cross(x, memory, memory_mask, memory_key_padding_mask))
            x = self.norm3(x + self._feed_forward(x))
        return x

    def _attention(self, x, mask, padding_mask):
        out = self.self_attn(x, x, x, attn_mask=mask, key_padding_mask=padding_mask,
                             need_weights=False)[0]
        return self.dropout1(out)

    def _cross(self, x, memory, mask, padding_mask):
        out = self.multihead_attn(x, memory, memory, attn_mask=mask,
                                  key_padding_mask=padding_mask, need_weights=False)[0]
        return self.dropout2(out)

    def _feed_forward(self, x):
        activation = F.relu if self.relu_after_copy else self.activation
        return self.dropout3(self.linear2(self.dropout(activation(self.linear1(x)))))


class TransformerEncoder(nn.Module):
    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True,
                 mask_check=True):
        super().__init__()
        self.layers = _copies(encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor

    def forward(self, src, mask=None, src_key_padding_mask=None):
        if len(self.layers) == 0:  # PyTorch 1.13 reads its first layer before anything
            raise IndexError("index 0 is out of range")
        if self._fast_path_may_cut(src, mask, src_key_padding_mask):
            torch._netshape_warn(
                "in eval mode under torch.no_grad(), PyTorch 1.13 runs this TransformerEncoder "
                "on its fast path, which drops the padded positions: dim 1 of its output is "
                "then the longest unpadded sequence of the batch (src_key_padding_mask's values "
                "decide it), not the full length netshape gives (PyTorch's in training or with "
                "grad enabled)",
                "to keep the full length in inference too, build it with "
                "enable_nested_tensor=False",
                "nested-tensor-fast-path")
        out = src
        for layer in self.layers:
            out = layer(out, src_mask=mask, src_key_padding_mask=src_key_padding_mask)
        if self.norm is not None:
            out = self.norm(out)
        return out

    # The conditions of PyTorch 1.13's sparsity fast path that do not depend on values or on
    # the grad mode (its mask must also be left-aligned, and grad off or nothing requiring it).
    def _fast_path_may_cut(self, src, mask, padding_mask):
        first = self.layers[0]
        return (isinstance(first, TransformerEncoderLayer) and not first.norm_first
                and first.self_attn.batch_first and _relu_or_gelu(first.activation)
                and src.dim() == 3 and self.enable_nested_tensor and padding_mask is not None
                and mask is None and first.self_attn.num_heads % 2 == 0)


class TransformerDecoder(nn.Module):
    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__()
        self.layers = _copies(decoder_layer, num_layers)
        # PyTorch 1.13's TransformerDecoderLayer.__setstate__, which deepcopy runs, sets
        # `activation` to F.relu in the copy's __dict__ when it is a module: the copies apply
        # ReLU, and the module stays registered (counted, never applied).
        for layer in self.layers:
            layer.relu_after_copy = isinstance(layer.activation, nn.Module)
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None):
        out = tgt
        for layer in self.layers:
            out = layer(out, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                        tgt_key_padding_mask=tgt_key_padding_mask,
                        memory_key_padding_mask=memory_key_padding_mask)
        if self.norm is not None:
            out = self.norm(out)
        return out


class Transformer(nn.Module):
    def __init__(self, d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6,
                 dim_feedforward=2048, dropout=0.1, activation=F.relu, custom_encoder=None,
                 custom_decoder=None, layer_norm_eps=1e-5, batch_first=False, norm_first=False,
                 device=None, dtype=None):
        super().__init__()
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            layer = TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout, activation,
                                            layer_norm_eps, batch_first, norm_first)
            self.encoder = TransformerEncoder(layer, num_encoder_layers,
                                              nn.LayerNorm(d_model, eps=layer_norm_eps))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            layer = TransformerDecoderLayer(d_model, nhead, dim_feedforward, dropout, activation,
                                            layer_norm_eps, batch_first, norm_first)
            self.decoder = TransformerDecoder(layer, num_decoder_layers,
                                              nn.LayerNorm(d_model, eps=layer_norm_eps))
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first

    # PyTorch fills a square with -inf and keeps its upper triangle: -inf above the diagonal, 0
    # elsewhere (made here so that `run` computes these values).
    @staticmethod
    def generate_square_subsequent_mask(sz, device='cpu'):
        above = torch.triu(torch.ones(sz, sz, dtype=torch.bool), diagonal=1)
        return torch.zeros(sz, sz).masked_fill(above, float('-inf'))

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
                src_key_padding_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None):
        batched = src.dim() == 3
        if not self.batch_first and src.size(1) != tgt.size(1) and batched:
            raise RuntimeError("the batch number of src and tgt must be equal")
        if self.batch_first and src.size(0) != tgt.size(0) and batched:
            raise RuntimeError("the batch number of src and tgt must be equal")
        if src.size(-1) != self.d_model or tgt.size(-1) != self.d_model:
            raise RuntimeError("the feature number of src and tgt must be equal to d_model")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask)


# nn.ParameterList and nn.ParameterDict (PyTorch 1.13's containers): the interpreter registers
# each entry as their __setitem__ does (a tensor becomes an nn.Parameter) under its index or key,
# and indexes, iterates, counts and lists them itself (extend, append, update, keys, values,
# items).
class ParameterList(nn.Module):
    def __init__(self, values=None):
        super().__init__()
        if values is not None:
            self.extend(values)


class ParameterDict(nn.Module):
    def __init__(self, parameters=None):
        super().__init__()
        if parameters is not None:
            self.update(parameters)


# einops.layers.torch's Rearrange and Reduce (einops 0.8): no parameters; built, they check the
# pattern (einops raises "Error while preparing ..." then); forward applies the pattern as
# einops.rearrange and einops.reduce do, without their "Error while processing" wrapper. netshape
# reads the patterns itself (src/frontend/einops_recipe.cpp). Never nn.Rearrange: there is none.
class Rearrange(nn.Module):
    def __init__(self, pattern, **axes_lengths):
        super().__init__()
        einops._check_layer("Rearrange", pattern, "rearrange", axes_lengths)
        self.pattern = pattern
        self.axes_lengths = axes_lengths

    def forward(self, input):
        return einops._apply_layer(input, self.pattern, "rearrange", self.axes_lengths)


class Reduce(nn.Module):
    def __init__(self, pattern, reduction, **axes_lengths):
        super().__init__()
        einops._check_layer("Reduce", pattern, reduction, axes_lengths)
        self.pattern = pattern
        self.reduction = reduction
        self.axes_lengths = axes_lengths

    def forward(self, input):
        return einops._apply_layer(input, self.pattern, self.reduction, self.axes_lengths)
