# Dense connectivity built with comprehensions, f-strings and add_module.
import torch
import torch.nn as nn


class DenseLayer(nn.Module):
    def __init__(self, in_ch, growth, bn_size=4):
        super().__init__()
        inter = bn_size * growth
        self.norm1 = nn.BatchNorm2d(in_ch)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(in_ch, inter, kernel_size=1, bias=False)
        self.norm2 = nn.BatchNorm2d(inter)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(inter, growth, kernel_size=3, padding=1, bias=False)

    def forward(self, x):
        out = self.conv1(self.relu1(self.norm1(x)))
        out = self.conv2(self.relu2(self.norm2(out)))
        return torch.cat([x, out], 1)


class Transition(nn.Module):
    def __init__(self, in_ch, out_ch):
        super().__init__()
        self.norm = nn.BatchNorm2d(in_ch)
        self.conv = nn.Conv2d(in_ch, out_ch, kernel_size=1, bias=False)
        self.pool = nn.AvgPool2d(kernel_size=2, stride=2)

    def forward(self, x):
        return self.pool(self.conv(torch.relu(self.norm(x))))


class TinyDenseNet(nn.Module):
    def __init__(self, growth=12, blocks=(3, 3), init_ch=16, num_classes=10):
        super().__init__()
        self.stem = nn.Conv2d(3, init_ch, kernel_size=3, padding=1, bias=False)
        ch = init_ch
        stages = []
        for i, n in enumerate(blocks):
            stages.append(nn.Sequential(*[DenseLayer(ch + k * growth, growth) for k in range(n)]))
            ch += n * growth
            if i != len(blocks) - 1:
                stages.append(Transition(ch, ch // 2))
                ch = ch // 2
        self.features = nn.Sequential()
        for i, stage in enumerate(stages):
            self.features.add_module(f"stage{i + 1}", stage)
        self.norm = nn.BatchNorm2d(ch)
        self.head = nn.Linear(ch, num_classes)

    def forward(self, x):
        x = self.features(self.stem(x))
        x = torch.relu(self.norm(x))
        x = nn.functional.adaptive_avg_pool2d(x, (1, 1))
        x = torch.flatten(x, 1)
        return self.head(x)


model = TinyDenseNet()
# input: [1, 3, 32, 32]
