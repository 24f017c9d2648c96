# InceptionTime-style time-series classifier: 1-D inception modules (a bottleneck, three
# Conv1d of odd kernel sizes from a list comprehension, a max-pool branch), concatenated with
# torch.cat; a residual shortcut every third module; AdaptiveAvgPool1d; Linear.
import torch
import torch.nn as nn


class InceptionModule(nn.Module):
    def __init__(self, ni, nf=32, ks=40, bottleneck=True):
        super().__init__()
        ks = [ks // (2 ** i) for i in range(3)]
        ks = [k if k % 2 != 0 else k - 1 for k in ks]  # ensure odd kernels
        bottleneck = bottleneck if ni > 1 else False
        self.bottleneck = nn.Conv1d(ni, nf, 1, bias=False) if bottleneck else nn.Identity()
        mid = nf if bottleneck else ni
        self.conv0 = nn.Conv1d(mid, nf, ks[0], padding=ks[0] // 2, bias=False)
        self.conv1 = nn.Conv1d(mid, nf, ks[1], padding=ks[1] // 2, bias=False)
        self.conv2 = nn.Conv1d(mid, nf, ks[2], padding=ks[2] // 2, bias=False)
        self.maxconvpool = nn.Sequential(nn.MaxPool1d(3, stride=1, padding=1),
                                         nn.Conv1d(ni, nf, 1, bias=False))
        self.bn = nn.BatchNorm1d(nf * 4)
        self.act = nn.ReLU()

    def forward(self, x):
        input_tensor = x
        x = self.bottleneck(input_tensor)
        x = torch.cat([self.conv0(x), self.conv1(x), self.conv2(x),
                       self.maxconvpool(input_tensor)], dim=1)
        return self.act(self.bn(x))


class ShortCut(nn.Module):
    def __init__(self, ni, nf):
        super().__init__()
        self.conv = nn.Conv1d(ni, nf, 1, bias=False)
        self.bn = nn.BatchNorm1d(nf)

    def forward(self, x):
        return self.bn(self.conv(x))


class InceptionTime(nn.Module):
    def __init__(self, c_in=3, c_out=5, nf=16, depth=6):
        super().__init__()
        self.depth = depth
        self.inception = nn.ModuleList()
        self.shortcut = nn.ModuleList()
        for d in range(depth):
            self.inception.append(InceptionModule(c_in if d == 0 else nf * 4, nf))
            if d % 3 == 2:
                n_in = c_in if d == 2 else nf * 4
                self.shortcut.append(ShortCut(n_in, nf * 4))
        self.act = nn.ReLU()
        self.gap = nn.AdaptiveAvgPool1d(1)
        self.fc = nn.Linear(nf * 4, c_out)

    def forward(self, x):
        res = x
        for d in range(self.depth):
            x = self.inception[d](x)
            if d % 3 == 2:
                x = self.act(x + self.shortcut[d // 3](res))
                res = x
        x = self.gap(x).squeeze(-1)
        return self.fc(x)


model = InceptionTime()
# input: [4, 3, 128]
