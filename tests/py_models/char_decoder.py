"""A character-level decoder-only language model, written the way small GPT training scripts
write one: hyperparameters in a dict, a LayerNorm that holds its own weight and an optional bias
as nn.Parameter attributes and calls F.layer_norm with `self.weight.shape`, one Linear making
query, key and value split by `.split`, a causal mask kept as a buffer, the token table tied to
the output head, and at generation time only the last position scored, `x[:, [-1], :]`, with
`(logits, None)` returned when no targets are given."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

HPARAMS = dict(vocab=96, context=32, width=48, heads=4, depth=3, p_drop=0.1, use_bias=False)


class Norm(nn.Module):
    """LayerNorm whose bias can be switched off (nn.LayerNorm in PyTorch 1.13 cannot)."""

    def __init__(self, width, use_bias):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(width))
        self.bias = nn.Parameter(torch.zeros(width)) if use_bias else None

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, self.bias, 1e-5)


class CausalMixer(nn.Module):
    def __init__(self, hp):
        super().__init__()
        self.heads = hp["heads"]
        self.width = hp["width"]
        self.qkv = nn.Linear(hp["width"], 3 * hp["width"], bias=hp["use_bias"])
        self.out = nn.Linear(hp["width"], hp["width"], bias=hp["use_bias"])
        self.drop = nn.Dropout(hp["p_drop"])
        n = hp["context"]
        self.register_buffer("causal", torch.tril(torch.ones(n, n)).view(1, 1, n, n))

    def _split_heads(self, t, steps):
        return t.view(t.size(0), steps, self.heads, self.width // self.heads).transpose(1, 2)

    def forward(self, x):
        b, t, c = x.size()
        q, k, v = self.qkv(x).split(self.width, dim=2)
        q, k, v = [self._split_heads(z, t) for z in (q, k, v)]
        scores = q @ k.transpose(-2, -1) / math.sqrt(k.size(-1))
        scores = scores.masked_fill(self.causal[:, :, :t, :t] == 0, float("-inf"))
        weights = self.drop(F.softmax(scores, dim=-1))
        y = (weights @ v).transpose(1, 2).contiguous().view(b, t, c)
        return self.drop(self.out(y))


class FeedForward(nn.Sequential):
    def __init__(self, hp):
        super().__init__(
            nn.Linear(hp["width"], 4 * hp["width"], bias=hp["use_bias"]),
            nn.GELU(),
            nn.Linear(4 * hp["width"], hp["width"], bias=hp["use_bias"]),
            nn.Dropout(hp["p_drop"]),
        )


class DecoderLayer(nn.Module):
    def __init__(self, hp):
        super().__init__()
        self.norm1 = Norm(hp["width"], hp["use_bias"])
        self.mix = CausalMixer(hp)
        self.norm2 = Norm(hp["width"], hp["use_bias"])
        self.ff = FeedForward(hp)

    def forward(self, x):
        x = x + self.mix(self.norm1(x))
        return x + self.ff(self.norm2(x))


class CharDecoder(nn.Module):
    def __init__(self, hp=HPARAMS):
        super().__init__()
        self.hp = hp
        self.tokens = nn.Embedding(hp["vocab"], hp["width"])
        self.positions = nn.Embedding(hp["context"], hp["width"])
        self.drop = nn.Dropout(hp["p_drop"])
        self.layers = nn.ModuleList(DecoderLayer(hp) for _ in range(hp["depth"]))
        self.norm = Norm(hp["width"], hp["use_bias"])
        self.head = nn.Linear(hp["width"], hp["vocab"], bias=False)
        self.tokens.weight = self.head.weight  # one table for reading and writing
        self.apply(self._init)

    def _init(self, m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, mean=0.0, std=0.02)
        if isinstance(m, nn.Linear) and m.bias is not None:
            nn.init.zeros_(m.bias)

    def forward(self, idx, targets=None):
        b, t = idx.shape
        assert t <= self.hp["context"], "sequence longer than the context"
        pos = torch.arange(t, dtype=torch.long, device=idx.device)
        x = self.drop(self.tokens(idx) + self.positions(pos))
        for layer in self.layers:
            x = layer(x)
        x = self.norm(x)
        if targets is None:
            return self.head(x[:, [-1], :]), None
        logits = self.head(x)
        return logits, F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


# input: [4, 20] long
model = CharDecoder()
