# Seed 001 ("From MLP to CNN", MLP for Fashion-MNIST, case 1); expected output: [B, 10] [PyTorch 1.13: output [2, 10] for batch 2, 203530 params]
import torch.nn as nn
import torch.optim as optim

# input: [B, 1, 28, 28]

# model
model = nn.Sequential(
    nn.Flatten(),
    nn.Linear(784, 256),
    nn.ReLU(),
    nn.Linear(256, 10)
)

# Loss and optimizer
criterion = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters(), lr=0.001)
