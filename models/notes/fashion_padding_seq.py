# Seed 001 ("From MLP to CNN", Padding example: Sequential with padding='same' and stride 2); expected output: [B, 10] [PyTorch 1.13: output [2, 10] for batch 2, 1818890 params]
import torch.nn as nn

# input: [B, 1, 28, 28]

model = nn.Sequential(
    nn.Conv2d(1, 32, kernel_size=3, padding='same', stride=1), nn.ReLU(),
    nn.Conv2d(32, 64, kernel_size=3, padding=1, stride=2), nn.ReLU(),
    nn.Conv2d(64, 128, kernel_size=3, padding=1, stride=1), nn.ReLU(),
    nn.Conv2d(128, 256, kernel_size=3, padding=1, stride=2), nn.ReLU(),
    nn.Conv2d(256, 512, kernel_size=3, padding=1, stride=1), nn.ReLU(),
    nn.Flatten(), nn.Linear(7*7*512, 10)
)
