# A model configured by a dict of hyperparameters, with a @classmethod that builds it from the
# dict, a @staticmethod conv helper, and **kwargs forwarded from factories.
import torch
import torch.nn as nn
import torch.nn.functional as F

HPARAMS = {
    "small": {"channels": [16, 32, 64], "hidden": 128, "dropout": 0.25},
    "large": {"channels": [32, 64, 128, 256], "hidden": 512, "dropout": 0.5},
}


class SimpleCNN(nn.Module):
    def __init__(self, channels, hidden, dropout=0.0, in_channels=3, num_classes=10,
                 image_size=32):
        super().__init__()
        blocks = []
        for c in channels:
            blocks.append(self.conv_block(in_channels, c))
            in_channels = c
        self.blocks = nn.Sequential(*blocks)
        spatial = image_size // 2 ** len(channels)
        self.fc1 = nn.Linear(in_channels * spatial * spatial, hidden)
        self.fc2 = nn.Linear(hidden, num_classes)
        self.dropout = dropout

    @staticmethod
    def conv_block(cin, cout):
        return nn.Sequential(
            nn.Conv2d(cin, cout, kernel_size=3, padding=1),
            nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True),
            nn.Conv2d(cout, cout, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
        )

    @classmethod
    def from_hparams(cls, name, **kwargs):
        hp = dict(HPARAMS[name])
        hp.update(kwargs)
        return cls(**hp)

    def forward(self, x):
        x = self.blocks(x)
        x = x.reshape(x.shape[0], -1)
        x = F.dropout(F.relu(self.fc1(x)), p=self.dropout, training=self.training)
        return self.fc2(x)


def small_cnn(**kwargs):
    return SimpleCNN.from_hparams("small", **kwargs)


def large_cnn(num_classes=100, **kwargs):
    return SimpleCNN.from_hparams("large", num_classes=num_classes, **kwargs)


# input: [2, 3, 32, 32]
