# Seed 001 ("From MLP to CNN", Question 5: input (1, 50, 50)); expected output: [B, 32, 10, 10] (answer b) [PyTorch 1.13: output [2, 32, 10, 10] for batch 2, 25952 params]
import torch.nn as nn
from torchsummary import summary


class CustomModel(nn.Module):
    def __init__(self):
        super(CustomModel, self).__init__()
        self.conv1 = nn.Conv2d(1, 32, kernel_size=3)
        self.pool1 = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(32, 32, kernel_size=5)
        self.pool2 = nn.MaxPool2d(2, 2)
        self.relu = nn.ReLU()

    def forward(self, x):
        x = self.relu(self.conv1(x))
        x = self.pool1(x)
        x = self.relu(self.conv2(x))
        x = self.pool2(x)
        return x


model = CustomModel()
summary(model, (1, 50, 50))
