# Attention U-Net (Oktay et al. 2018) at a small size: attention gates that weight the skip
# connection by a sigmoid map computed from the gating signal (W_g g + W_x x), transposed
# conv up-sampling, torch.cat((x, g), dim=1).
import torch
import torch.nn as nn


class conv_block(nn.Module):
    def __init__(self, ch_in, ch_out):
        super(conv_block, self).__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(ch_in, ch_out, kernel_size=3, stride=1, padding=1, bias=True),
            nn.BatchNorm2d(ch_out),
            nn.ReLU(inplace=True),
            nn.Conv2d(ch_out, ch_out, kernel_size=3, stride=1, padding=1, bias=True),
            nn.BatchNorm2d(ch_out),
            nn.ReLU(inplace=True)
        )

    def forward(self, x):
        x = self.conv(x)
        return x


class up_conv(nn.Module):
    def __init__(self, ch_in, ch_out):
        super(up_conv, self).__init__()
        self.up = nn.Sequential(
            nn.ConvTranspose2d(ch_in, ch_out, kernel_size=2, stride=2),
            nn.BatchNorm2d(ch_out),
            nn.ReLU(inplace=True)
        )

    def forward(self, x):
        x = self.up(x)
        return x


class Attention_block(nn.Module):
    def __init__(self, F_g, F_l, F_int):
        super(Attention_block, self).__init__()
        self.W_g = nn.Sequential(
            nn.Conv2d(F_g, F_int, kernel_size=1, stride=1, padding=0, bias=True),
            nn.BatchNorm2d(F_int)
        )
        self.W_x = nn.Sequential(
            nn.Conv2d(F_l, F_int, kernel_size=1, stride=1, padding=0, bias=True),
            nn.BatchNorm2d(F_int)
        )
        self.psi = nn.Sequential(
            nn.Conv2d(F_int, 1, kernel_size=1, stride=1, padding=0, bias=True),
            nn.BatchNorm2d(1),
            nn.Sigmoid()
        )
        self.relu = nn.ReLU(inplace=True)

    def forward(self, g, x):
        g1 = self.W_g(g)
        x1 = self.W_x(x)
        psi = self.relu(g1 + x1)
        psi = self.psi(psi)
        return x * psi


class AttU_Net(nn.Module):
    def __init__(self, img_ch=3, output_ch=1, base=16):
        super(AttU_Net, self).__init__()
        f = [base * 2 ** i for i in range(4)]
        self.Maxpool = nn.MaxPool2d(kernel_size=2, stride=2)

        self.Conv1 = conv_block(ch_in=img_ch, ch_out=f[0])
        self.Conv2 = conv_block(ch_in=f[0], ch_out=f[1])
        self.Conv3 = conv_block(ch_in=f[1], ch_out=f[2])
        self.Conv4 = conv_block(ch_in=f[2], ch_out=f[3])

        self.Up4 = up_conv(ch_in=f[3], ch_out=f[2])
        self.Att4 = Attention_block(F_g=f[2], F_l=f[2], F_int=f[1])
        self.Up_conv4 = conv_block(ch_in=f[3], ch_out=f[2])

        self.Up3 = up_conv(ch_in=f[2], ch_out=f[1])
        self.Att3 = Attention_block(F_g=f[1], F_l=f[1], F_int=f[0])
        self.Up_conv3 = conv_block(ch_in=f[2], ch_out=f[1])

        self.Up2 = up_conv(ch_in=f[1], ch_out=f[0])
        self.Att2 = Attention_block(F_g=f[0], F_l=f[0], F_int=f[0] // 2)
        self.Up_conv2 = conv_block(ch_in=f[1], ch_out=f[0])

        self.Conv_1x1 = nn.Conv2d(f[0], output_ch, kernel_size=1, stride=1, padding=0)

    def forward(self, x):
        # encoding path
        x1 = self.Conv1(x)
        x2 = self.Conv2(self.Maxpool(x1))
        x3 = self.Conv3(self.Maxpool(x2))
        x4 = self.Conv4(self.Maxpool(x3))

        # decoding + concat path
        d4 = self.Up4(x4)
        x3 = self.Att4(g=d4, x=x3)
        d4 = torch.cat((x3, d4), dim=1)
        d4 = self.Up_conv4(d4)

        d3 = self.Up3(d4)
        x2 = self.Att3(g=d3, x=x2)
        d3 = torch.cat((x2, d3), dim=1)
        d3 = self.Up_conv3(d3)

        d2 = self.Up2(d3)
        x1 = self.Att2(g=d2, x=x1)
        d2 = torch.cat((x1, d2), dim=1)
        d2 = self.Up_conv2(d2)

        return self.Conv_1x1(d2)


model = AttU_Net()
# input: [1, 3, 64, 64]
