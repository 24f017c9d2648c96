# A language model configured the way LLaMA-style repositories do it: a dataclass whose
# __post_init__ derives the sizes the layers use (the vocabulary padded to a multiple of 64, the
# feed-forward width rounded to `multiple_of`), list fields made by field(default_factory=...),
# and a block per entry of the list.
from dataclasses import dataclass, field
from typing import List, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F


def find_multiple(n: int, k: int) -> int:
    if n % k == 0:
        return n
    return n + k - (n % k)


@dataclass
class LMConfig:
    dim: int = 48
    vocab_size: int = 1000
    multiple_of: int = 32
    hidden_dim: Optional[int] = None
    padded_vocab_size: Optional[int] = None
    dilations: List[int] = field(default_factory=lambda: [1, 2, 4])
    norm_eps: float = field(default=1e-5)

    def __post_init__(self):
        if self.padded_vocab_size is None:
            self.padded_vocab_size = find_multiple(self.vocab_size, 64)
        if self.hidden_dim is None:
            hidden = int(2 * (4 * self.dim) / 3)
            self.hidden_dim = find_multiple(hidden, self.multiple_of)
        self.n_layers = len(self.dilations)


class GatedMLP(nn.Module):
    def __init__(self, cfg: LMConfig):
        super().__init__()
        self.w1 = nn.Linear(cfg.dim, cfg.hidden_dim, bias=False)
        self.w3 = nn.Linear(cfg.dim, cfg.hidden_dim, bias=False)
        self.w2 = nn.Linear(cfg.hidden_dim, cfg.dim, bias=False)

    def forward(self, x):
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


class Block(nn.Module):
    def __init__(self, cfg: LMConfig, dilation: int):
        super().__init__()
        self.norm = nn.LayerNorm(cfg.dim, eps=cfg.norm_eps)
        self.mix = nn.Conv1d(cfg.dim, cfg.dim, 3, padding=dilation, dilation=dilation,
                             groups=cfg.dim)
        self.mlp = GatedMLP(cfg)

    def forward(self, x):
        h = self.mix(self.norm(x).transpose(1, 2)).transpose(1, 2)
        x = x + h
        return x + self.mlp(x)


class TinyLM(nn.Module):
    def __init__(self, cfg: LMConfig = LMConfig()):
        super().__init__()
        self.embed = nn.Embedding(cfg.padded_vocab_size, cfg.dim)
        self.blocks = nn.ModuleList([Block(cfg, d) for d in cfg.dilations])
        self.head = nn.Linear(cfg.dim, cfg.padded_vocab_size, bias=False)
        assert cfg.n_layers == 3

    def forward(self, idx):
        x = self.embed(idx)
        for block in self.blocks:
            x = block(x)
        return self.head(x)


model = TinyLM(LMConfig(vocab_size=500))
# input: [3, 16] long
