# Layers built by nested helper functions defined inside __init__ (closures over the
# constructor's arguments), a list comprehension of blocks and a dict of per-stage settings.
import torch
import torch.nn as nn
import torch.nn.functional as F


class NestedNet(nn.Module):
    def __init__(self, in_channels=3, width=32, num_classes=10, negative_slope=0.1):
        super().__init__()

        def act():
            return nn.LeakyReLU(negative_slope, inplace=True)

        def conv(cin, cout, k=3, s=1):
            return nn.Sequential(
                nn.Conv2d(cin, cout, k, s, k // 2, bias=False),
                nn.BatchNorm2d(cout),
                act(),
            )

        def stage(cin, cout, n):
            first = conv(cin, cout, s=2)
            rest = [conv(cout, cout) for _ in range(n - 1)]
            return nn.Sequential(first, *rest)

        settings = {"s1": (width, 1), "s2": (width * 2, 2), "s3": (width * 4, 2)}
        self.stem = conv(in_channels, width, k=5)
        ch = width
        stages = []
        for name, (out, n) in settings.items():
            stages.append(stage(ch, out, n))
            ch = out
        self.stages = nn.Sequential(*stages)
        self.head = nn.Linear(ch, num_classes)

    def forward(self, x):
        x = self.stem(x)
        x = self.stages(x)
        x = F.adaptive_avg_pool2d(x, (1, 1))
        x = x.flatten(1)
        return self.head(x)


model = NestedNet()
# input: [2, 3, 32, 32]
