# Stages registered with add_module under f-string names and fetched back with
# getattr(self, f"stage{i}") in forward; the number of stages is a constructor argument.
import torch.nn as nn
import torch.nn.functional as F


class ConvUnit(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.norm = nn.BatchNorm2d(cout)
        self.act = nn.ELU(inplace=True)

    def forward(self, x):
        return self.act(self.norm(self.conv(x)))


class StagedNet(nn.Module):
    def __init__(self, in_ch=3, base=24, num_stages=4, units_per_stage=2, num_classes=10):
        super().__init__()
        self.num_stages = num_stages
        ch = in_ch
        for i in range(1, num_stages + 1):
            out = base * 2 ** (i - 1)
            stage = nn.Sequential()
            for j in range(units_per_stage):
                stage.add_module(f"unit{j}", ConvUnit(ch, out, 2 if j == 0 and i > 1 else 1))
                ch = out
            self.add_module(f"stage{i}", stage)
        self.head = nn.Linear(ch, num_classes)

    def forward(self, x):
        for i in range(1, self.num_stages + 1):
            x = getattr(self, f"stage{i}")(x)
        x = F.adaptive_max_pool2d(x, 1)
        x = x.view(x.size(0), -1)
        return self.head(x)


model = StagedNet()
# input: [2, 3, 32, 32]
