# The network itself: the blocks come from `from .blocks import *` (which exports only its
# __all__, so nn is imported here too), the head from `.heads`.
import torch.nn as nn

from .blocks import *
from .heads import SegHead


class SegNetLite(nn.Module):
    def __init__(self, in_channels=3, num_classes=5, widths=(16, 32, 64, 128)):
        super().__init__()
        self.stem = ConvBlock(in_channels, widths[0])
        self.enc = nn.ModuleList(
            [EncoderStage(a, b) for a, b in zip(widths[:-1], widths[1:])])
        rev = list(reversed(widths))
        self.dec = nn.ModuleList(
            [DecoderStage(a, b, b) for a, b in zip(rev[:-1], rev[1:])])
        self.head = SegHead(widths[0], num_classes)

    def forward(self, x):
        x = self.stem(x)
        s0 = x
        x = self.enc[0](x)
        s1 = x
        x = self.enc[1](x)
        s2 = x
        x = self.enc[2](x)
        x = self.dec[0](x, s2)
        x = self.dec[1](x, s1)
        x = self.dec[2](x, s0)
        return self.head(x)


model = SegNetLite()
# input: [1, 3, 64, 64]
