#!/usr/bin/env python3
"""Writes the 784-512-512-10 ReLU MLP of issue 18's wide-model figures as ONNX (Gemm/Relu, PyTorch's default
initialisation from a fixed seed, untrained: no MNIST offline). Usage: /usr/bin/python3 bench/wide_mlp.py OUT.onnx"""
import sys

import torch

torch.manual_seed(18)
model = torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Linear(512, 512), torch.nn.ReLU(),
                            torch.nn.Linear(512, 10))
torch.onnx.export(model, torch.zeros(1, 784), sys.argv[1], input_names=["input"], output_names=["logits"],
                  dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, opset_version=13)
