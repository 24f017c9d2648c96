"""Fine-tuning torchvision's ResNet-18 on a 10-class problem, as transfer-learning tutorials do:
the backbone frozen, its classifier replaced by one sized from the layer it replaces."""
import torch.nn as nn
from torchvision import models


class FineTuned(nn.Module):
    def __init__(self, num_classes=10, freeze=True):
        super().__init__()
        self.backbone = models.resnet18(weights=None)
        if freeze:
            for p in self.backbone.parameters():
                p.requires_grad = False
        in_features = self.backbone.fc.in_features
        self.backbone.fc = nn.Sequential(nn.Dropout(0.2), nn.Linear(in_features, num_classes))

    def forward(self, x):
        return self.backbone(x)
