# Building blocks of a small encoder-decoder segmentation network, in their own file.
import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = ["ConvBlock", "EncoderStage", "DecoderStage", "conv1x1"]


def conv1x1(cin, cout, bias=True):
    return nn.Conv2d(cin, cout, kernel_size=1, bias=bias)


class ConvBlock(nn.Module):
    """conv3x3 -> norm -> activation, repeated `n` times."""

    def __init__(self, cin, cout, n=2, norm=nn.BatchNorm2d, act=nn.ReLU):
        super().__init__()
        layers = []
        for i in range(n):
            layers += [nn.Conv2d(cin if i == 0 else cout, cout, 3, padding=1, bias=False),
                       norm(cout), act(inplace=True)]
        self.block = nn.Sequential(*layers)

    def forward(self, x):
        return self.block(x)


class EncoderStage(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = ConvBlock(cin, cout)
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)

    def forward(self, x):
        return self.pool(self.conv(x))


class DecoderStage(nn.Module):
    def __init__(self, cin, skip, cout):
        super().__init__()
        self.reduce = conv1x1(cin, cout, bias=False)
        self.conv = ConvBlock(cout + skip, cout, n=1)

    def forward(self, x, skip):
        x = F.interpolate(self.reduce(x), scale_factor=2, mode="nearest")
        x = torch.cat((x, skip), dim=1)
        return self.conv(x)
