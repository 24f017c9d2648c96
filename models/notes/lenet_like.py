# Seed 003 (IIT Hyderabad "Building Blocks of CNNs", LeNet-like case study table); expected output: [B, 10] (params 832 + 51264 + 51400 + 2010) [PyTorch 1.13: output [2, 10] for batch 2, 105506 params]
import torch.nn as nn
import torch.nn.functional as F

# input: [B, 1, 28, 28]


class LeNetLike(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, kernel_size=5)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=5)
        self.fc1 = nn.Linear(256, 200)
        self.fc2 = nn.Linear(200, 10)

    def forward(self, x):
        x = F.relu(F.max_pool2d(self.conv1(x), kernel_size=3))
        x = F.relu(F.max_pool2d(self.conv2(x), kernel_size=2))
        x = x.view(-1, 256)
        x = F.relu(self.fc1(x))
        x = self.fc2(x)
        return x
