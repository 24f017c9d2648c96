"""Metric-learning heads as siamese-network and contrastive tutorials write them: one embedding
network applied to both members of each pair (a `forward_once` helper), the pair compared by
distance and by cosine similarity; and a SimCLR-style head that scores two views of every image
against each other."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class SiameseNet(nn.Module):
    def __init__(self, embedding_dim=32):
        super().__init__()
        self.cnn = nn.Sequential(
            nn.Conv2d(1, 16, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
        )
        self.fc = nn.Sequential(
            nn.Linear(32 * 7 * 7, 128),
            nn.ReLU(inplace=True),
            nn.Linear(128, embedding_dim),
        )
        self.distance = nn.PairwiseDistance(p=2)
        self.similarity = nn.CosineSimilarity(dim=1, eps=1e-6)

    def forward_once(self, x):
        out = self.cnn(x)
        out = out.view(out.size(0), -1)
        return self.fc(out)

    def forward(self, x):
        # the batch holds pairs: even rows are the anchors, odd rows their partners
        anchor, other = x[0::2], x[1::2]
        a = self.forward_once(anchor)
        b = self.forward_once(other)
        d = self.distance(a, b)
        s = self.similarity(a, b)
        return torch.stack([d, s], dim=1)


class TwoViewScorer(nn.Module):
    def __init__(self, features=64, projection=16, temperature=0.5):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(3, features, 3, stride=2, padding=1),
            nn.BatchNorm2d(features),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        self.projector = nn.Sequential(
            nn.Linear(features, features), nn.ReLU(), nn.Linear(features, projection)
        )
        self.temperature = temperature

    def forward(self, x):
        views = torch.cat([x, x.flip(3)], dim=0)
        z = self.projector(self.encoder(views))
        scores = F.cosine_similarity(z.unsqueeze(1), z.unsqueeze(0), dim=-1)
        return scores / self.temperature
