"""Transformers that mask their attention, written the way tutorials write them: a language model
with a causal mask made in forward (nn.Transformer.generate_square_subsequent_mask) and the
sinusoidal position table as a buffer, a classifier that masks its padding tokens
(`tokens == pad_id` as src_key_padding_mask), a decoder-only model whose causal mask is a bool
triangle (`torch.triu(torch.ones(t, t), diagonal=1).bool()`) and a translation model given every
mask nn.Transformer takes."""
# input: [35, 4] long
import math

import torch
import torch.nn as nn
from torch import Tensor

PAD_ID = 0


class PositionalEncoding(nn.Module):
    def __init__(self, d_model: int, dropout: float = 0.1, max_len: int = 500):
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)
        position = torch.arange(max_len).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, 1, d_model)
        pe[:, 0, 0::2] = torch.sin(position * div_term)
        pe[:, 0, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe)

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.pe[: x.size(0)]
        return self.dropout(x)


class TransformerLM(nn.Module):
    """Sequence first: [seq_len, batch] token ids in, [seq_len, batch, ntoken] scores out."""

    def __init__(self, ntoken=1000, d_model=64, nhead=4, d_hid=128, nlayers=2, dropout=0.2):
        super().__init__()
        self.pos_encoder = PositionalEncoding(d_model, dropout)
        encoder_layers = nn.TransformerEncoderLayer(d_model, nhead, d_hid, dropout)
        self.transformer_encoder = nn.TransformerEncoder(encoder_layers, nlayers)
        self.encoder = nn.Embedding(ntoken, d_model)
        self.d_model = d_model
        self.decoder = nn.Linear(d_model, ntoken)

    def forward(self, src: Tensor) -> Tensor:
        src_mask = nn.Transformer.generate_square_subsequent_mask(src.size(0))
        src = self.encoder(src) * math.sqrt(self.d_model)
        src = self.pos_encoder(src)
        output = self.transformer_encoder(src, src_mask)
        return self.decoder(output)


class PaddedClassifier(nn.Module):
    """Batch first: [batch, seq_len] token ids, 0 for padding, in; [batch, classes] out."""

    def __init__(self, vocab=500, dim=32, heads=4, layers=2, classes=5, max_len=64):
        super().__init__()
        self.tokens = nn.Embedding(vocab, dim, padding_idx=PAD_ID)
        self.positions = nn.Embedding(max_len, dim)
        layer = nn.TransformerEncoderLayer(dim, heads, dim * 4, dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers)
        self.head = nn.Linear(dim, classes)

    def forward(self, ids):
        padding = ids == PAD_ID
        steps = torch.arange(ids.size(1), device=ids.device)
        x = self.tokens(ids) + self.positions(steps)
        x = self.encoder(x, src_key_padding_mask=padding)
        return self.head(x.mean(dim=1))


class Block(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x, mask):
        h = self.norm1(x)
        x = x + self.attn(h, h, h, attn_mask=mask, need_weights=False)[0]
        return x + self.mlp(self.norm2(x))


class TinyGPT(nn.Module):
    """Batch first, a bool causal mask (True: may not attend), blocks in an nn.ModuleList."""

    def __init__(self, vocab=300, dim=48, heads=6, depth=3, block_size=64):
        super().__init__()
        self.tok = nn.Embedding(vocab, dim)
        self.pos = nn.Parameter(torch.zeros(1, block_size, dim))
        self.blocks = nn.ModuleList([Block(dim, heads) for _ in range(depth)])
        self.ln_f = nn.LayerNorm(dim)
        self.lm_head = nn.Linear(dim, vocab, bias=False)

    def forward(self, idx):
        t = idx.size(1)
        mask = torch.triu(torch.ones(t, t), diagonal=1).bool()
        x = self.tok(idx) + self.pos[:, :t]
        for block in self.blocks:
            x = block(x, mask)
        return self.lm_head(self.ln_f(x))


class Translator(nn.Module):
    """nn.Transformer given every mask: the target is the source shifted by one token."""

    def __init__(self, vocab=200, d_model=32, nhead=4, layers=1):
        super().__init__()
        self.embed = nn.Embedding(vocab, d_model, padding_idx=PAD_ID)
        self.transformer = nn.Transformer(d_model, nhead, layers, layers, dim_feedforward=64,
                                          batch_first=True)
        self.out = nn.Linear(d_model, vocab)

    def forward(self, src_ids):
        tgt_ids = src_ids[:, :-1]
        tgt_mask = nn.Transformer.generate_square_subsequent_mask(tgt_ids.size(1))
        y = self.transformer(self.embed(src_ids), self.embed(tgt_ids), tgt_mask=tgt_mask,
                             src_key_padding_mask=src_ids == PAD_ID,
                             tgt_key_padding_mask=tgt_ids == PAD_ID,
                             memory_key_padding_mask=src_ids == PAD_ID)
        return self.out(y)


model = TransformerLM()
