"""Transfer learning written before torchvision 0.13, as many tutorials still are: the builders
given the deprecated `pretrained=False` (and `pretrained_backbone=False`), which torchvision's
legacy wrapper turns into `weights=None`; a VGG's last layer replaced, an FCN head on top."""
import torch
import torch.nn as nn
from torchvision import models
from torchvision.models.segmentation import fcn_resnet50


def set_parameter_requires_grad(model, feature_extracting):
    if feature_extracting:
        for param in model.parameters():
            param.requires_grad = False


class TwoHeads(nn.Module):
    def __init__(self, num_classes=4, feature_extract=True, use_pretrained=False):
        super().__init__()
        self.vgg = models.vgg11_bn(pretrained=use_pretrained)
        set_parameter_requires_grad(self.vgg, feature_extract)
        num_ftrs = self.vgg.classifier[6].in_features
        self.vgg.classifier[6] = nn.Linear(num_ftrs, num_classes)
        self.seg = fcn_resnet50(pretrained=False, pretrained_backbone=False, num_classes=num_classes,
                                aux_loss=False)

    def forward(self, x):
        return torch.cat([self.vgg(x), self.seg(x)["out"].mean((2, 3))], 1)
