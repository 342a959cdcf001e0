#!/usr/bin/python3
"""The ViT proxy written as plain eager PyTorch: what a researcher would otherwise run.

Benchmark twin of fsearch's C++ trainer running configs/proxies/vit-tiny.yaml (trainers/src/vit.cpp):
same architecture (4x4 patches, no class token, mean pooling over patch tokens, no drop path), init
(truncated normal, std 0.069), optimizer and batch shape, on random Fashion-MNIST-shaped data. Prints
training images per second. Debian's python3-torch (apt-get install python3-torch) links the same
LibTorch as the C++ build; compare with `bench-train --threads 1` (one thread: as a sweep's worker).
OpenBLAS's own thread pool is set to --threads too (OPENBLAS_NUM_THREADS, read when torch loads), as
fsearch does: left alone it uses every core whatever torch.set_num_threads says.

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 tools/bench/vit_twin.py --threads 1 --steps 60 [--norm layernorm|derf]
"""
import argparse
import math
import os
import sys
import time


def threads_argument():
    for i, arg in enumerate(sys.argv):
        if arg == "--threads" and i + 1 < len(sys.argv):
            return sys.argv[i + 1]
        if arg.startswith("--threads="):
            return arg.split("=", 1)[1]
    return "2"


os.environ.setdefault("OPENBLAS_NUM_THREADS", threads_argument())  # before torch loads OpenBLAS

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402


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


def vit_linear(fan_in, fan_out, std=0.069):
    layer = nn.Linear(fan_in, fan_out)
    nn.init.trunc_normal_(layer.weight, std=std, a=-2 * std, b=2 * std)
    nn.init.zeros_(layer.bias)
    return layer


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.qkv = vit_linear(dim, 3 * dim)
        self.proj = vit_linear(dim, dim)

    def forward(self, x):
        b, t, d = x.shape
        qkv = self.qkv(x).reshape(b, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(d // self.heads), dim=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(b, t, d))


class Block(nn.Module):
    def __init__(self, dim, heads, mlp_ratio, norm):
        super().__init__()
        self.norm1, self.norm2 = make_norm(norm, dim), make_norm(norm, dim)
        self.attn = Attention(dim, heads)
        self.fc1, self.fc2 = vit_linear(dim, int(dim * mlp_ratio)), vit_linear(int(dim * mlp_ratio), dim)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))


class ViT(nn.Module):
    def __init__(self, image=28, patch=4, dim=64, depth=4, heads=4, mlp_ratio=2, classes=10, norm="layernorm"):
        super().__init__()
        self.patch = nn.Conv2d(1, dim, patch, stride=patch)
        tokens = (image // patch) ** 2
        self.pos = nn.Parameter(torch.zeros(1, tokens, dim))
        nn.init.trunc_normal_(self.pos, std=0.02, a=-0.04, b=0.04)
        self.blocks = nn.ModuleList(Block(dim, heads, mlp_ratio, norm) for _ in range(depth))
        self.norm = make_norm(norm, dim)
        self.head = vit_linear(dim, classes)

    def forward(self, x):
        x = self.patch(x).flatten(2).transpose(1, 2) + self.pos  # (B, N, D)
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x).mean(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--norm", default="layernorm", choices=["layernorm", "derf"])
    parser.add_argument("--warmup", type=int, default=5, help="steps before the clock starts")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = ViT(norm=args.norm)
    decay = [p for p in model.parameters() if p.dim() >= 2 and p.shape[0] > 1]
    no_decay = [p for p in model.parameters() if not (p.dim() >= 2 and p.shape[0] > 1)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05}, {"params": no_decay, "weight_decay": 0}],
                            lr=4e-3)
    x = torch.randn(args.batch_size, 1, 28, 28)
    y = torch.randint(0, 10, (args.batch_size,))
    warmup = args.warmup
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
