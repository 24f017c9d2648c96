# Seed 001 ("From MLP to CNN", Question 6: input (1, 50, 50)); expected: error (answer d) - conv2 = nn.Conv2d(1, 32, 3) receives 32 channels [PyTorch 1.13: conv2 raises RuntimeError "expected input[N, 32, 48, 48] to have 1 channels, but got 32"]
import torch.nn as nn
from torchsummary import summary


class CustomModel(nn.Module):
    def __init__(self):
        super(CustomModel, self).__init__()
        self.conv1 = nn.Conv2d(1, 32, kernel_size=3)
        self.conv2 = nn.Conv2d(1, 32, kernel_size=3)
        self.relu = nn.ReLU()

    def forward(self, x):
        x = self.relu(self.conv1(x))
        x = self.relu(self.conv2(x))
        return x


model = CustomModel()
summary(model, (1, 50, 50))
