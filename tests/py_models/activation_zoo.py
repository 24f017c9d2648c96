# One block class whose activation is chosen by name through a helper (ReLU, LeakyReLU, ELU,
# GELU, SiLU, Hardswish), the same backbone built with each, and a Hardsigmoid gate.
import torch
import torch.nn as nn


def get_activation(name, inplace=True):
    if name == "relu":
        return nn.ReLU(inplace=inplace)
    elif name == "leaky_relu":
        return nn.LeakyReLU(0.01, inplace=inplace)
    elif name == "elu":
        return nn.ELU(alpha=1.0, inplace=inplace)
    elif name == "gelu":
        return nn.GELU()
    elif name == "silu" or name == "swish":
        return nn.SiLU(inplace=inplace)
    elif name == "hardswish":
        return nn.Hardswish(inplace=inplace)
    raise ValueError(f"unknown activation {name}")


class ConvAct(nn.Module):
    def __init__(self, cin, cout, act="relu", stride=1):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn = nn.BatchNorm2d(cout)
        self.act = get_activation(act)

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


class Gate(nn.Module):
    """Channel gate: global pool, 1x1 conv, hard sigmoid, multiply."""

    def __init__(self, ch):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Conv2d(ch, ch, 1)
        self.gate = nn.Hardsigmoid()

    def forward(self, x):
        return x * self.gate(self.fc(self.pool(x)))


class ActNet(nn.Module):
    def __init__(self, acts=("relu", "leaky_relu", "elu", "gelu", "silu", "hardswish"),
                 width=16, num_classes=10):
        super().__init__()
        layers = []
        cin = 3
        for i, a in enumerate(acts):
            cout = width * (1 + i // 2)
            layers.append(ConvAct(cin, cout, act=a, stride=2 if i % 2 == 1 else 1))
            cin = cout
        self.features = nn.Sequential(*layers)
        self.gate = Gate(cin)
        self.pool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x):
        x = self.gate(self.features(x))
        x = self.pool(x).view(x.size(0), -1)
        return self.fc(x)


model = ActNet()
# input: [2, 3, 32, 32]
