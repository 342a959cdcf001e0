#!/usr/bin/python3
"""The ViT proxy written as plain eager PyTorch: what a researcher would otherwise run.

Benchmark twin of fsearch's C++ trainer (trainers/src/vit.cpp): same architecture, init scale,
optimizer and batch shape, on random Fashion-MNIST-shaped data. Prints training images per second.
Debian's python3-torch links the same LibTorch as the C++ build.

    /usr/bin/python3 tools/bench/vit_twin.py --threads 2 --steps 60 [--norm layernorm|derf]
"""
import argparse
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Derf(nn.Module):
    def __init__(self, dim, alpha=0.5):
        super().__init__()
        self.alpha = nn.Parameter(torch.tensor(alpha))
        self.shift = nn.Parameter(torch.tensor(0.0))
        self.gamma = nn.Parameter(torch.ones(dim))
        self.beta = nn.Parameter(torch.zeros(dim))

    def forward(self, x):
        return self.gamma * torch.erf(self.alpha * x + self.shift) + self.beta


def make_norm(kind, dim):
    return nn.LayerNorm(dim, eps=1e-6) if kind == "layernorm" else Derf(dim)


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, t, d = x.shape
        qkv = self.qkv(x).reshape(b, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(d // self.heads), dim=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(b, t, d))


class Block(nn.Module):
    def __init__(self, dim, heads, mlp_ratio, norm, drop_path):
        super().__init__()
        self.norm1, self.norm2 = make_norm(norm, dim), make_norm(norm, dim)
        self.attn = Attention(dim, heads)
        self.fc1, self.fc2 = nn.Linear(dim, int(dim * mlp_ratio)), nn.Linear(int(dim * mlp_ratio), dim)
        self.drop_path = drop_path

    def dp(self, x):
        if not self.training or self.drop_path == 0:
            return x
        keep = 1 - self.drop_path
        return x * torch.empty(x.shape[0], 1, 1).bernoulli_(keep) / keep

    def forward(self, x):
        x = x + self.dp(self.attn(self.norm1(x)))
        return x + self.dp(self.fc2(F.gelu(self.fc1(self.norm2(x)))))


class ViT(nn.Module):
    def __init__(self, image=28, patch=4, dim=64, depth=4, heads=4, mlp_ratio=2, classes=10, norm="layernorm",
                 drop_path=0.05):
        super().__init__()
        self.patch = nn.Conv2d(1, dim, patch, stride=patch)
        tokens = (image // patch) ** 2 + 1
        self.cls = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos = nn.Parameter(torch.randn(1, tokens, dim) * 0.02)
        rates = [drop_path * i / max(1, depth - 1) for i in range(depth)]
        self.blocks = nn.ModuleList(Block(dim, heads, mlp_ratio, norm, r) for r in rates)
        self.norm = make_norm(norm, dim)
        self.head = nn.Linear(dim, classes)

    def forward(self, x):
        x = self.patch(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1) + self.pos
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x)[:, 0])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--norm", default="layernorm", choices=["layernorm", "derf"])
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = ViT(norm=args.norm)
    decay = [p for p in model.parameters() if p.dim() >= 2 and p.shape[0] > 1]
    no_decay = [p for p in model.parameters() if not (p.dim() >= 2 and p.shape[0] > 1)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05}, {"params": no_decay, "weight_decay": 0}],
                            lr=2e-3)
    x = torch.randn(args.batch_size, 1, 28, 28)
    y = torch.randint(0, 10, (args.batch_size,))
    warmup = 5
    for step in range(warmup + args.steps):
        if step == warmup:
            start = time.perf_counter()
        loss = F.cross_entropy(model(x), y, label_smoothing=0.1)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), float("inf"))
        opt.step()
    elapsed = time.perf_counter() - start
    print(f"python eager twin ({args.norm}): {args.steps * args.batch_size / elapsed:.0f} images/s "
          f"(torch {torch.__version__}, {args.threads} threads, batch {args.batch_size})")


if __name__ == "__main__":
    main()
