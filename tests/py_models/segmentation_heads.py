"""Small semantic-segmentation networks in the style of model zoos' segmentation packages.

A backbone whose stages are tapped by a feature extractor deriving nn.ModuleDict, heads built
from nn.Sequential subclasses (one with a forward of its own that pools the whole image and
upsamples it back), a base model class whose __init__ the concrete models inherit, and a forward
that returns a dict of outputs, the auxiliary head's among them when it is asked for.
"""
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F


class ConvBNAct(nn.Sequential):
    def __init__(self, in_ch, out_ch, kernel=3, stride=1, dilation=1):
        pad = (kernel - 1) // 2 * dilation
        super().__init__(
            nn.Conv2d(in_ch, out_ch, kernel, stride, pad, dilation=dilation, bias=False),
            nn.BatchNorm2d(out_ch),
            nn.ReLU(inplace=True),
        )
        self.out_channels = out_ch


class TinyBackbone(nn.Module):
    """Four stages, the last two dilated instead of strided (output stride 8)."""

    def __init__(self, widths=(16, 24, 32, 48)):
        super().__init__()
        self.stem = ConvBNAct(3, widths[0], stride=2)
        self.stage1 = ConvBNAct(widths[0], widths[1], stride=2)
        self.stage2 = ConvBNAct(widths[1], widths[2], stride=2)
        self.stage3 = ConvBNAct(widths[2], widths[3], dilation=2)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(widths[3], 10)

    def forward(self, x):
        for stage in (self.stem, self.stage1, self.stage2, self.stage3):
            x = stage(x)
        return self.fc(torch.flatten(self.pool(x), 1))


class StageTaps(nn.ModuleDict):
    """Runs a backbone's children in order up to the last tapped one, returning the tapped
    outputs by their new names (the children after it, the classifier, are dropped)."""

    def __init__(self, backbone, taps):
        names = [name for name, _ in backbone.named_children()]
        if not set(taps).issubset(names):
            raise ValueError(f"no such stages: {set(taps).difference(names)}")
        wanted = dict(taps)
        kept = OrderedDict()
        for name, child in backbone.named_children():
            kept[name] = child
            wanted.pop(name, None)
            if not wanted:
                break
        super().__init__(kept)
        self.taps = dict(taps)

    def forward(self, x):
        found = OrderedDict()
        for name, child in self.items():
            x = child(x)
            if name in self.taps:
                found[self.taps[name]] = x
        return found


class ImagePooling(nn.Sequential):
    def __init__(self, in_ch, out_ch):
        super().__init__(nn.AdaptiveAvgPool2d(1), nn.Conv2d(in_ch, out_ch, 1, bias=False), nn.ReLU())

    def forward(self, x):
        size = x.shape[-2:]
        for layer in self:
            x = layer(x)
        return F.interpolate(x, size=size, mode="bilinear", align_corners=False)


class PyramidPooling(nn.Module):
    def __init__(self, in_ch, rates, out_ch=32):
        super().__init__()
        branches = [ConvBNAct(in_ch, out_ch, kernel=1)]
        branches += [ConvBNAct(in_ch, out_ch, dilation=r) for r in rates]
        branches.append(ImagePooling(in_ch, out_ch))
        self.branches = nn.ModuleList(branches)
        self.project = ConvBNAct(len(branches) * out_ch, out_ch, kernel=1)

    def forward(self, x):
        return self.project(torch.cat([branch(x) for branch in self.branches], dim=1))


class PyramidHead(nn.Sequential):
    def __init__(self, in_ch, num_classes):
        super().__init__(
            PyramidPooling(in_ch, (2, 4)),
            ConvBNAct(32, 32),
            nn.Conv2d(32, num_classes, 1),
        )


class PlainHead(nn.Sequential):
    def __init__(self, in_ch, num_classes):
        mid = in_ch // 4
        super().__init__(ConvBNAct(in_ch, mid), nn.Dropout(0.1), nn.Conv2d(mid, num_classes, 1))


class SegmentationModel(nn.Module):
    def __init__(self, features, head, aux_head=None):
        super().__init__()
        self.features = features
        self.head = head
        self.aux_head = aux_head

    def forward(self, x):
        size = x.shape[-2:]
        taps = self.features(x)
        result = OrderedDict()
        result["out"] = F.interpolate(self.head(taps["out"]), size=size, mode="bilinear",
                                      align_corners=False)
        if self.aux_head is not None:
            aux = self.aux_head(taps["aux"])
            result["aux"] = F.interpolate(aux, size=size, mode="bilinear", align_corners=False)
        return result


class PyramidSegmenter(SegmentationModel):
    pass


class PlainSegmenter(SegmentationModel):
    pass


def _tapped(backbone, aux):
    taps = {"stage3": "out"}
    if aux:
        taps["stage2"] = "aux"
    return StageTaps(backbone, taps)


def pyramid_segmenter(num_classes=6, aux=True):
    backbone = TinyBackbone()
    aux_head = PlainHead(backbone.stage2.out_channels, num_classes) if aux else None
    head = PyramidHead(backbone.stage3.out_channels, num_classes)
    return PyramidSegmenter(_tapped(backbone, aux), head, aux_head)


def plain_segmenter(num_classes=3):
    backbone = TinyBackbone(widths=(8, 16, 16, 32))
    return PlainSegmenter(_tapped(backbone, False), PlainHead(32, num_classes))
