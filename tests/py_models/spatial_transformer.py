# A spatial transformer network, written the way course notebooks write it: a localisation
# branch regresses one affine matrix per image (its last layer starts at the identity), the
# image is resampled on the grid that matrix makes, and a small CNN classifies the result.
# input: [4, 3, 32, 32]
import torch
import torch.nn as nn
import torch.nn.functional as F


class SpatialTransformer(nn.Module):
    def __init__(self, in_channels, size):
        super().__init__()
        self.localization = nn.Sequential(
            nn.Conv2d(in_channels, 8, kernel_size=7),
            nn.MaxPool2d(2, stride=2),
            nn.ReLU(True),
            nn.Conv2d(8, 10, kernel_size=5),
            nn.MaxPool2d(2, stride=2),
            nn.ReLU(True),
        )
        side = ((size - 6) // 2 - 4) // 2
        self.flat = 10 * side * side
        self.fc_loc = nn.Sequential(nn.Linear(self.flat, 32), nn.ReLU(True), nn.Linear(32, 3 * 2))
        # start at the identity transform
        self.fc_loc[2].weight.data.zero_()
        self.fc_loc[2].bias.data.copy_(torch.tensor([1, 0, 0, 0, 1, 0], dtype=torch.float))

    def forward(self, x):
        xs = self.localization(x)
        xs = xs.view(-1, self.flat)
        theta = self.fc_loc(xs).view(-1, 2, 3)
        grid = F.affine_grid(theta, x.size(), align_corners=False)
        return F.grid_sample(x, grid, align_corners=False)


class STNClassifier(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.stn = SpatialTransformer(3, 32)
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
        )
        self.classifier = nn.Linear(32 * 8 * 8, num_classes)

    def forward(self, x):
        x = self.stn(x)
        x = self.features(x)
        return self.classifier(torch.flatten(x, 1))


model = STNClassifier()
