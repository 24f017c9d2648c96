# Network in Network (Lin et al. 2013) for CIFAR: mlpconv blocks (a conv then two 1x1 convs),
# a helper that returns a list of layers, global average pooling to class maps and squeeze.
import torch.nn as nn


def nin_block(in_channels, out_channels, kernel_size, stride, padding):
    return [
        nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding),
        nn.ReLU(inplace=True),
        nn.Conv2d(out_channels, out_channels, kernel_size=1),
        nn.ReLU(inplace=True),
        nn.Conv2d(out_channels, out_channels, kernel_size=1),
        nn.ReLU(inplace=True),
    ]


class NiN(nn.Module):
    def __init__(self, num_classes=10):
        super(NiN, self).__init__()
        self.net = nn.Sequential(
            *nin_block(3, 192, 5, 1, 2),
            nn.MaxPool2d(3, stride=2, padding=1),
            nn.Dropout(0.5),
            *nin_block(192, 192, 5, 1, 2),
            nn.AvgPool2d(3, stride=2, padding=1),
            nn.Dropout(0.5),
            *nin_block(192, num_classes, 3, 1, 1),
            nn.AdaptiveAvgPool2d(1),
        )

    def forward(self, x):
        x = self.net(x)
        return x.squeeze(3).squeeze(2)


model = NiN()
# input: [2, 3, 32, 32]
