# A VGG written the way model zoos write it: a config dict, a make_layers function, factories.
import torch
import torch.nn as nn

cfgs = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "small": [32, "M", 64, "M", 128, 128, "M"],
}


def make_layers(cfg, batch_norm=False, in_channels=3):
    layers = []
    for v in cfg:
        if v == "M":
            layers += [nn.MaxPool2d(kernel_size=2, stride=2)]
        else:
            conv2d = nn.Conv2d(in_channels, v, kernel_size=3, padding=1)
            if batch_norm:
                layers += [conv2d, nn.BatchNorm2d(v), nn.ReLU(inplace=True)]
            else:
                layers += [conv2d, nn.ReLU(inplace=True)]
            in_channels = v
    return nn.Sequential(*layers)


class VGG(nn.Module):
    def __init__(self, features, num_classes=10, width=512, spatial=1):
        super().__init__()
        self.features = features
        self.classifier = nn.Sequential(
            nn.Linear(width * spatial * spatial, 256),
            nn.ReLU(True),
            nn.Dropout(p=0.5),
            nn.Linear(256, num_classes),
        )
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                if m.bias is not None:
                    nn.init.constant_(m.bias, 0)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01)

    def forward(self, x):
        x = self.features(x)
        x = torch.flatten(x, 1)
        x = self.classifier(x)
        return x


def vgg11_bn(**kwargs):
    return VGG(make_layers(cfgs["A"], batch_norm=True), **kwargs)


def vgg_small(num_classes=10):
    return VGG(make_layers(cfgs["small"]), num_classes=num_classes, width=128, spatial=4)

# input: [2, 3, 32, 32]
