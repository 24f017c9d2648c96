# A convolutional autoencoder for 28x28 grayscale images: encoder and decoder submodules, the
# decoder's ConvTranspose2d layers using output_padding to get back to 28x28.
import torch
from torch import nn


class Encoder(nn.Module):
    def __init__(self, in_channels=1, base=16, latent_dim=32):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(in_channels, base, 3, stride=2, padding=1),   # 14x14
            nn.ReLU(True),
            nn.Conv2d(base, base * 2, 3, stride=2, padding=1),      # 7x7
            nn.BatchNorm2d(base * 2),
            nn.ReLU(True),
            nn.Conv2d(base * 2, base * 4, 3, stride=2, padding=0),  # 3x3
            nn.ReLU(True),
        )
        self.flatten = nn.Flatten(start_dim=1)
        self.fc = nn.Sequential(
            nn.Linear(3 * 3 * base * 4, 128),
            nn.ReLU(True),
            nn.Linear(128, latent_dim),
        )

    def forward(self, x):
        x = self.conv(x)
        x = self.flatten(x)
        return self.fc(x)


class Decoder(nn.Module):
    def __init__(self, out_channels=1, base=16, latent_dim=32):
        super().__init__()
        self.fc = nn.Sequential(
            nn.Linear(latent_dim, 128),
            nn.ReLU(True),
            nn.Linear(128, 3 * 3 * base * 4),
            nn.ReLU(True),
        )
        self.unflatten = nn.Unflatten(dim=1, unflattened_size=(base * 4, 3, 3))
        self.deconv = nn.Sequential(
            nn.ConvTranspose2d(base * 4, base * 2, 3, stride=2, output_padding=0),
            nn.BatchNorm2d(base * 2),
            nn.ReLU(True),
            nn.ConvTranspose2d(base * 2, base, 3, stride=2, padding=1, output_padding=1),
            nn.BatchNorm2d(base),
            nn.ReLU(True),
            nn.ConvTranspose2d(base, out_channels, 3, stride=2, padding=1, output_padding=1),
        )

    def forward(self, x):
        x = self.fc(x)
        x = self.unflatten(x)
        x = self.deconv(x)
        return torch.sigmoid(x)


class AutoEncoder(nn.Module):
    def __init__(self, latent_dim=32):
        super().__init__()
        self.encoder = Encoder(latent_dim=latent_dim)
        self.decoder = Decoder(latent_dim=latent_dim)

    def forward(self, x):
        z = self.encoder(x)
        return self.decoder(z)


model = AutoEncoder(latent_dim=16)
# input: [8, 1, 28, 28]
