# Seed 000 (UP Diliman EE 298 "Conv2d/MaxPool2d" slides, CIFAR-10 CNN); expected output: [B, 10] [PyTorch 1.13: output [2, 10] for batch 2, 356810 params]
import torch
import torch.nn as nn
import pytorch_lightning as pl

# input: [B, 3, 32, 32]


class CNN(pl.LightningModule):
    def __init__(self, num_channel, num_class):
        super().__init__()
        self.num_channel = num_channel
        self.num_class = num_class
        self.conv1 = nn.Conv2d(num_channel, 32, kernel_size=3)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=3)
        self.conv3 = nn.Conv2d(64, 128, kernel_size=3)
        self.pool = nn.MaxPool2d(2, 2)
        self.relu = nn.ReLU()
        self.fc1 = nn.Linear(128*4*4, 128)
        self.fc2 = nn.Linear(128, num_class)
        self.criterion = nn.CrossEntropyLoss()

    def forward(self, x):
        x = self.pool(self.relu(self.conv1(x)))
        x = self.pool(self.relu(self.conv2(x)))
        x = self.relu(self.conv3(x))
        x = x.view(x.shape[0], -1)
        x = self.relu(self.fc1(x))
        return self.fc2(x)


model = CNN(num_channel=3, num_class=10)
