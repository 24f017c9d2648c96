"""torchvision's DeepLabV3 (MobileNetV3 backbone) for 3 classes, without pretrained weights,
its output dict's "out" returned."""
import torch.nn as nn
import torchvision


class Segmenter(nn.Module):
    def __init__(self, num_classes=3):
        super().__init__()
        self.net = torchvision.models.segmentation.deeplabv3_mobilenet_v3_large(
            weights=None, weights_backbone=None, num_classes=num_classes)

    def forward(self, x):
        return self.net(x)["out"]
