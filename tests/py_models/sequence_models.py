"""Recurrent models written the way tutorials and course repos write them: an MNIST-rows LSTM
that builds its (h0, c0) in forward, a bidirectional GRU tagger configured by a dict, a 1-D conv
front end feeding a stacked relu RNN and a projected LSTM, and a sentence classifier joining the
two directions' final states of a stacked bidirectional GRU."""
import torch
import torch.nn as nn

DEVICE = torch.device("cpu")


class RowLSTM(nn.Module):
    def __init__(self, input_size=28, hidden_size=64, num_layers=2, num_classes=10):
        super(RowLSTM, self).__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True)
        self.fc = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        # Set initial hidden and cell states
        h0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size).to(DEVICE)
        c0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size).to(DEVICE)
        out, _ = self.lstm(x, (h0, c0))  # out: (batch, seq, hidden)
        return self.fc(out[:, -1, :])


TAGGER = {"features": 40, "hidden": 48, "layers": 2, "tags": 9, "dropout": 0.25}


class GRUTagger(nn.Module):
    def __init__(self, cfg=TAGGER):
        super().__init__()
        self.gru = nn.GRU(cfg["features"], cfg["hidden"], num_layers=cfg["layers"],
                          dropout=cfg["dropout"], bidirectional=True)
        self.norm = nn.LayerNorm(2 * cfg["hidden"])
        self.classifier = nn.Linear(2 * cfg["hidden"], cfg["tags"])

    def forward(self, frames):
        states, _ = self.gru(frames)  # (time, batch, 2 * hidden)
        return self.classifier(self.norm(states))


class ConvRecurrent(nn.Module):
    def __init__(self, channels=3, width=32):
        super().__init__()
        self.front = nn.Sequential(
            nn.Conv1d(channels, width, 5, padding=2), nn.BatchNorm1d(width), nn.ReLU(),
            nn.MaxPool1d(2))
        self.rnn = nn.RNN(width, width, num_layers=2, nonlinearity="relu", batch_first=True)
        self.lstm = nn.LSTM(width, 2 * width, batch_first=True, proj_size=16)
        self.head = nn.Linear(16, 4)

    def forward(self, x):
        y = self.front(x).transpose(1, 2)  # (batch, time, width)
        h0 = torch.zeros(2, y.shape[0], y.shape[2])
        y, hidden = self.rnn(y, h0)
        y, _ = self.lstm(y)
        return self.head(y.mean(dim=1))


class BiGRUClassifier(nn.Module):
    def __init__(self, embed_dim=30, hidden_dim=24, n_layers=2, n_classes=4, dropout=0.3):
        super().__init__()
        self.rnn = nn.GRU(embed_dim, hidden_dim, num_layers=n_layers, bidirectional=True,
                          dropout=dropout, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(hidden_dim * 2, n_classes)

    def forward(self, embedded):
        # embedded = [batch size, sent len, emb dim]
        output, hidden = self.rnn(embedded)
        # hidden = [n layers * n directions, batch size, hid dim]: the last layer's two
        # directions, forward then backward
        hidden = self.dropout(torch.cat((hidden[-2, :, :], hidden[-1, :, :]), dim=1))
        return self.fc(hidden)


def row_lstm():
    return RowLSTM()


def gru_tagger():
    return GRUTagger()


def conv_recurrent():
    return ConvRecurrent()


def bigru_classifier():
    return BiGRUClassifier()
