# A multi-scale block whose branches live in an nn.ModuleDict keyed by kernel size and are
# iterated in forward (`for name, branch in self.branches.items()`), their outputs summed;
# the activation picked from an nn.ModuleDict by name.
import torch
import torch.nn as nn


class MultiScaleBlock(nn.Module):
    def __init__(self, cin, cout, kernels=(1, 3, 5), act="relu"):
        super().__init__()
        self.branches = nn.ModuleDict({
            f"k{k}": nn.Sequential(nn.Conv2d(cin, cout, k, padding=k // 2, bias=False),
                                   nn.BatchNorm2d(cout))
            for k in kernels
        })
        self.acts = nn.ModuleDict({
            "relu": nn.ReLU(inplace=True),
            "silu": nn.SiLU(inplace=True),
        })
        self.act = act

    def forward(self, x):
        out = None
        for name, branch in self.branches.items():
            y = branch(x)
            out = y if out is None else out + y
        return self.acts[self.act](out)


class MultiScaleNet(nn.Module):
    def __init__(self, widths=(32, 64, 128), num_classes=10):
        super().__init__()
        layers = []
        cin = 3
        for i, w in enumerate(widths):
            layers.append(MultiScaleBlock(cin, w, act="silu" if i % 2 else "relu"))
            layers.append(nn.MaxPool2d(2))
            cin = w
        self.body = nn.Sequential(*layers)
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x):
        x = self.body(x)
        x = torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1)
        return self.fc(x)


model = MultiScaleNet()
# input: [2, 3, 32, 32]
