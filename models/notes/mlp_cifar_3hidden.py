# Seed 001 ("From MLP to CNN", MLP for Cifar-10, case 4: 3 hidden layers); expected output: [B, 10] [PyTorch 1.13: output [2, 10] for batch 2, 920842 params]
import torch.nn as nn
import torch.optim as optim

# input: [B, 3, 32, 32]

# model
model = nn.Sequential(
    nn.Flatten(), nn.Linear(32*32*3, 256),
    nn.ReLU(), nn.Linear(256, 256),
    nn.ReLU(), nn.Linear(256, 256),
    nn.ReLU(), nn.Linear(256, 10)
)

# loss and optimizer
criterion = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters(), lr=0.001)
