"""Shifted-window attention, as Swin-style code writes it: the feature map rolled by half a window
(torch.roll), cut into windows (view/permute), attention inside each window, the windows put back
and the map rolled back; a patch-merging stage between two blocks."""
import torch
import torch.nn as nn
import torch.nn.functional as F


def window_partition(x, ws):
    b, h, w, c = x.shape
    x = x.view(b, h // ws, ws, w // ws, ws, c)
    return x.permute(0, 1, 3, 2, 4, 5).contiguous().view(-1, ws * ws, c)


def window_reverse(windows, ws, h, w):
    b = windows.shape[0] // ((h // ws) * (w // ws))
    x = windows.view(b, h // ws, w // ws, ws, ws, -1)
    return x.permute(0, 1, 3, 2, 4, 5).contiguous().view(b, h, w, -1)


class WindowBlock(nn.Module):
    def __init__(self, dim, heads, window=4, shift=0, mlp_ratio=2.0):
        super().__init__()
        self.window, self.shift = window, shift
        self.norm1 = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.norm2 = nn.LayerNorm(dim)
        hidden = int(dim * mlp_ratio)
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim))

    def forward(self, x):  # x: [b, h, w, c]
        b, h, w, c = x.shape
        y = self.norm1(x)
        if self.shift:
            y = torch.roll(y, shifts=(-self.shift, -self.shift), dims=(1, 2))
        win = window_partition(y, self.window)
        win, _ = self.attn(win, win, win, need_weights=False)
        y = window_reverse(win, self.window, h, w)
        if self.shift:
            y = y.roll((self.shift, self.shift), (1, 2))
        x = x + y
        return x + self.mlp(self.norm2(x))


class PatchMerge(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.norm = nn.LayerNorm(4 * dim)
        self.reduce = nn.Linear(4 * dim, 2 * dim, bias=False)

    def forward(self, x):
        x = torch.cat([x[:, 0::2, 0::2], x[:, 1::2, 0::2], x[:, 0::2, 1::2], x[:, 1::2, 1::2]], -1)
        return self.reduce(self.norm(x))


class TinySwin(nn.Module):
    def __init__(self, in_ch=3, dim=32, classes=10):
        super().__init__()
        self.embed = nn.Conv2d(in_ch, dim, 4, stride=4)
        self.stage1 = nn.Sequential(WindowBlock(dim, 2), WindowBlock(dim, 2, shift=2))
        self.merge = PatchMerge(dim)
        self.stage2 = nn.Sequential(WindowBlock(2 * dim, 4), WindowBlock(2 * dim, 4, shift=2))
        self.head = nn.Linear(2 * dim, classes)

    def forward(self, img):  # img: [batch, 3, 64, 64]
        x = self.embed(img).permute(0, 2, 3, 1)
        x = self.stage2(self.merge(self.stage1(x)))
        return self.head(x.mean(dim=(1, 2)))
