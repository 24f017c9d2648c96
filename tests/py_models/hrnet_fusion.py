# A two-resolution HRNet-style network: a high and a low branch of basic blocks, exchange units
# that fuse them (strided conv down, 1x1 conv then F.interpolate up, added), a segmentation head
# that upsamples the low branch and concatenates.
import torch
import torch.nn as nn
import torch.nn.functional as F

BN_MOMENTUM = 0.1


class BasicBlock(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv1 = nn.Conv2d(ch, ch, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(ch, momentum=BN_MOMENTUM)
        self.conv2 = nn.Conv2d(ch, ch, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(ch, momentum=BN_MOMENTUM)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + x)


class Exchange(nn.Module):
    def __init__(self, c_high, c_low):
        super().__init__()
        self.high_to_low = nn.Sequential(
            nn.Conv2d(c_high, c_low, 3, 2, 1, bias=False),
            nn.BatchNorm2d(c_low, momentum=BN_MOMENTUM),
        )
        self.low_to_high = nn.Sequential(
            nn.Conv2d(c_low, c_high, 1, bias=False),
            nn.BatchNorm2d(c_high, momentum=BN_MOMENTUM),
        )
        self.relu = nn.ReLU(inplace=False)

    def forward(self, high, low):
        up = F.interpolate(self.low_to_high(low), scale_factor=2, mode="nearest")
        new_high = self.relu(high + up)
        new_low = self.relu(low + self.high_to_low(high))
        return new_high, new_low


class TwoBranchHRNet(nn.Module):
    def __init__(self, c_high=32, c_low=64, num_modules=2, blocks=2, num_classes=19):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(3, c_high, 3, 2, 1, bias=False),
            nn.BatchNorm2d(c_high, momentum=BN_MOMENTUM),
            nn.ReLU(inplace=True),
        )
        self.transition = nn.Sequential(
            nn.Conv2d(c_high, c_low, 3, 2, 1, bias=False),
            nn.BatchNorm2d(c_low, momentum=BN_MOMENTUM),
            nn.ReLU(inplace=True),
        )
        self.high_branches = nn.ModuleList(
            [nn.Sequential(*[BasicBlock(c_high) for _ in range(blocks)])
             for _ in range(num_modules)])
        self.low_branches = nn.ModuleList(
            [nn.Sequential(*[BasicBlock(c_low) for _ in range(blocks)])
             for _ in range(num_modules)])
        self.fuse = nn.ModuleList([Exchange(c_high, c_low) for _ in range(num_modules)])
        self.num_modules = num_modules
        self.head = nn.Sequential(
            nn.Conv2d(c_high + c_low, c_high, 1),
            nn.BatchNorm2d(c_high, momentum=BN_MOMENTUM),
            nn.ReLU(inplace=True),
            nn.Conv2d(c_high, num_classes, 1),
        )

    def forward(self, x):
        high = self.stem(x)
        low = self.transition(high)
        for i in range(self.num_modules):
            high = self.high_branches[i](high)
            low = self.low_branches[i](low)
            high, low = self.fuse[i](high, low)
        low = F.interpolate(low, size=(high.size(2), high.size(3)), mode="bilinear",
                            align_corners=False)
        out = self.head(torch.cat([high, low], 1))
        return F.interpolate(out, scale_factor=2, mode="bilinear", align_corners=False)


model = TwoBranchHRNet()
# input: [1, 3, 64, 64]
