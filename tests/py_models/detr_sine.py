"""A small DETR-style set predictor, written as detection repos write it: a strided conv
backbone, a 1x1 input projection, sine position encodings computed from the padding mask with
cumsum (a helper function and a module that wraps it), nn.Transformer over the flattened
feature map with learned queries (an nn.Parameter), and class and box heads on every query."""
import math

import torch
import torch.nn as nn


def sine_encoding(mask, channels, temperature=10000.0, normalize=True):
    """Encodings [B, channels, H, W] of a padding mask [B, H, W] (True marks padding)."""
    valid = ~mask
    rows = valid.cumsum(1, dtype=torch.float32)
    cols = valid.cumsum(2, dtype=torch.float32)
    if normalize:
        rows = rows / (rows[:, -1:, :] + 1e-6) * 2 * math.pi
        cols = cols / (cols[:, :, -1:] + 1e-6) * 2 * math.pi
    half = channels // 2
    freqs = torch.arange(half, dtype=torch.float32, device=mask.device)
    freqs = temperature ** (2 * (freqs // 2) / half)
    parts = []
    for grid in (rows, cols):
        g = grid[:, :, :, None] / freqs
        g = torch.stack((g[:, :, :, 0::2].sin(), g[:, :, :, 1::2].cos()), dim=4).flatten(3)
        parts.append(g)
    return torch.cat(parts, dim=3).permute(0, 3, 1, 2)


class SinePositions(nn.Module):
    def __init__(self, channels, temperature=10000.0):
        super().__init__()
        self.channels = channels
        self.temperature = temperature

    def forward(self, feats):
        b, _, h, w = feats.shape
        mask = torch.zeros(b, h, w, dtype=torch.bool, device=feats.device)
        return sine_encoding(mask, self.channels, self.temperature)


class ConvBackbone(nn.Module):
    def __init__(self, widths=(32, 64, 128)):
        super().__init__()
        layers = []
        c = 3
        for w in widths:
            layers += [nn.Conv2d(c, w, 3, stride=2, padding=1, bias=False),
                       nn.BatchNorm2d(w), nn.ReLU(inplace=True)]
            c = w
        self.body = nn.Sequential(*layers)
        self.out_channels = c

    def forward(self, x):
        return self.body(x)


class TinyDETR(nn.Module):
    def __init__(self, num_classes=20, num_queries=16, d_model=64, nhead=4, layers=2):
        super().__init__()
        self.backbone = ConvBackbone()
        self.input_proj = nn.Conv2d(self.backbone.out_channels, d_model, kernel_size=1)
        self.position = SinePositions(d_model)
        self.queries = nn.Parameter(torch.rand(num_queries, d_model))
        self.transformer = nn.Transformer(d_model, nhead, layers, layers,
                                          dim_feedforward=2 * d_model, dropout=0.1)
        self.class_head = nn.Linear(d_model, num_classes + 1)
        self.box_head = nn.Sequential(nn.Linear(d_model, d_model), nn.ReLU(),
                                      nn.Linear(d_model, 4))

    def forward(self, images):
        feats = self.input_proj(self.backbone(images))
        src = (feats + self.position(feats)).flatten(2).permute(2, 0, 1)
        queries = self.queries.unsqueeze(1).repeat(1, feats.shape[0], 1)
        hs = self.transformer(src, queries).transpose(0, 1)
        return {"pred_logits": self.class_head(hs), "pred_boxes": self.box_head(hs).sigmoid()}


class PositionProbe(nn.Module):
    """The encodings alone, cumprod of a ramp beside them: what a shape quiz asks about."""

    def __init__(self, channels=32):
        super().__init__()
        self.conv = nn.Conv2d(3, channels, 3, padding=1)
        self.position = SinePositions(channels, temperature=100.0)

    def forward(self, x):
        f = self.conv(x)
        ramp = torch.sigmoid(f).cumprod(dim=-1)
        return f + self.position(f) + torch.cumsum(ramp, 2)
