"""Sinusoidal position tables the way transformer tutorials and course repos build them in
__init__: a zero table filled by slice assignment from sin/cos of `position * div_term`
(sequence-first, as the PyTorch language-model tutorial; batch-first with a leading unsqueeze),
and a table joined with torch.cat from an outer product of positions and inverse frequencies.
The tables are buffers; forward adds the rows the input needs. The input is token ids."""
import math

import torch
import torch.nn as nn

# input: [B, 40] long


class SeqFirstPositions(nn.Module):
    """Table [max_len, 1, d_model]: one row per position, broadcast over the batch."""

    def __init__(self, d_model, dropout=0.1, max_len=512):
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)
        position = torch.arange(max_len).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        table = torch.zeros(max_len, 1, d_model)
        table[:, 0, 0::2] = torch.sin(position * div_term)
        table[:, 0, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", table)

    def forward(self, x):
        # x: [seq_len, batch, d_model]
        x = x + self.pe[:x.size(0)]
        return self.dropout(x)


class WordLanguageModel(nn.Module):
    def __init__(self, ntoken=1000, d_model=64, nhead=4, d_hid=128, nlayers=2, dropout=0.2):
        super().__init__()
        self.embed = nn.Embedding(ntoken, d_model)
        self.pos_encoder = SeqFirstPositions(d_model, dropout)
        layer = nn.TransformerEncoderLayer(d_model, nhead, d_hid, dropout)
        self.encoder = nn.TransformerEncoder(layer, nlayers)
        self.d_model = d_model
        self.head = nn.Linear(d_model, ntoken)

    def forward(self, src):
        # src: [seq_len, batch] token ids
        h = self.embed(src) * math.sqrt(self.d_model)
        h = self.pos_encoder(h)
        return self.head(self.encoder(h))


class BatchFirstPositions(nn.Module):
    def __init__(self, d_model, max_len=100):
        super().__init__()
        pe = torch.zeros(max_len, d_model)
        position = torch.arange(0, max_len, dtype=torch.float).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2).float() * -(math.log(10000.0) / d_model))
        pe[:, 0::2] = torch.sin(position * div_term)
        pe[:, 1::2] = torch.cos(position * div_term)
        pe = pe.unsqueeze(0)  # [1, max_len, d_model]
        self.register_buffer("pe", pe)

    def forward(self, x):
        return x + self.pe[:, :x.size(1)]


class TokenTagger(nn.Module):
    def __init__(self, vocab=500, d_model=32, n_tags=9):
        super().__init__()
        self.tok = nn.Embedding(vocab, d_model, padding_idx=0)
        self.pos = BatchFirstPositions(d_model)
        self.mix = nn.TransformerEncoderLayer(d_model, 4, 64, batch_first=True)
        self.out = nn.Linear(d_model, n_tags)

    def forward(self, tokens):
        return self.out(self.mix(self.pos(self.tok(tokens))))


def sinusoid_table(n_position, d_hid):
    inv_freq = 1.0 / (10000 ** (torch.arange(0, d_hid, 2).float() / d_hid))
    angles = torch.outer(torch.arange(n_position).float(), inv_freq)
    return torch.cat([angles.sin(), angles.cos()], dim=-1)


class MeanPoolClassifier(nn.Module):
    def __init__(self, vocab=300, d=24, classes=3, max_len=64):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.register_buffer("table", sinusoid_table(max_len, d).unsqueeze(0))
        self.proj = nn.Linear(d, classes)

    def forward(self, ids):
        h = self.emb(ids) + self.table[:, :ids.shape[1], :]
        return self.proj(h.mean(dim=1))


model = TokenTagger()
