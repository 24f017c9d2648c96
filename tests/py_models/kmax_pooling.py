"""A 1-D convolutional classifier with k-max pooling, as sentence-modelling papers and their
reimplementations write it: each channel keeps its k largest activations over time (torch.topk),
the k shrinking with depth; and a ranking head that orders its scores (torch.sort)."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class KMaxPool(nn.Module):
    def __init__(self, k):
        super().__init__()
        self.k = k

    def forward(self, x):
        return x.topk(self.k, dim=2)[0]


class KMaxCNN(nn.Module):
    def __init__(self, in_channels=8, widths=(32, 64), ks=(12, 4), num_classes=5):
        super().__init__()
        layers = []
        channels = in_channels
        for width, k in zip(widths, ks):
            layers += [nn.Conv1d(channels, width, 5, padding=2), nn.ReLU(), KMaxPool(k)]
            channels = width
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(channels * ks[-1], num_classes)

    def forward(self, x):
        h = self.features(x)
        return self.classifier(h.flatten(1))


class RankingHead(nn.Module):
    def __init__(self, features=8, candidates=6):
        super().__init__()
        self.score = nn.Linear(features, candidates)

    def forward(self, x):
        scores = self.score(x)
        ranked, order = torch.sort(scores, dim=-1, descending=True)
        best, _ = ranked.topk(3)
        return {"weights": F.softmax(best, dim=-1), "order": order}
