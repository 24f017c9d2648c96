"""A spectrally normalised GAN, as SNGAN and self-attention GAN code writes it: every conv of the
discriminator wrapped by a helper around nn.utils.spectral_norm, residual down-sampling blocks, a
projection head over class embeddings; and a generator whose transposed convolutions are
normalised over their output channels (spectral_norm's default dim for them)."""
import torch
import torch.nn as nn
import torch.nn.functional as F

SN = nn.utils.spectral_norm


def sn_conv(cin, cout, kernel=3, stride=1):
    return SN(nn.Conv2d(cin, cout, kernel, stride, padding=kernel // 2))


class DownBlock(nn.Module):
    def __init__(self, cin, cout, first=False):
        super().__init__()
        self.first = first
        self.conv1 = sn_conv(cin, cout)
        self.conv2 = sn_conv(cout, cout)
        self.shortcut = sn_conv(cin, cout, kernel=1)

    def forward(self, x):
        h = x if self.first else F.relu(x)
        h = self.conv2(F.relu(self.conv1(h)))
        h = F.avg_pool2d(h, 2)
        return h + F.avg_pool2d(self.shortcut(x), 2)


class ProjectionCritic(nn.Module):
    def __init__(self, channels=3, width=32, classes=10):
        super().__init__()
        widths = [width, width * 2, width * 4]
        blocks = []
        cin = channels
        for i, w in enumerate(widths):
            blocks.append(DownBlock(cin, w, first=(i == 0)))
            cin = w
        self.blocks = nn.Sequential(*blocks)
        self.linear = SN(nn.Linear(cin, 1))
        self.embed = SN(nn.Embedding(classes, cin))

    def forward(self, img):  # img: [batch, 3, 32, 32]
        h = F.relu(self.blocks(img)).sum(dim=(2, 3))
        labels = torch.zeros(img.size(0), dtype=torch.long)
        return self.linear(h) + (self.embed(labels) * h).sum(dim=1, keepdim=True)


class SNGenerator(nn.Module):
    def __init__(self, z_dim=64, width=32):
        super().__init__()
        self.project = SN(nn.Linear(z_dim, width * 4 * 4 * 4))
        layers = []
        c = width * 4
        for _ in range(3):
            layers += [SN(nn.ConvTranspose2d(c, c // 2, 4, 2, 1)), nn.BatchNorm2d(c // 2), nn.ReLU()]
            c //= 2
        self.up = nn.Sequential(*layers)
        self.to_rgb = nn.Conv2d(c, 3, 3, padding=1)
        self.width = width

    def forward(self, z):  # z: [batch, 64]
        h = self.project(z).view(-1, self.width * 4, 4, 4)
        return torch.tanh(self.to_rgb(self.up(h)))
