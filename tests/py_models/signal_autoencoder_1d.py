# A 1-D convolutional autoencoder for fixed-length sensor windows: Conv1d encoder with
# strided convs, ConvTranspose1d decoder, a bottleneck Linear pair through view().
import torch
import torch.nn as nn


class SignalAE(nn.Module):
    def __init__(self, channels=6, length=256, filters=(32, 64, 128), code=64):
        super().__init__()
        enc = []
        cin = channels
        for f in filters:
            enc += [nn.Conv1d(cin, f, kernel_size=5, stride=2, padding=2), nn.BatchNorm1d(f),
                    nn.GELU()]
            cin = f
        self.encoder = nn.Sequential(*enc)
        self.reduced = length // 2 ** len(filters)
        self.last = filters[-1]
        self.to_code = nn.Linear(self.last * self.reduced, code)
        self.from_code = nn.Linear(code, self.last * self.reduced)
        dec = []
        for f in reversed(filters[:-1]):
            dec += [nn.ConvTranspose1d(cin, f, kernel_size=4, stride=2, padding=1),
                    nn.BatchNorm1d(f), nn.GELU()]
            cin = f
        dec.append(nn.ConvTranspose1d(cin, channels, kernel_size=4, stride=2, padding=1))
        self.decoder = nn.Sequential(*dec)

    def forward(self, x):
        h = self.encoder(x)
        z = self.to_code(h.view(h.size(0), -1))
        h = self.from_code(z).view(-1, self.last, self.reduced)
        return self.decoder(h)


model = SignalAE()
# input: [4, 6, 256]
