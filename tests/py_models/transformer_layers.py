"""torch.nn's own transformer modules, used the way tutorials use them: a time-series classifier
on nn.TransformerEncoder, a sequence-to-sequence nn.Transformer, and an image captioner-style
nn.TransformerDecoder (pre-norm, a GELU module) reading a CNN's feature map."""
import torch
import torch.nn as nn


class SeriesClassifier(nn.Module):
    def __init__(self, features=8, d_model=64, nhead=4, num_layers=3, num_classes=5):
        super().__init__()
        self.input_proj = nn.Linear(features, d_model)
        layer = nn.TransformerEncoderLayer(d_model=d_model, nhead=nhead, dim_feedforward=128,
                                           dropout=0.1, activation="gelu", batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=num_layers,
                                             norm=nn.LayerNorm(d_model))
        self.classifier = nn.Linear(d_model, num_classes)

    def forward(self, x):
        h = self.encoder(self.input_proj(x))
        return self.classifier(h[:, -1, :])


class Seq2Seq(nn.Module):
    """Sequence first, as nn.Transformer's default: [S, N, E]."""

    def __init__(self, d_model=32, vocab=11):
        super().__init__()
        self.transformer = nn.Transformer(d_model=d_model, nhead=2, num_encoder_layers=2,
                                          num_decoder_layers=2, dim_feedforward=64)
        self.generator = nn.Linear(d_model, vocab)

    def forward(self, src):
        tgt = src[:6]
        return self.generator(self.transformer(src, tgt))


class Captioner(nn.Module):
    def __init__(self, d_model=48, queries=7, layers=2):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(3, 32, 3, stride=2, padding=1), nn.BatchNorm2d(32), nn.ReLU(inplace=True),
            nn.Conv2d(32, d_model, 3, stride=2, padding=1), nn.ReLU(inplace=True))
        self.queries = nn.Parameter(torch.zeros(1, queries, d_model))
        block = nn.TransformerDecoderLayer(d_model, 3, dim_feedforward=96, activation=nn.GELU(),
                                           batch_first=True, norm_first=True)
        self.decoder = nn.TransformerDecoder(block, layers)
        self.word = nn.Linear(d_model, 100)

    def forward(self, images):
        memory = self.backbone(images).flatten(2).permute(0, 2, 1)
        q = self.queries.expand(images.size(0), -1, -1)
        return self.word(self.decoder(q, memory))


def captioner():
    return Captioner()
