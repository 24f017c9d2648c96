# A small YOLOv5-style detector, written the way detection repos write theirs: a Focus stem that
# moves each 2x2 patch into channels with stepped slices, Conv-BN-SiLU blocks with automatic
# padding, C3 blocks scaled by depth and width multiples, an SPP neck of parallel max pools, and
# a detection head that reshapes each level into (anchors, outputs) per grid cell.
# input: [1, 3, 128, 128]
import math

import torch
import torch.nn as nn


def autopad(k, p=None):
    # 'same' padding for odd kernels
    if p is None:
        p = k // 2 if isinstance(k, int) else [x // 2 for x in k]
    return p


def make_divisible(x, divisor=8):
    return math.ceil(x / divisor) * divisor


class Conv(nn.Module):
    def __init__(self, c1, c2, k=1, s=1, p=None, g=1, act=True):
        super().__init__()
        self.conv = nn.Conv2d(c1, c2, k, s, autopad(k, p), groups=g, bias=False)
        self.bn = nn.BatchNorm2d(c2)
        self.act = nn.SiLU() if act is True else nn.Identity()

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


class Focus(nn.Module):
    def __init__(self, c1, c2, k=1, s=1):
        super().__init__()
        self.conv = Conv(c1 * 4, c2, k, s)

    def forward(self, x):  # x(b,c,w,h) -> y(b,4c,w/2,h/2)
        return self.conv(torch.cat([x[..., ::2, ::2], x[..., 1::2, ::2],
                                    x[..., ::2, 1::2], x[..., 1::2, 1::2]], 1))


class Bottleneck(nn.Module):
    def __init__(self, c1, c2, shortcut=True, e=0.5):
        super().__init__()
        c_ = int(c2 * e)
        self.cv1 = Conv(c1, c_, 1, 1)
        self.cv2 = Conv(c_, c2, 3, 1)
        self.add = shortcut and c1 == c2

    def forward(self, x):
        return x + self.cv2(self.cv1(x)) if self.add else self.cv2(self.cv1(x))


class C3(nn.Module):
    def __init__(self, c1, c2, n=1, shortcut=True, e=0.5):
        super().__init__()
        c_ = int(c2 * e)
        self.cv1 = Conv(c1, c_, 1, 1)
        self.cv2 = Conv(c1, c_, 1, 1)
        self.cv3 = Conv(2 * c_, c2, 1)
        self.m = nn.Sequential(*[Bottleneck(c_, c_, shortcut, e=1.0) for _ in range(n)])

    def forward(self, x):
        return self.cv3(torch.cat((self.m(self.cv1(x)), self.cv2(x)), dim=1))


class SPP(nn.Module):
    def __init__(self, c1, c2, k=(5, 9, 13)):
        super().__init__()
        c_ = c1 // 2
        self.cv1 = Conv(c1, c_, 1, 1)
        self.cv2 = Conv(c_ * (len(k) + 1), c2, 1, 1)
        self.m = nn.ModuleList([nn.MaxPool2d(kernel_size=x, stride=1, padding=x // 2) for x in k])

    def forward(self, x):
        x = self.cv1(x)
        return self.cv2(torch.cat([x] + [m(x) for m in self.m], 1))


class Detect(nn.Module):
    def __init__(self, nc=80, anchors=3, ch=()):
        super().__init__()
        self.no = nc + 5  # outputs per anchor
        self.nl = len(ch)  # number of detection layers
        self.na = anchors
        self.m = nn.ModuleList(nn.Conv2d(x, self.no * self.na, 1) for x in ch)

    def forward(self, x):
        z = []
        for i in range(self.nl):
            x[i] = self.m[i](x[i])
            bs, _, ny, nx = x[i].shape
            x[i] = x[i].view(bs, self.na, self.no, ny, nx).permute(0, 1, 3, 4, 2).contiguous()
            z.append(x[i].view(bs, -1, self.no))
        return torch.cat(z, 1)


class TinyYolo(nn.Module):
    def __init__(self, nc=20, gd=0.33, gw=0.25):
        super().__init__()

        def w(c):
            return make_divisible(c * gw, 8)

        def d(n):
            return max(round(n * gd), 1)

        self.stem = Focus(3, w(64), 3)
        self.down1 = Conv(w(64), w(128), 3, 2)
        self.c3_1 = C3(w(128), w(128), d(3))
        self.down2 = Conv(w(128), w(256), 3, 2)
        self.c3_2 = C3(w(256), w(256), d(9))
        self.down3 = Conv(w(256), w(512), 3, 2)
        self.spp = SPP(w(512), w(512))
        self.c3_3 = C3(w(512), w(512), d(3), shortcut=False)
        self.detect = Detect(nc, 3, (w(256), w(512)))

    def forward(self, x):
        x = self.c3_1(self.down1(self.stem(x)))
        p4 = self.c3_2(self.down2(x))
        p5 = self.c3_3(self.spp(self.down3(p4)))
        return self.detect([p4, p5])


model = TinyYolo()
