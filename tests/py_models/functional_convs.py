"""Convolutions written with torch.nn.functional and weights held as nn.Parameters, in the styles
of meta-learning code (MAML-like learners), hand-made separable convs, a Conv2d subclass whose
forward is written out, and a 1-D filter bank."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class MetaConvNet(nn.Module):
    """A four-block few-shot learner: each block's weights are nn.Parameters applied with F.conv2d,
    so that an inner loop could pass adapted weights instead."""

    def __init__(self, in_channels=3, hidden=32, n_way=5):
        super().__init__()
        channels = [in_channels] + [hidden] * 4
        for i in range(4):
            setattr(self, f"conv{i}_w", nn.Parameter(torch.randn(channels[i + 1], channels[i], 3, 3) * 0.1))
            setattr(self, f"conv{i}_b", nn.Parameter(torch.zeros(channels[i + 1])))
            self.add_module(f"bn{i}", nn.BatchNorm2d(channels[i + 1]))
        self.fc_w = nn.Parameter(torch.randn(n_way, hidden) * 0.1)
        self.fc_b = nn.Parameter(torch.zeros(n_way))

    def block(self, x, i, params=None):
        w = getattr(self, f"conv{i}_w") if params is None else params[f"conv{i}_w"]
        b = getattr(self, f"conv{i}_b") if params is None else params[f"conv{i}_b"]
        x = F.conv2d(x, w, b, padding=1)
        x = getattr(self, f"bn{i}")(x)
        return F.max_pool2d(F.relu(x), 2)

    def forward(self, x):
        for i in range(4):
            x = self.block(x, i)
        x = x.mean(dim=[2, 3])
        return F.linear(x, self.fc_w, self.fc_b)


class SeparableConv(nn.Module):
    def __init__(self, cin, cout, k=3, stride=1):
        super().__init__()
        self.stride = stride
        self.depthwise = nn.Parameter(torch.empty(cin, 1, k, k))
        self.pointwise = nn.Parameter(torch.empty(cout, cin, 1, 1))
        nn.init.kaiming_normal_(self.depthwise)
        nn.init.kaiming_normal_(self.pointwise)

    def forward(self, x):
        k = self.depthwise.shape[-1]
        x = F.conv2d(x, self.depthwise, stride=self.stride, padding=k // 2,
                     groups=self.depthwise.shape[0])
        return F.conv2d(x, self.pointwise)


class SeparableNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, padding=1)
        self.sep1 = SeparableConv(16, 32, stride=2)
        self.sep2 = SeparableConv(32, 64, k=5, stride=2)
        self.fc = nn.Linear(64, num_classes)

    def forward(self, x):
        x = F.relu(self.stem(x))
        x = F.relu(self.sep1(x))
        x = F.relu(self.sep2(x))
        x = F.adaptive_avg_pool2d(x, 1)
        return self.fc(torch.flatten(x, 1))


class ExplicitConv2d(nn.Conv2d):
    """A Conv2d whose forward is written out with the layer's own weight and settings."""

    def forward(self, x):
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation,
                        self.groups)


class ExplicitNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            ExplicitConv2d(1, 8, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            ExplicitConv2d(8, 16, 3, groups=2, bias=False), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Linear(16 * 6 * 6, 10)

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))


class FilterBank1d(nn.Module):
    """A learnable 1-D filter bank over raw signals, applied with F.conv1d and 'same' padding."""

    def __init__(self, n_filters=16, width=9, n_classes=4):
        super().__init__()
        self.filters = nn.Parameter(torch.randn(n_filters, 1, width) * 0.1)
        self.mix = nn.Parameter(torch.randn(2 * n_filters, n_filters, 3) * 0.1)
        self.head = nn.Linear(2 * n_filters, n_classes)

    def forward(self, x):
        x = torch.relu(F.conv1d(x, self.filters, padding="same"))
        x = torch.relu(F.conv1d(x, self.mix * 2.0, stride=2, dilation=2))
        return self.head(x.amax(dim=-1))
