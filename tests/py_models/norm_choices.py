# The same residual network with BatchNorm, GroupNorm, InstanceNorm or LayerNorm chosen by a
# string (GroupNorm(1, C) stands in for LayerNorm on feature maps), a LayerNorm on the pooled
# features before the classifier.
import torch
import torch.nn as nn
import torch.nn.functional as F


def make_norm(kind, channels, groups=8):
    if kind == "bn":
        return nn.BatchNorm2d(channels)
    if kind == "gn":
        return nn.GroupNorm(min(groups, channels), channels)
    if kind == "in":
        return nn.InstanceNorm2d(channels, affine=True)
    if kind == "ln":
        return nn.GroupNorm(1, channels)
    return nn.Identity()


class ResBlock(nn.Module):
    def __init__(self, cin, cout, norm, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.n1 = make_norm(norm, cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.n2 = make_norm(norm, cout)
        if stride != 1 or cin != cout:
            self.proj = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                      make_norm(norm, cout))
        else:
            self.proj = nn.Identity()

    def forward(self, x):
        h = F.relu(self.n1(self.conv1(x)))
        h = self.n2(self.conv2(h))
        return F.relu(h + self.proj(x))


class NormNet(nn.Module):
    def __init__(self, norm="bn", widths=(32, 64, 128), num_classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, widths[0], 3, 1, 1, bias=False),
                                  make_norm(norm, widths[0]), nn.ReLU())
        blocks = []
        cin = widths[0]
        for i, w in enumerate(widths):
            blocks.append(ResBlock(cin, w, norm, stride=1 if i == 0 else 2))
            cin = w
        self.blocks = nn.Sequential(*blocks)
        self.ln = nn.LayerNorm(cin)
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x):
        x = self.blocks(self.stem(x))
        x = x.mean(dim=(2, 3))
        return self.fc(self.ln(x))


def groupnorm_net():
    return NormNet(norm="gn")


def instancenorm_net():
    return NormNet(norm="in", widths=(16, 32, 64))


def layernorm_net():
    return NormNet(norm="ln")


def plain_net():
    return NormNet(norm="none")


# input: [2, 3, 32, 32]
