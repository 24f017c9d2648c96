# A small C3D-style video classifier: Conv3d/BatchNorm3d/ReLU blocks, a first pool that keeps
# the time axis, a padded MaxPool3d, an AdaptiveAvgPool3d, and a dropout/Linear head.
import torch
import torch.nn as nn


class C3DSmall(nn.Module):
    def __init__(self, num_classes=101, in_channels=3):
        super(C3DSmall, self).__init__()

        def block(cin, cout):
            return [nn.Conv3d(cin, cout, kernel_size=(3, 3, 3), padding=(1, 1, 1)),
                    nn.BatchNorm3d(cout), nn.ReLU(inplace=True)]

        self.features = nn.Sequential(
            *block(in_channels, 32),
            nn.MaxPool3d(kernel_size=(1, 2, 2), stride=(1, 2, 2)),
            *block(32, 64),
            nn.MaxPool3d(kernel_size=(2, 2, 2), stride=(2, 2, 2)),
            *block(64, 128),
            *block(128, 128),
            nn.MaxPool3d(kernel_size=(2, 2, 2), stride=(2, 2, 2), padding=(0, 1, 1)),
            *block(128, 256),
        )
        self.pool = nn.AdaptiveAvgPool3d((1, 1, 1))
        self.dropout = nn.Dropout(p=0.5)
        self.fc = nn.Linear(256, num_classes)

        for m in self.modules():
            if isinstance(m, nn.Conv3d):
                nn.init.kaiming_normal_(m.weight)
            elif isinstance(m, nn.BatchNorm3d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)

    def forward(self, x):
        x = self.features(x)
        x = self.pool(x)
        x = x.view(-1, 256)
        x = self.dropout(x)
        return self.fc(x)


model = C3DSmall()
# input: [1, 3, 8, 32, 32]
