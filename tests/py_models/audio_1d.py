# A 1-D conv net for audio/ECG signals: channel lists, zip over slices, a while loop.
import torch
import torch.nn as nn


class Conv1dNet(nn.Module):
    def __init__(self, channels=(1, 16, 32, 64), kernel=7, num_classes=4, length=1000):
        super().__init__()
        layers = []
        for cin, cout in zip(channels[:-1], channels[1:]):
            layers.extend([nn.Conv1d(cin, cout, kernel, padding=kernel // 2), nn.BatchNorm1d(cout),
                           nn.ReLU(), nn.MaxPool1d(2)])
            length = length // 2
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(channels[-1] * length, num_classes)

    def forward(self, x):
        x = self.body(x)
        x = x.view(x.size(0), -1)
        return self.head(x)


model = Conv1dNet()
# input: [8, 1, 1000]
