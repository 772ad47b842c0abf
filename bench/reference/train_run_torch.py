"""PyTorch-CPU reference for bench/train-step.bench.ts's whole runs: a training run of the two-layer
network as the paper's code runs it, from process start to result.

The loop a PyTorch user writes: a TensorDataset of dense inputs x = [x_g; x_h] (count x 2n) and
targets x_{gh}, a DataLoader (shuffle=True, drop_last=False, the defaults besides shuffle) and per
batch: forward z = x W_in^T, y = z^2 W_out^T, L = mean((y - x_target)^2), backward by autograd,
global gradient-norm clipping, the per-neuron SGD update of train_step_torch.py, loss.item() for the
loss log. Epochs until `steps` batches are done. The group is Z_n (the product table does not change
the cost); the encoding is random. Float32, torch's default thread count.

Usage: train_run_torch.py n,H,B,count,steps [...]
Prints one JSON object per run: {"n", "H", "B", "count", "steps", "final_loss", "train_seconds"}.
The bench times the whole process (interpreter start and `import torch` included) from outside.
"""

import json
import sys
import time

import torch
from torch.utils.data import DataLoader, TensorDataset


def run(n: int, H: int, B: int, count: int, steps: int) -> dict:
    started = time.perf_counter()
    torch.manual_seed(0)
    lr, clip, p = 1e-3, 1.0, 2
    encodings = torch.randn(n, n)
    encodings -= encodings.mean(dim=1, keepdim=True)
    pairs = torch.randint(0, n, (count, 2)) if count < n * n else torch.cartesian_prod(torch.arange(n), torch.arange(n))
    x = encodings[pairs].reshape(len(pairs), 2 * n)
    y_true = encodings[(pairs[:, 0] + pairs[:, 1]) % n]
    loader = DataLoader(TensorDataset(x, y_true), batch_size=B, shuffle=True)
    w_in = (1e-3 * torch.randn(H, 2 * n) / (2 * n) ** 0.5).requires_grad_()
    w_out = (1e-3 * torch.randn(n, H) / H**0.5).requires_grad_()
    done = 0
    losses = []
    while done < steps:
        for xb, yb in loader:
            y = ((xb @ w_in.T) ** p) @ w_out.T
            loss = ((y - yb) ** 2).mean()
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
            losses.append(loss.item())
            done += 1
            if done == steps:
                break
    return {
        "n": n,
        "H": H,
        "B": B,
        "count": count,
        "steps": done,
        "final_loss": losses[-1],
        "train_seconds": time.perf_counter() - started,
    }


def main() -> None:
    for spec in sys.argv[1:]:
        n, H, B, count, steps = (int(v) for v in spec.split(","))
        print(json.dumps(run(n, H, B, count, steps)), flush=True)


if __name__ == "__main__":
    main()
