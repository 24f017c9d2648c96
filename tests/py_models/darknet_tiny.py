# A YOLOv3-tiny-like detector backbone and two heads: a layer config list of tuples and
# strings parsed in a loop, LeakyReLU(0.1), a stride-1 max pool after ZeroPad2d, a route that
# upsamples with nn.Upsample and concatenates an earlier feature map. forward returns the
# fine-scale head only.
import torch
import torch.nn as nn

# (filters, kernel, stride) for a conv, "M" for a 2x2/2 max pool
BACKBONE = [(16, 3, 1), "M", (32, 3, 1), "M", (64, 3, 1), "M", (128, 3, 1), "M",
            (256, 3, 1), "M", (512, 3, 1)]


def conv_leaky(cin, cout, k, s=1):
    return nn.Sequential(
        nn.Conv2d(cin, cout, k, s, (k - 1) // 2, bias=False),
        nn.BatchNorm2d(cout, momentum=0.01),
        nn.LeakyReLU(0.1, inplace=True),
    )


class TinyYOLO(nn.Module):
    def __init__(self, num_classes=20, num_anchors=3, route_index=8):
        super().__init__()
        out_per_anchor = 5 + num_classes
        layers = []
        cin = 3
        self.route_index = route_index
        for v in BACKBONE:
            if v == "M":
                layers.append(nn.MaxPool2d(2, 2))
            else:
                f, k, s = v
                layers.append(conv_leaky(cin, f, k, s))
                cin = f
        self.backbone = nn.ModuleList(layers)
        self.route_ch = 256
        self.pad = nn.ZeroPad2d((0, 1, 0, 1))
        self.pool_s1 = nn.MaxPool2d(2, 1)
        self.conv_after = conv_leaky(cin, 1024, 3)
        self.reduce = conv_leaky(1024, 256, 1)
        self.lateral = conv_leaky(256, 128, 1)
        self.upsample = nn.Upsample(scale_factor=2, mode="nearest")
        self.head_fine = nn.Sequential(
            conv_leaky(128 + self.route_ch, 256, 3),
            nn.Conv2d(256, num_anchors * out_per_anchor, 1),
        )

    def forward(self, x):
        route = x
        for i, layer in enumerate(self.backbone):
            x = layer(x)
            if i == self.route_index:
                route = x
        x = self.pool_s1(self.pad(x))
        x = self.reduce(self.conv_after(x))
        x = self.upsample(self.lateral(x))
        x = torch.cat([x, route], 1)
        return self.head_fine(x)


model = TinyYOLO()
# input: [1, 3, 64, 64]
