"""PyTorch-CPU reference for bench/train-step.bench.ts: one training step of the two-layer mlp.

The same step as sgc's onnx engine, written the way a PyTorch user would: dense inputs
x = [x_{g_1}; ...; x_{g_k}] (B x kn, built once, outside the timing), z = x W_in^T, a = z^p,
y = a W_out^T, L = mean((y - x_target)^2) (over B*n), backward by autograd, global gradient-norm
clipping, then the per-neuron scaled SGD update
    theta_i <- theta_i - lr * ||theta_i||^(1 - p) * c * g_i
(theta_i = row i of W_in and column i of W_out). Float32, torch's default thread count.

Usage: train_step_torch.py n,k,H[,B] [n,k,H[,B] ...] [--seconds S]
Prints one JSON object per size: {"n", "k", "H", "B", "ms_per_step" (the median step), "ms_min",
"steps", "torch", "threads"}.
"""

import json
import sys
import time

import torch


def time_step(n: int, k: int, H: int, B: int, seconds: float) -> dict:
    gen = torch.Generator().manual_seed(0)
    p = k
    lr, clip = 1e-3, 1.0
    encodings = torch.randn(n, n, generator=gen)
    encodings -= encodings.mean(dim=1, keepdim=True)
    elements = torch.randint(0, n, (B, k), generator=gen)
    targets = torch.randint(0, n, (B,), generator=gen)
    x = encodings[elements].reshape(B, k * n).contiguous()
    y_true = encodings[targets].contiguous()
    w_in = (0.01 * torch.randn(H, k * n, generator=gen) / (k * n) ** 0.5).requires_grad_()
    w_out = (0.01 * torch.randn(n, H, generator=gen) / H**0.5).requires_grad_()

    def step() -> float:
        z = x @ w_in.T
        y = (z**p) @ w_out.T
        loss = ((y - y_true) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            g_in, g_out = w_in.grad, w_out.grad
            norm = torch.sqrt((g_in**2).sum() + (g_out**2).sum())
            c = torch.clamp(clip / (norm + 1e-6), max=1.0)
            scale = lr * ((w_in**2).sum(dim=1) + (w_out**2).sum(dim=0)) ** ((1 - p) / 2) * c
            w_in.sub_(scale[:, None] * g_in)
            w_out.sub_(scale[None, :] * g_out)
            w_in.grad = None
            w_out.grad = None
        return loss.item()

    for _ in range(3):
        step()
    times = []
    start = time.perf_counter()
    while time.perf_counter() - start < seconds or len(times) < 5:
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    times.sort()
    return {
        "n": n,
        "k": k,
        "H": H,
        "B": B,
        "ms_per_step": 1000 * times[len(times) // 2],
        "ms_min": 1000 * times[0],
        "steps": len(times),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
    }


def main() -> None:
    args = sys.argv[1:]
    seconds = 2.0
    if "--seconds" in args:
        i = args.index("--seconds")
        seconds = float(args[i + 1])
        del args[i : i + 2]
    for size in args:
        parts = [int(v) for v in size.split(",")]
        n, k, H = parts[:3]
        B = parts[3] if len(parts) > 3 else min(n**k, 4096)
        print(json.dumps(time_step(n, k, H, B, seconds)), flush=True)


if __name__ == "__main__":
    main()
