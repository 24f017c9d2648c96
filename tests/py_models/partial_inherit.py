# Norm layers passed as values (functools.partial), a user base class, keyword-only helpers,
# tuple unpacking and a conditional expression.
import functools
import math

import torch.nn as nn
import torch.nn.functional as F


def conv_bn(cin, cout, k=3, stride=1, *, norm_layer=None):
    norm_layer = nn.BatchNorm2d if norm_layer is None else norm_layer
    pad = (k - 1) // 2
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, pad, bias=False), norm_layer(cout), nn.ReLU())


class Base(nn.Module):
    def __init__(self, width, norm_layer):
        super().__init__()
        self.width = width
        self.stem = conv_bn(3, width, stride=2, norm_layer=norm_layer)


class Net(Base):
    expansion = 2

    def __init__(self, width=24, depth=3, num_classes=5):
        norm = functools.partial(nn.BatchNorm2d, eps=0.001, momentum=0.01)
        super().__init__(width, norm)
        c_in, c_out = width, width * self.expansion
        blocks = []
        for i in range(depth):
            stride = 2 if i == 0 else 1
            blocks.append(conv_bn(c_in, c_out, stride=stride, norm_layer=norm))
            c_in = c_out
        self.blocks = nn.Sequential(*blocks)
        hidden = int(math.ceil(c_out / 3))
        assert hidden > 0, "width too small"
        self.fc1 = nn.Linear(c_out, hidden)
        self.fc2 = nn.Linear(hidden, num_classes)

    def forward(self, x):
        x = self.blocks(self.stem(x))
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.fc2(F.relu(self.fc1(x)))


model = Net(width=16)
# input: [4, 3, 64, 64]
