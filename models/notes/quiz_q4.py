# Seed 001 ("From MLP to CNN", Question 4: input (1, 50, 50)); expected output: [B, 32, 24, 24] (answer d) [PyTorch 1.13: output [2, 32, 24, 24] for batch 2, 320 params]
import torch.nn as nn
from torchsummary import summary


class CustomModel(nn.Module):
    def __init__(self):
        super(CustomModel, self).__init__()
        self.conv = nn.Conv2d(1, 32, kernel_size=3)
        self.pool = nn.MaxPool2d(2, 2)
        self.relu = nn.ReLU()

    def forward(self, x):
        x = self.conv(x)
        x = self.relu(x)
        x = self.pool(x)
        return x


model = CustomModel()
summary(model, (1, 50, 50))
