# A 1-D ResNet for ECG classification (12 leads, 4096 samples at 400 Hz): residual blocks of
# Conv1d/BatchNorm1d with a max-pooled skip, channel growth every other block, a global pool.
import torch
import torch.nn as nn


class ResBlock1d(nn.Module):
    def __init__(self, n_in, n_out, kernel_size=17, downsample=1, dropout=0.2):
        super().__init__()
        padding = (kernel_size - 1) // 2
        self.conv1 = nn.Conv1d(n_in, n_out, kernel_size, padding=padding, bias=False)
        self.bn1 = nn.BatchNorm1d(n_out)
        self.relu = nn.ReLU()
        self.drop = nn.Dropout(dropout)
        self.conv2 = nn.Conv1d(n_out, n_out, kernel_size, stride=downsample,
                               padding=padding, bias=False)
        self.bn2 = nn.BatchNorm1d(n_out)

        skip = []
        if downsample > 1:
            skip.append(nn.MaxPool1d(downsample, stride=downsample))
        if n_in != n_out:
            skip.append(nn.Conv1d(n_in, n_out, 1, bias=False))
        self.skip = nn.Sequential(*skip)

    def forward(self, x):
        y = self.skip(x)
        x = self.drop(self.relu(self.bn1(self.conv1(x))))
        x = self.bn2(self.conv2(x))
        x = x + y
        return self.drop(self.relu(x))


class ECGResNet(nn.Module):
    def __init__(self, n_leads=12, n_classes=6, blocks_dim=((64, 4096), (128, 1024), (196, 256),
                                                                 (256, 64), (320, 16)),
                 kernel_size=17, dropout=0.2):
        super().__init__()
        n_filters, n_samples = blocks_dim[0]
        self.conv1 = nn.Conv1d(n_leads, n_filters, kernel_size, padding=(kernel_size - 1) // 2,
                               bias=False)
        self.bn1 = nn.BatchNorm1d(n_filters)
        self.relu = nn.ReLU()

        self.res_blocks = nn.ModuleList()
        for n_filters_out, n_samples_out in blocks_dim[1:]:
            downsample = -(-n_samples // n_samples_out)  # ceil division
            self.res_blocks.append(
                ResBlock1d(n_filters, n_filters_out, kernel_size, downsample, dropout))
            n_filters, n_samples = n_filters_out, n_samples_out

        self.pool = nn.AdaptiveAvgPool1d(1)
        self.lin = nn.Linear(n_filters, n_classes)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        for blk in self.res_blocks:
            x = blk(x)
        x = self.pool(x).squeeze(-1)
        return self.lin(x)


model = ECGResNet()
# input: [2, 12, 4096]
