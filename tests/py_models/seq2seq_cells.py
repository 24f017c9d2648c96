# Sequence models that step recurrent cells by hand, the way seq2seq tutorials write decoders:
# a GRU encoder, then an LSTMCell decoder that attends over the encoder's steps at every output
# step and feeds its own prediction back; and a tagger that runs a GRUCell over the time steps.
# input: [2, 7, 5]
import torch
import torch.nn as nn


class AttentionDecoder(nn.Module):
    def __init__(self, hidden, out_dim, steps):
        super().__init__()
        self.out_dim = out_dim
        self.steps = steps
        self.attn = nn.Linear(hidden * 2, 1)
        self.cell = nn.LSTMCell(out_dim + hidden, hidden)
        self.proj = nn.Linear(hidden, out_dim)

    def forward(self, enc_out, h):
        batch, length = enc_out.size(0), enc_out.size(1)
        c = torch.zeros_like(h)
        y = torch.zeros(batch, self.out_dim)
        outputs = []
        for _ in range(self.steps):
            query = h.unsqueeze(1).expand(-1, length, -1)
            scores = self.attn(torch.cat([enc_out, query], dim=2))
            weights = torch.softmax(scores, dim=1)
            context = (weights * enc_out).sum(dim=1)
            h, c = self.cell(torch.cat([y, context], dim=1), (h, c))
            y = self.proj(h)
            outputs.append(y)
        return torch.stack(outputs, dim=1)


class Seq2Seq(nn.Module):
    def __init__(self, in_dim=5, hidden=16, out_dim=3, steps=4):
        super().__init__()
        self.encoder = nn.GRU(in_dim, hidden, batch_first=True)
        self.decoder = AttentionDecoder(hidden, out_dim, steps)

    def forward(self, x):
        enc_out, h_n = self.encoder(x)
        return self.decoder(enc_out, h_n[-1])


class CellTagger(nn.Module):
    def __init__(self, in_dim=5, hidden=12, tags=4):
        super().__init__()
        self.hidden = hidden
        self.cell = nn.GRUCell(in_dim, hidden)
        self.mix = nn.RNNCell(hidden, hidden, nonlinearity="relu")
        self.head = nn.Linear(hidden, tags)

    def forward(self, x):
        h = x.new_zeros(x.size(0), self.hidden)
        g = None
        tags = []
        for t in range(x.size(1)):
            h = self.cell(x[:, t], h)
            g = self.mix(h, g)
            tags.append(self.head(g))
        return torch.stack(tags, dim=1)


model = Seq2Seq()
