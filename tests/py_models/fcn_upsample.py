# A small FCN-style segmentation network: a VGG-ish encoder whose intermediate outputs are
# scored with 1x1 convs, upsampled with F.interpolate (scale factors and target sizes) and
# nn.Upsample, and summed (FCN-8s skip connections).
import torch
import torch.nn as nn
import torch.nn.functional as F


def double_conv(cin, cout):
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1),
        nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1),
        nn.ReLU(inplace=True),
    )


class FCN8s(nn.Module):
    def __init__(self, n_class=21):
        super().__init__()
        self.block1 = nn.Sequential(double_conv(3, 32), nn.MaxPool2d(2))    # 1/2
        self.block2 = nn.Sequential(double_conv(32, 64), nn.MaxPool2d(2))   # 1/4
        self.block3 = nn.Sequential(double_conv(64, 128), nn.MaxPool2d(2))  # 1/8
        self.block4 = nn.Sequential(double_conv(128, 256), nn.MaxPool2d(2))  # 1/16
        self.block5 = nn.Sequential(double_conv(256, 256), nn.MaxPool2d(2))  # 1/32

        self.score_fr = nn.Conv2d(256, n_class, 1)
        self.score_pool3 = nn.Conv2d(128, n_class, 1)
        self.score_pool4 = nn.Conv2d(256, n_class, 1)
        self.upscore8 = nn.Upsample(scale_factor=8, mode="bilinear", align_corners=False)

    def forward(self, x):
        pool3 = self.block3(self.block2(self.block1(x)))
        pool4 = self.block4(pool3)
        h = self.block5(pool4)
        h = self.score_fr(h)
        h = F.interpolate(h, scale_factor=2, mode="bilinear", align_corners=False)
        h = h + self.score_pool4(pool4)
        h = F.interpolate(h, size=(pool3.size(2), pool3.size(3)), mode="nearest")
        h = h + self.score_pool3(pool3)
        return self.upscore8(h)


model = FCN8s()
# input: [1, 3, 64, 64]
