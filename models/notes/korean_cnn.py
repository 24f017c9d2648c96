# Seed 002 ("Convolution Layers 실습", input (10, 1, 20, 20)); expected output: [10, 10] (conv1 [10, 3, 16, 16], conv2 [10, 10, 12, 12], flatten [10, 1440], fc1 [10, 50]) [PyTorch 1.13: output [10, 10] for batch 10, 73398 params]
import torch
import torch.nn as nn

# input: [10, 1, 20, 20]


class CNN(nn.Module):
    def __init__(self):
        super(CNN, self).__init__()
        self.conv1 = nn.Conv2d(in_channels=1, out_channels=3, kernel_size=5, stride=1)
        self.conv2 = nn.Conv2d(in_channels=3, out_channels=10, kernel_size=5, stride=1)
        self.fc1 = nn.Linear(10 * 12 * 12, 50)
        self.fc2 = nn.Linear(50, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = self.conv2(x)
        x = x.view(x.size(0), -1)
        x = self.fc1(x)
        x = self.fc2(x)
        return x


cnn = CNN()

# input size 10, 1, 20, 20
output = cnn(torch.randn(10, 1, 20, 20))
