# A network whose stages are nn.Sequential(OrderedDict(...)) with named layers: the features
# dict filled in a loop with "%d" names, the classifier from a list of (name, layer) pairs.
from collections import OrderedDict

import torch
import torch.nn as nn


class NamedConvNet(nn.Module):
    def __init__(self, widths=(32, 64, 128), num_classes=10):
        super().__init__()
        layers = OrderedDict()
        in_ch = 3
        for i, w in enumerate(widths, start=1):
            layers["conv%d" % i] = nn.Conv2d(in_ch, w, kernel_size=3, padding=1)
            layers["bn%d" % i] = nn.BatchNorm2d(w)
            layers["relu%d" % i] = nn.ReLU(inplace=True)
            layers["pool%d" % i] = nn.MaxPool2d(2)
            in_ch = w
        self.features = nn.Sequential(layers)
        self.classifier = nn.Sequential(OrderedDict([
            ("gap", nn.AdaptiveAvgPool2d(1)),
            ("flatten", nn.Flatten()),
            ("dropout", nn.Dropout(0.3)),
            ("fc", nn.Linear(in_ch, num_classes)),
        ]))

    def forward(self, x):
        return self.classifier(self.features(x))


model = NamedConvNet()
# input: [2, 3, 32, 32]
