# A network ported from TensorFlow/Keras: "same" padding done with explicit ZeroPad2d before
# strided convs (asymmetric, as TF pads), a ConstantPad2d, eps/momentum set like Keras
# (BatchNorm2d(eps=1e-3, momentum=0.01)), Dense layers as Linear.
import torch
import torch.nn as nn


class KerasStyleNet(nn.Module):
    def __init__(self, num_classes=43):
        super().__init__()
        bn = lambda c: nn.BatchNorm2d(c, eps=1e-3, momentum=0.01)
        self.pad1 = nn.ZeroPad2d((0, 1, 0, 1))       # left, right, top, bottom
        self.conv1 = nn.Conv2d(3, 32, 3, stride=2)
        self.bn1 = bn(32)
        self.conv2 = nn.Conv2d(32, 32, 3, padding=1)
        self.bn2 = bn(32)
        self.pad2 = nn.ZeroPad2d((0, 1, 0, 1))
        self.conv3 = nn.Conv2d(32, 64, 3, stride=2)
        self.bn3 = bn(64)
        self.pad3 = nn.ConstantPad2d(2, 0.0)
        self.conv4 = nn.Conv2d(64, 64, 5)
        self.bn4 = bn(64)
        self.pool = nn.MaxPool2d(2)
        self.act = nn.ReLU()
        self.dense1 = nn.Linear(64 * 4 * 4, 256)
        self.dropout = nn.Dropout(0.5)
        self.dense2 = nn.Linear(256, num_classes)

    def forward(self, x):
        x = self.act(self.bn1(self.conv1(self.pad1(x))))
        x = self.act(self.bn2(self.conv2(x)))
        x = self.act(self.bn3(self.conv3(self.pad2(x))))
        x = self.act(self.bn4(self.conv4(self.pad3(x))))
        x = self.pool(x)
        x = torch.flatten(x, start_dim=1)
        x = self.dropout(self.act(self.dense1(x)))
        return self.dense2(x)


model = KerasStyleNet()
# input: [2, 3, 32, 32]
