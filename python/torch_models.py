"""The engine's models as PyTorch nn.Modules with the same state_dict names and layouts
(src/models/fcn.ts standard parameterisation, src/models/cnn.ts), used by the PyTorch
reference of the benchmark and by the checkpoint cross-check test."""

import torch
import torch.nn.functional as F
from torch import nn


class Fcn(nn.Module):
    def __init__(self, dims, activation):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))
        self.act = torch.relu if activation == "relu" else torch.tanh

    def forward(self, x):
        x = x.flatten(1)
        for layer in self.layers[:-1]:
            x = self.act(layer(x))
        return self.layers[-1](x)


class Cnn(nn.Module):
    """[conv3x3(pad 1) -> act -> maxpool 2x2] x L -> linear."""

    def __init__(self, input_shape, channels, outputs, activation):
        super().__init__()
        c, h, w = input_shape
        chans = [c, *channels]
        self.input_shape = list(input_shape)
        self.convs = nn.ModuleList(nn.Conv2d(a, b, 3, padding=1) for a, b in zip(chans[:-1], chans[1:]))
        self.head = nn.Linear(chans[-1] * (h >> len(channels)) * (w >> len(channels)), outputs)
        self.act = torch.relu if activation == "relu" else torch.tanh

    def forward(self, x):
        x = x.reshape(-1, *self.input_shape)
        for conv in self.convs:
            x = F.max_pool2d(self.act(conv(x)), 2)
        return self.head(x.flatten(1))


def build(spec, input_shape, outputs):
    """nn.Module for a model spec ({"kind": "fcn"|"cnn", ...}) on inputs of input_shape."""
    if spec["kind"] == "fcn":
        d = 1
        for s in input_shape:
            d *= s
        return Fcn([d, *spec["widths"], outputs], spec["activation"])
    if spec["kind"] == "cnn":
        return Cnn(input_shape, spec["channels"], outputs, spec["activation"])
    raise ValueError(f"unsupported model kind {spec['kind']!r}")
