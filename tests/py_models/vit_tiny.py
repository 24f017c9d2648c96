"""A tiny Vision Transformer for CIFAR and a Perceiver-style cross-attention head, written the
way tutorials write them: nn.MultiheadAttention with batch_first, a class token and position
embeddings as nn.Parameter, blocks in an nn.ModuleList."""
import torch
import torch.nn as nn


class PatchEmbed(nn.Module):
    def __init__(self, in_chans=3, embed_dim=64, patch_size=4):
        super().__init__()
        self.proj = nn.Conv2d(in_chans, embed_dim, kernel_size=patch_size, stride=patch_size)

    def forward(self, x):
        x = self.proj(x)  # B, D, H/p, W/p
        return x.flatten(2).transpose(1, 2)  # B, N, D


class EncoderBlock(nn.Module):
    def __init__(self, dim, heads, mlp_ratio=4.0, dropout=0.1):
        super().__init__()
        hidden = int(dim * mlp_ratio)
        self.norm1 = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, dropout=dropout, batch_first=True)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(
            nn.Linear(dim, hidden),
            nn.GELU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, dim),
            nn.Dropout(dropout),
        )

    def forward(self, x):
        h = self.norm1(x)
        attn_out, _ = self.attn(h, h, h)
        x = x + attn_out
        x = x + self.mlp(self.norm2(x))
        return x


class TinyViT(nn.Module):
    def __init__(self, image_size=32, patch_size=4, dim=64, depth=4, heads=4, num_classes=10):
        super().__init__()
        self.patch_embed = PatchEmbed(3, dim, patch_size)
        num_patches = (image_size // patch_size) ** 2
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.empty(1, num_patches + 1, dim).normal_(std=0.02))
        self.blocks = nn.ModuleList([EncoderBlock(dim, heads) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, num_classes)

    def forward(self, x):
        x = self.patch_embed(x)
        cls = self.cls_token.expand(x.shape[0], -1, -1)
        x = torch.cat((cls, x), dim=1)
        x = x + self.pos_embed
        for blk in self.blocks:
            x = blk(x)
        x = self.norm(x)
        return self.head(x[:, 0])


class LatentHead(nn.Module):
    """Learned latents read the image tokens by cross-attention (sequence-first, as
    nn.MultiheadAttention's default), with keys and values of another width (kdim, vdim)."""

    def __init__(self, token_dim=48, latent_dim=64, num_latents=8, heads=8, num_classes=10):
        super().__init__()
        self.tokens = nn.Conv2d(3, token_dim, kernel_size=8, stride=8)
        self.latents = nn.Parameter(torch.randn(num_latents, 1, latent_dim))
        self.cross = nn.MultiheadAttention(latent_dim, heads, kdim=token_dim, vdim=token_dim,
                                           add_zero_attn=True)
        self.fc = nn.Linear(latent_dim, num_classes)

    def forward(self, x):
        t = self.tokens(x).flatten(2).permute(2, 0, 1)  # N, B, C
        q = self.latents.expand(-1, x.size(0), -1)
        z = self.cross(query=q, key=t, value=t, need_weights=False)[0]  # L, B, D
        return self.fc(z.mean(dim=0))


def perceiver_lite():
    return LatentHead()
