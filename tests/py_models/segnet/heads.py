# The segmentation head, importing one block by name from the file beside it.
import torch.nn as nn

from .blocks import ConvBlock


class SegHead(nn.Module):
    def __init__(self, cin, num_classes, mid=None):
        super().__init__()
        mid = mid or cin // 2
        self.conv = ConvBlock(cin, mid, n=1)
        self.drop = nn.Dropout2d(0.1)
        self.cls = nn.Conv2d(mid, num_classes, kernel_size=1)

    def forward(self, x):
        return self.cls(self.drop(self.conv(x)))
