"""Text models written the way NLP tutorials and course repos write them: a Kim-style CNN over
word embeddings with one convolution per kernel size in a ModuleList, a sentiment LSTM joining
the two directions' final states, a character-level GRU language model scoring every step, and a
small transformer encoder with learned position embeddings made from torch.arange. Their input is
token ids: the comment below declares it int64, as a DataLoader of token ids gives it."""
import torch
import torch.nn as nn
import torch.nn.functional as F

# input: [B, 40] long

VOCAB_SIZE = 8000
PAD_IDX = 1


class KimCNN(nn.Module):
    def __init__(self, vocab_size=VOCAB_SIZE, embed_dim=100, n_filters=64, filter_sizes=(3, 4, 5),
                 output_dim=5, dropout=0.5, pad_idx=PAD_IDX):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=pad_idx)
        self.convs = nn.ModuleList([
            nn.Conv1d(in_channels=embed_dim, out_channels=n_filters, kernel_size=fs)
            for fs in filter_sizes
        ])
        self.fc = nn.Linear(len(filter_sizes) * n_filters, output_dim)
        self.dropout = nn.Dropout(dropout)

    def forward(self, text):
        # text = [batch size, sent len]
        embedded = self.embedding(text)
        # embedded = [batch size, emb dim, sent len]
        embedded = embedded.permute(0, 2, 1)
        conved = [F.relu(conv(embedded)) for conv in self.convs]
        pooled = [F.max_pool1d(conv, conv.shape[2]).squeeze(2) for conv in conved]
        cat = self.dropout(torch.cat(pooled, dim=1))
        return self.fc(cat)


class SentimentLSTM(nn.Module):
    def __init__(self, vocab_size, embedding_dim, hidden_dim, output_dim, n_layers,
                 bidirectional, dropout, pad_idx):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=pad_idx)
        self.rnn = nn.LSTM(embedding_dim, hidden_dim, num_layers=n_layers,
                           bidirectional=bidirectional, dropout=dropout, batch_first=True)
        self.fc = nn.Linear(hidden_dim * 2, output_dim)
        self.dropout = nn.Dropout(dropout)

    def forward(self, text):
        embedded = self.dropout(self.embedding(text))
        output, (hidden, cell) = self.rnn(embedded)
        hidden = self.dropout(torch.cat((hidden[-2, :, :], hidden[-1, :, :]), dim=1))
        return self.fc(hidden)


def sentiment_lstm():
    return SentimentLSTM(VOCAB_SIZE, 100, 128, 1, 2, True, 0.5, PAD_IDX)


class CharRNN(nn.Module):
    """Predicts the next character at every step."""

    def __init__(self, n_chars=96, embed=32, hidden=128, layers=2):
        super(CharRNN, self).__init__()
        self.encoder = nn.Embedding(n_chars, embed)
        self.gru = nn.GRU(embed, hidden, layers, batch_first=True)
        self.decoder = nn.Linear(hidden, n_chars)

    def forward(self, x):
        out, h = self.gru(self.encoder(x))
        return self.decoder(out)


def char_rnn():
    return CharRNN()


class TinyEncoder(nn.Module):
    def __init__(self, vocab=VOCAB_SIZE, d_model=64, heads=4, depth=2, max_len=128, classes=3):
        super().__init__()
        self.tok_emb = nn.Embedding(vocab, d_model)
        self.pos_emb = nn.Embedding(max_len, d_model)
        layer = nn.TransformerEncoderLayer(d_model, heads, dim_feedforward=4 * d_model,
                                           batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=depth)
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, classes)

    def forward(self, ids):
        b, t = ids.shape
        positions = torch.arange(0, t, device=ids.device)
        x = self.tok_emb(ids) + self.pos_emb(positions)
        x = self.encoder(x)
        return self.head(self.norm(x.mean(dim=1)))


def tiny_encoder():
    return TinyEncoder()
