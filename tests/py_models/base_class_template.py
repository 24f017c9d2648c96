# A user base class that owns forward and the classifier, with subclasses that only build the
# feature extractor in a method the base calls (template method), passing options up with
# super().__init__(...) and keyword arguments; a @property used while building.
import torch
import torch.nn as nn


class BaseClassifier(nn.Module):
    def __init__(self, num_classes=10, in_channels=3, dropout=0.0):
        super().__init__()
        self.in_channels = in_channels
        self.features = self.build_features()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.classifier = nn.Linear(self.feature_dim, num_classes)

    def build_features(self):
        raise NotImplementedError

    @property
    def feature_dim(self):
        return self.widths[-1]

    def forward(self, x):
        x = self.features(x)
        x = torch.flatten(self.pool(x), 1)
        return self.classifier(self.dropout(x))


class PlainConvNet(BaseClassifier):
    widths = [32, 64, 128]

    def build_features(self):
        layers = []
        cin = self.in_channels
        for w in self.widths:
            layers += [nn.Conv2d(cin, w, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
            cin = w
        return nn.Sequential(*layers)


class StridedConvNet(BaseClassifier):
    def __init__(self, widths=(24, 48, 96, 192), **kwargs):
        self.widths = list(widths)
        super().__init__(dropout=0.25, **kwargs)

    def build_features(self):
        chans = [self.in_channels] + self.widths
        return nn.Sequential(*[
            nn.Sequential(nn.Conv2d(a, b, 3, stride=2, padding=1, bias=False),
                          nn.BatchNorm2d(b), nn.ReLU(inplace=True))
            for a, b in zip(chans[:-1], chans[1:])
        ])


def plain(num_classes=10):
    return PlainConvNet(num_classes=num_classes)


def strided(num_classes=100):
    return StridedConvNet(num_classes=num_classes, in_channels=1)


# plain input: [2, 3, 32, 32]; strided input: [2, 1, 64, 64]
