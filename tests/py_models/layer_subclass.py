# Layers that subclass torch's own: a 3x3 conv that only fixes its arguments (no forward of its
# own, as torchvision's video Conv3DSimple), a TF-style "same" conv that pads and then calls
# super().forward(x), the old-style `nn.Conv2d.__init__(self, ...)` call, a Linear whose width
# the next layer reads (`self.proj.out_features`), a LayerNorm over the channels of an NCHW map
# through F.layer_norm with its own weight and bias, and F.layer_norm without any.
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class Conv3x3(nn.Conv2d):
    def __init__(self, in_planes, out_planes, stride=1):
        super().__init__(in_planes, out_planes, kernel_size=3, stride=stride, padding=1, bias=False)


class SamePadConv2d(nn.Conv2d):
    """Pads as TensorFlow's padding='SAME' does, whatever the input size."""

    def forward(self, x):
        ih, iw = x.size()[-2:]
        kh, kw = self.kernel_size
        sh, sw = self.stride
        oh, ow = math.ceil(ih / sh), math.ceil(iw / sw)
        pad_h = max((oh - 1) * sh + kh - ih, 0)
        pad_w = max((ow - 1) * sw + kw - iw, 0)
        if pad_h > 0 or pad_w > 0:
            x = F.pad(x, [pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2])
        return super().forward(x)


class PointwiseConv(nn.Conv2d):
    def __init__(self, in_planes, out_planes, stride=1):
        nn.Conv2d.__init__(self, in_planes, out_planes, 1, stride)


class ChannelNorm(nn.LayerNorm):
    """LayerNorm over the channels of an NCHW map."""

    def forward(self, x):
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class ScaledLinear(nn.Linear):
    def __init__(self, in_features, out_features, scale=0.5):
        super(ScaledLinear, self).__init__(in_features, out_features)
        self.scale = scale

    def forward(self, x):
        return super().forward(x) * self.scale


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = Conv3x3(cin, cout, stride)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = Conv3x3(cout, cout)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Identity()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(PointwiseConv(cin, cout, stride), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class SubclassNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.stem = SamePadConv2d(3, 16, kernel_size=5, stride=2)
        self.stem_norm = ChannelNorm(16, eps=1e-6)
        self.layer1 = Block(16, 32, 2)
        self.layer2 = Block(32, 32, 1)
        self.proj = ScaledLinear(self.layer2.conv2.out_channels, 64)
        self.head = nn.Linear(self.proj.out_features, num_classes)

    def forward(self, x):
        x = self.layer2(self.layer1(self.stem_norm(self.stem(x))))
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        x = F.layer_norm(x, x.shape[-1:])
        return self.head(F.relu(self.proj(x)))


model = SubclassNet()
