# A whole model written as one top-level nn.Sequential(OrderedDict(...)) with named layers,
# the way quick experiments and course notebooks write small nets.
from collections import OrderedDict

import torch.nn as nn

model = nn.Sequential(OrderedDict([
    ("conv1", nn.Conv2d(1, 20, 5)),
    ("relu1", nn.ReLU()),
    ("conv2", nn.Conv2d(20, 64, 5)),
    ("relu2", nn.ReLU()),
    ("pool", nn.MaxPool2d(2)),
    ("flatten", nn.Flatten()),
    ("fc", nn.Linear(64 * 10 * 10, 10)),
]))
# input: [2, 1, 28, 28]
