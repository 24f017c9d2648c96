# A facial-keypoint regressor (96x96 grayscale in, 68 (x, y) points out) as course projects
# write it: conv stages registered with add_module under f-string names in a loop, a norm
# layer given as functools.partial, ELU activations, dropout rising with depth.
from functools import partial

import torch
import torch.nn as nn
import torch.nn.functional as F


class KeypointNet(nn.Module):
    def __init__(self, n_keypoints=68, filters=(32, 64, 128, 256), kernels=(5, 3, 3, 1),
                 drop_start=0.1, drop_step=0.1):
        super().__init__()
        norm = partial(nn.BatchNorm2d, eps=1e-3, momentum=0.1)
        self.features = nn.Sequential()
        cin, size = 1, 96
        for i, (f, k) in enumerate(zip(filters, kernels), start=1):
            self.features.add_module(f"conv{i}", nn.Conv2d(cin, f, k))
            self.features.add_module(f"bn{i}", norm(f))
            self.features.add_module(f"elu{i}", nn.ELU())
            self.features.add_module(f"pool{i}", nn.MaxPool2d(2, 2))
            p = round(drop_start + drop_step * (i - 1), 2)
            self.features.add_module(f"drop{i}", nn.Dropout(p))
            size = (size - k + 1) // 2
            cin = f
        self.fc1 = nn.Linear(cin * size * size, 1000)
        self.fc1_drop = nn.Dropout(0.5)
        self.fc2 = nn.Linear(1000, 1000)
        self.fc2_drop = nn.Dropout(0.6)
        self.fc3 = nn.Linear(1000, n_keypoints * 2)

    def forward(self, x):
        x = self.features(x)
        x = x.view(x.size(0), -1)
        x = self.fc1_drop(F.elu(self.fc1(x)))
        x = self.fc2_drop(F.elu(self.fc2(x)))
        return self.fc3(x)


model = KeypointNet()
# input: [2, 1, 96, 96]
