# An audio-tagging CNN on log-mel spectrograms (1 x 64 mel bins x 256 frames, not square):
# InstanceNorm2d on the input, conv blocks with average pooling, the frequency axis averaged
# away with mean(dim=2), a Conv1d over time, global max pooling with AdaptiveMaxPool1d.
import torch
import torch.nn as nn
import torch.nn.functional as F


class ConvBlock(nn.Module):
    def __init__(self, in_channels, out_channels, pool_size=(2, 2)):
        super(ConvBlock, self).__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=(3, 3), stride=(1, 1),
                               padding=(1, 1), bias=False)
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=(3, 3), stride=(1, 1),
                               padding=(1, 1), bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.pool_size = pool_size

    def forward(self, x):
        x = F.relu_(self.bn1(self.conv1(x)))
        x = F.relu_(self.bn2(self.conv2(x)))
        x = F.avg_pool2d(x, kernel_size=self.pool_size)
        return x


class AudioTagger(nn.Module):
    def __init__(self, classes_num=50, channels=(32, 64, 128)):
        super(AudioTagger, self).__init__()
        self.input_norm = nn.InstanceNorm2d(1)
        blocks = []
        cin = 1
        for c in channels:
            blocks.append(ConvBlock(cin, c))
            cin = c
        self.blocks = nn.Sequential(*blocks)
        self.temporal = nn.Conv1d(cin, 256, kernel_size=3, padding=1)
        self.temporal_bn = nn.BatchNorm1d(256)
        self.global_pool = nn.AdaptiveMaxPool1d(1)
        self.fc = nn.Linear(256, classes_num, bias=True)

    def forward(self, x):
        x = self.input_norm(x)
        x = self.blocks(x)                 # (batch, channels, mel, time)
        x = torch.mean(x, dim=2)           # (batch, channels, time)
        x = F.relu(self.temporal_bn(self.temporal(x)))
        x = F.dropout(x, p=0.2, training=self.training)
        x = self.global_pool(x).squeeze(2)
        return torch.sigmoid(self.fc(x))


model = AudioTagger()
# input: [2, 1, 64, 256]
