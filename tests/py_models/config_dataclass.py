# Hyperparameters in a dataclass, the model built from the config object: stage widths and
# depths as tuples, a norm choice and an activation name looked up in a dict.
from dataclasses import dataclass, field
from typing import Tuple

import torch
import torch.nn as nn


@dataclass
class NetConfig:
    in_channels: int = 3
    num_classes: int = 37
    widths: Tuple[int, ...] = (32, 64, 128, 256)
    depths: Tuple[int, ...] = (1, 1, 2, 1)
    activation: str = "silu"
    dropout: float = 0.1
    use_bn: bool = True


ACTIVATIONS = {
    "relu": nn.ReLU,
    "silu": nn.SiLU,
    "gelu": nn.GELU,
}


class ConvNet(nn.Module):
    def __init__(self, cfg: NetConfig):
        super().__init__()
        act = ACTIVATIONS[cfg.activation]
        layers = []
        ch = cfg.in_channels
        for stage, (width, depth) in enumerate(zip(cfg.widths, cfg.depths)):
            for d in range(depth):
                stride = 2 if d == 0 and stage > 0 else 1
                layers.append(nn.Conv2d(ch, width, 3, stride, 1, bias=not cfg.use_bn))
                if cfg.use_bn:
                    layers.append(nn.BatchNorm2d(width))
                layers.append(act())
                ch = width
        self.body = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.drop = nn.Dropout(cfg.dropout)
        self.fc = nn.Linear(ch, cfg.num_classes)

    def forward(self, x):
        x = self.pool(self.body(x))
        x = torch.flatten(x, 1)
        return self.fc(self.drop(x))


model = ConvNet(NetConfig(activation="gelu"))
# input: [2, 3, 64, 64]
