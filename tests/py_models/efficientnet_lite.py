# An EfficientNet-B0-like network scaled down for 32x32: MBConv blocks with SiLU, an SE
# branch using torch.sigmoid and F.adaptive_avg_pool2d, stochastic depth that only acts in
# training mode, width/depth multipliers with math.ceil, a block table of dicts.
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def round_filters(filters, width_mult, divisor=8):
    filters *= width_mult
    new_filters = max(divisor, int(filters + divisor / 2) // divisor * divisor)
    if new_filters < 0.9 * filters:
        new_filters += divisor
    return int(new_filters)


def round_repeats(repeats, depth_mult):
    return int(math.ceil(depth_mult * repeats))


class SE(nn.Module):
    def __init__(self, in_ch, se_ch):
        super().__init__()
        self.reduce = nn.Conv2d(in_ch, se_ch, 1)
        self.expand = nn.Conv2d(se_ch, in_ch, 1)

    def forward(self, x):
        s = F.adaptive_avg_pool2d(x, 1)
        s = F.silu(self.reduce(s))
        s = torch.sigmoid(self.expand(s))
        return x * s


class MBConv(nn.Module):
    def __init__(self, in_ch, out_ch, expand_ratio, kernel, stride, se_ratio=0.25,
                 drop_rate=0.0):
        super().__init__()
        mid = in_ch * expand_ratio
        self.has_expand = expand_ratio != 1
        if self.has_expand:
            self.expand = nn.Sequential(nn.Conv2d(in_ch, mid, 1, bias=False),
                                        nn.BatchNorm2d(mid), nn.SiLU())
        self.dw = nn.Sequential(
            nn.Conv2d(mid, mid, kernel, stride, kernel // 2, groups=mid, bias=False),
            nn.BatchNorm2d(mid), nn.SiLU())
        self.se = SE(mid, max(1, int(in_ch * se_ratio)))
        self.project = nn.Sequential(nn.Conv2d(mid, out_ch, 1, bias=False),
                                     nn.BatchNorm2d(out_ch))
        self.use_residual = stride == 1 and in_ch == out_ch
        self.drop_rate = drop_rate

    def forward(self, x):
        out = x
        if self.has_expand:
            out = self.expand(out)
        out = self.dw(out)
        out = self.se(out)
        out = self.project(out)
        if self.use_residual:
            if self.training and self.drop_rate > 0:
                out = F.dropout(out, p=self.drop_rate, training=self.training)
            out = out + x
        return out


BLOCKS = [
    dict(expand=1, kernel=3, repeats=1, out=16, stride=1),
    dict(expand=6, kernel=3, repeats=2, out=24, stride=2),
    dict(expand=6, kernel=5, repeats=2, out=40, stride=2),
    dict(expand=6, kernel=3, repeats=3, out=80, stride=2),
    dict(expand=6, kernel=5, repeats=1, out=112, stride=1),
]


class EfficientNetLite(nn.Module):
    def __init__(self, width_mult=1.0, depth_mult=1.0, num_classes=10, drop_connect=0.2):
        super().__init__()
        stem = round_filters(32, width_mult)
        self.stem = nn.Sequential(nn.Conv2d(3, stem, 3, 1, 1, bias=False), nn.BatchNorm2d(stem),
                                  nn.SiLU())
        total = sum(round_repeats(b["repeats"], depth_mult) for b in BLOCKS)
        layers = []
        in_ch = stem
        idx = 0
        for b in BLOCKS:
            out_ch = round_filters(b["out"], width_mult)
            for i in range(round_repeats(b["repeats"], depth_mult)):
                layers.append(MBConv(in_ch, out_ch, b["expand"], b["kernel"],
                                     b["stride"] if i == 0 else 1,
                                     drop_rate=drop_connect * idx / total))
                in_ch = out_ch
                idx += 1
        self.blocks = nn.Sequential(*layers)
        head = round_filters(640, width_mult)
        self.head = nn.Sequential(nn.Conv2d(in_ch, head, 1, bias=False), nn.BatchNorm2d(head),
                                  nn.SiLU())
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(0.2)
        self.fc = nn.Linear(head, num_classes)

    def forward(self, x):
        x = self.head(self.blocks(self.stem(x)))
        x = self.pool(x).flatten(1)
        return self.fc(self.dropout(x))


def efficientnet_lite_w05():
    return EfficientNetLite(width_mult=0.5, depth_mult=1.2)


model = EfficientNetLite()
# input: [2, 3, 32, 32]
