#!/usr/bin/env python3
"""Writes the 784-512-512-10 ReLU MLP of issue 18's wide-model figures as ONNX (Gemm/Relu, PyTorch's default
initialisation from a fixed seed).

    /usr/bin/python3 bench/wide_mlp.py OUT.onnx              untrained (no MNIST offline)
    /usr/bin/python3 bench/wide_mlp.py --trained OUT.onnx    trained on the digits upsampled to 28 x 28

The trained variant is for the denormal question of issue 18 (item 5): SGD with weight decay for many epochs, which
drives the weights of units that stopped firing towards zero, through float32's subnormal range (below 1.18e-38).
It prints how many weights ended up subnormal. Data: tools/fixtures/data/digits.csv.gz (64 pixels 0..16, label)."""
import argparse
import gzip

import numpy as np
import torch


def model():
    torch.manual_seed(18)
    return torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Linear(512, 512), torch.nn.ReLU(),
                               torch.nn.Linear(512, 10))


def digits_28():
    data = np.loadtxt(gzip.open("tools/fixtures/data/digits.csv.gz", "rt"), delimiter=",")
    x = torch.tensor(data[:, :64] / 16.0, dtype=torch.float32).reshape(-1, 1, 8, 8)
    x = torch.nn.functional.interpolate(x, size=(28, 28), mode="bilinear", align_corners=False).reshape(-1, 784)
    return x, torch.tensor(data[:, 64], dtype=torch.long)


def train(net, epochs):
    x, y = digits_28()
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9, weight_decay=2e-2)
    for epoch in range(epochs):
        perm = torch.randperm(len(x))
        for i in range(0, len(x), 64):
            idx = perm[i:i + 64]
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(x[idx]), y[idx]).backward()
            opt.step()
    with torch.no_grad():
        accuracy = (net(x).argmax(1) == y).float().mean().item()
    weights = torch.cat([p.detach().flatten() for p in net.parameters()])
    tiny = torch.finfo(torch.float32).tiny
    subnormal = ((weights != 0) & (weights.abs() < tiny)).sum().item()
    print(f"trained {epochs} epochs: training accuracy {accuracy:.3f}, {subnormal} of {weights.numel()} weights subnormal, "
          f"{(weights == 0).sum().item()} zero, {(weights.abs() < 1e-30).sum().item()} below 1e-30")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--trained", action="store_true")
    ap.add_argument("--epochs", type=int, default=300)
    args = ap.parse_args()
    net = model()
    if args.trained:
        train(net, args.epochs)
    torch.onnx.export(net, torch.zeros(1, 784), args.out, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, opset_version=13)


if __name__ == "__main__":
    main()
