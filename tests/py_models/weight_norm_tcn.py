"""Weight-normalised networks, as sequence and GAN code writes them: a temporal convolution
network of causal dilated blocks (each conv under nn.utils.weight_norm, the padding trimmed off
the right), and a small discriminator normalised by a loop over its modules."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import weight_norm


class CausalConv(nn.Module):
    """A dilated conv that only looks back: pad both sides, drop the right."""

    def __init__(self, cin, cout, kernel, dilation):
        super().__init__()
        self.trim = (kernel - 1) * dilation
        self.conv = weight_norm(nn.Conv1d(cin, cout, kernel, padding=self.trim,
                                          dilation=dilation))

    def forward(self, x):
        return self.conv(x)[..., :-self.trim]


class ResidualStage(nn.Module):
    def __init__(self, cin, cout, kernel, dilation, p_drop=0.1):
        super().__init__()
        self.first = CausalConv(cin, cout, kernel, dilation)
        self.second = CausalConv(cout, cout, kernel, dilation)
        self.drop = nn.Dropout(p_drop)
        self.skip = nn.Conv1d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x):
        h = self.drop(F.relu(self.first(x)))
        h = self.drop(F.relu(self.second(h)))
        return F.relu(h + self.skip(x))


class SequenceTCN(nn.Module):
    def __init__(self, in_features=3, widths=(16, 16, 32, 32), kernel=3, classes=5):
        super().__init__()
        stages = []
        cin = in_features
        for level, width in enumerate(widths):
            stages.append(ResidualStage(cin, width, kernel, dilation=2 ** level))
            cin = width
        self.stages = nn.Sequential(*stages)
        self.classify = nn.utils.weight_norm(nn.Linear(cin, classes), dim=None)

    def forward(self, x):  # x: [batch, time, features]
        h = self.stages(x.transpose(1, 2))
        return self.classify(h[:, :, -1])


class NormalisedCritic(nn.Module):
    def __init__(self, channels=3, width=16):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, width, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(width, width * 2, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(width * 2, width * 4, 4, 2, 1), nn.LeakyReLU(0.2),
        )
        self.score = nn.Linear(width * 4 * 4 * 4, 1)
        for module in self.modules():
            if isinstance(module, (nn.Conv2d, nn.Linear)):
                weight_norm(module)

    def forward(self, img):
        return self.score(torch.flatten(self.body(img), 1))
