# MobileNetV3-Small for 64x64 images: a settings table (kernel, expansion, out, SE, activation,
# stride), Hardswish and ReLU chosen per row, squeeze-excite with Hardsigmoid, a residual when
# the stride is 1 and the channels agree, _make_divisible for the squeezed channels.
import torch
import torch.nn as nn


def _make_divisible(v, divisor=8, min_value=None):
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


class SqueezeExcitation(nn.Module):
    def __init__(self, input_channels, squeeze_factor=4):
        super().__init__()
        squeeze_channels = _make_divisible(input_channels // squeeze_factor, 8)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(input_channels, squeeze_channels, 1)
        self.relu = nn.ReLU(inplace=True)
        self.fc2 = nn.Conv2d(squeeze_channels, input_channels, 1)
        self.hsigmoid = nn.Hardsigmoid(inplace=True)

    def forward(self, x):
        scale = self.avgpool(x)
        scale = self.fc1(scale)
        scale = self.relu(scale)
        scale = self.fc2(scale)
        return self.hsigmoid(scale) * x


class ConvBNActivation(nn.Sequential):
    def __init__(self, in_planes, out_planes, kernel_size=3, stride=1, groups=1,
                 activation_layer=nn.Hardswish):
        padding = (kernel_size - 1) // 2
        layers = [
            nn.Conv2d(in_planes, out_planes, kernel_size, stride, padding, groups=groups,
                      bias=False),
            nn.BatchNorm2d(out_planes, eps=0.001, momentum=0.01),
        ]
        if activation_layer is not None:
            layers.append(activation_layer(inplace=True))
        super().__init__(*layers)


class InvertedResidual(nn.Module):
    def __init__(self, cin, kernel, expanded, cout, use_se, activation, stride):
        super().__init__()
        self.use_res_connect = stride == 1 and cin == cout
        act = nn.Hardswish if activation == "HS" else nn.ReLU
        layers = []
        if expanded != cin:
            layers.append(ConvBNActivation(cin, expanded, kernel_size=1, activation_layer=act))
        layers.append(ConvBNActivation(expanded, expanded, kernel_size=kernel, stride=stride,
                                       groups=expanded, activation_layer=act))
        if use_se:
            layers.append(SqueezeExcitation(expanded))
        layers.append(ConvBNActivation(expanded, cout, kernel_size=1, activation_layer=None))
        self.block = nn.Sequential(*layers)

    def forward(self, x):
        result = self.block(x)
        if self.use_res_connect:
            result += x
        return result


class MobileNetV3Small(nn.Module):
    # kernel, expanded, out, SE, activation, stride
    settings = [
        [3, 16, 16, True, "RE", 2],
        [3, 72, 24, False, "RE", 2],
        [3, 88, 24, False, "RE", 1],
        [5, 96, 40, True, "HS", 2],
        [5, 240, 40, True, "HS", 1],
        [5, 120, 48, True, "HS", 1],
        [5, 288, 96, True, "HS", 2],
        [5, 576, 96, True, "HS", 1],
    ]

    def __init__(self, num_classes=200, last_channel=1024, dropout=0.2):
        super().__init__()
        layers = [ConvBNActivation(3, 16, kernel_size=3, stride=2)]
        cin = 16
        for k, exp, out, se, nl, s in self.settings:
            layers.append(InvertedResidual(cin, k, exp, out, se, nl, s))
            cin = out
        last_conv = 6 * cin
        layers.append(ConvBNActivation(cin, last_conv, kernel_size=1))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(
            nn.Linear(last_conv, last_channel),
            nn.Hardswish(inplace=True),
            nn.Dropout(p=dropout, inplace=True),
            nn.Linear(last_channel, num_classes),
        )

    def forward(self, x):
        x = self.features(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.classifier(x)


model = MobileNetV3Small()
# input: [2, 3, 64, 64]
