"""The engine's models as PyTorch nn.Modules with the same state_dict names and layouts
(src/models/fcn.ts standard parameterisation, src/models/cnn.ts), used by the PyTorch
reference of the benchmark and by the checkpoint cross-check test.

Batch norm is nn.BatchNorm2d(track_running_stats=False): always the statistics of the
batch, which full-batch training makes the whole training set (no running buffers, so
the state_dict holds parameters only). For test evaluation the engine normalises with
the training set's statistics at the current parameters: see normalize_with."""

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
    """[conv3x3(pad 1) -> (batch norm) -> act -> maxpool 2x2] x L -> linear."""

    def __init__(self, input_shape, channels, outputs, activation, batch_norm=False):
        super().__init__()
        c, h, w = input_shape
        chans = [c, *channels]
        self.input_shape = list(input_shape)
        self.convs = nn.ModuleList(nn.Conv2d(a, b, 3, padding=1) for a, b in zip(chans[:-1], chans[1:]))
        if batch_norm:
            self.norms = nn.ModuleList(bn2d(b) for b in channels)
        self.head = nn.Linear(chans[-1] * (h >> len(channels)) * (w >> len(channels)), outputs)
        self.act = torch.relu if activation == "relu" else torch.tanh

    def forward(self, x):
        x = x.reshape(-1, *self.input_shape)
        for i, conv in enumerate(self.convs):
            x = conv(x)
            if hasattr(self, "norms"):
                x = self.norms[i](x)
            x = F.max_pool2d(self.act(x), 2)
        return self.head(x.flatten(1))


class Vit(nn.Module):
    """Patches (Conv2d, kernel = stride = patch) -> [class token; patches] + positions ->
    pre-norm encoder layers (ReLU MLP, no dropout) -> layer norm -> linear on the class token."""

    def __init__(self, input_shape, patch, dim, depth, heads, mlp, outputs):
        super().__init__()
        c, h, w = input_shape
        self.input_shape = list(input_shape)
        self.class_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embedding = nn.Parameter(torch.empty(1, (h // patch) * (w // patch) + 1, dim).normal_(std=0.02))
        self.patch_embed = nn.Conv2d(c, dim, patch, stride=patch)
        layer = nn.TransformerEncoderLayer(dim, heads, mlp, dropout=0.0, activation="relu", layer_norm_eps=1e-6, batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, depth, norm=nn.LayerNorm(dim, eps=1e-6), enable_nested_tensor=False)
        self.head = nn.Linear(dim, outputs)

    def forward(self, x):
        x = self.patch_embed(x.reshape(-1, *self.input_shape)).flatten(2).transpose(1, 2)
        x = torch.cat([self.class_token.expand(x.shape[0], -1, -1), x], 1) + self.pos_embedding
        return self.head(self.encoder(x)[:, 0])


def sinusoidal_positions(length, dim):
    """pe[pos, 2i] = sin(pos / 10000^(2i/dim)), pe[pos, 2i+1] = cos(pos / 10000^(2i/dim))."""
    pos = torch.arange(length, dtype=torch.float64)[:, None]
    angle = pos / 10000 ** (torch.arange(0, dim, 2, dtype=torch.float64) / dim)
    pe = torch.zeros(length, dim, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(angle)
    pe[:, 1::2] = torch.cos(angle[:, : dim // 2])
    return pe


class Seq2Seq(nn.Module):
    """Encoder-decoder transformer (nn.Transformer, post-norm, ReLU, no dropout) over token ids;
    input rows hold the source then the teacher-forced decoder input; shared learned embedding
    plus fixed sinusoidal positions; causal decoder mask; logits per output position, flattened."""

    def __init__(self, length, vocab, dim, heads, encoder_layers, decoder_layers, ff):
        super().__init__()
        self.length = length
        self.embedding = nn.Embedding(vocab, dim)
        self.transformer = nn.Transformer(dim, heads, encoder_layers, decoder_layers, ff, dropout=0.0, batch_first=True)
        self.head = nn.Linear(dim, vocab)
        self.register_buffer("positions", sinusoidal_positions(length, dim).float(), persistent=False)
        self.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(length), persistent=False)

    def forward(self, x):
        ids = x.reshape(-1, 2, self.length).round().long()
        src = self.embedding(ids[:, 0]) + self.positions
        tgt = self.embedding(ids[:, 1]) + self.positions
        return self.head(self.transformer(src, tgt, tgt_mask=self.mask)).flatten(1)


def bn2d(c):
    """Batch norm that always normalises with the statistics of its batch (see the module docstring)."""
    return nn.BatchNorm2d(c, track_running_stats=False)


class ResBlock(nn.Module):
    """relu(bn2(conv2(relu(bn1(conv1(x))))) + skip(x)); a widening skip is batch norm, then
    zero channels padded equally on both sides."""

    def __init__(self, cin, cout):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
        self.bn1 = bn2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = bn2d(cout)
        self.pad = (cout - cin) // 2
        if cin != cout:
            self.shortcut = bn2d(cin)

    def forward(self, x):
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        skip = F.pad(self.shortcut(x), (0, 0, 0, 0, self.pad, self.pad)) if self.pad else x
        return F.relu(out + skip)


class ResNet(nn.Module):
    """conv3x3 -> bn -> relu -> stages of residual blocks (2x2 average pool between stages)
    -> global average pool -> linear. ResNet-20: widths (16, 32, 64), 3 blocks per stage."""

    def __init__(self, input_shape, widths, blocks, outputs):
        super().__init__()
        self.input_shape = list(input_shape)
        self.conv = nn.Conv2d(input_shape[0], widths[0], 3, padding=1, bias=False)
        self.bn = bn2d(widths[0])
        cins = [widths[0], *widths[:-1]]
        self.stages = nn.ModuleList(
            nn.ModuleList(ResBlock(cin if b == 0 else w, w) for b in range(blocks)) for cin, w in zip(cins, widths)
        )
        self.head = nn.Linear(widths[-1], outputs)

    def forward(self, x):
        x = F.relu(self.bn(self.conv(x.reshape(-1, *self.input_shape))))
        for s, stage in enumerate(self.stages):
            if s > 0:
                x = F.avg_pool2d(x, 2)
            for block in stage:
                x = block(x)
        return self.head(x.mean((2, 3)))


def normalize_with(model, X):
    """Freeze every batch norm of model at the statistics (mean, biased variance) its input
    has on X, and switch to eval mode: the engine's test evaluation."""
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    stats = {}
    hooks = [m.register_forward_pre_hook(lambda m, inp: stats.__setitem__(m, inp[0].detach())) for m in norms]
    with torch.no_grad():
        model(X)
    for h in hooks:
        h.remove()
    for m in norms:
        x = stats[m].transpose(0, 1).flatten(1)
        m.running_mean = x.mean(1)
        m.running_var = x.var(1, unbiased=False)
    model.eval()


def build(spec, input_shape, outputs):
    """nn.Module for a parsed model spec (src/models/spec.ts) on inputs of input_shape."""
    if spec["kind"] == "fcn":
        d = 1
        for s in input_shape:
            d *= s
        return Fcn([d, *spec["widths"], outputs], spec["activation"])
    if spec["kind"] == "cnn":
        return Cnn(input_shape, spec["channels"], outputs, spec["activation"], spec.get("batchNorm", False))
    if spec["kind"] == "vit":
        dim = spec["dim"]
        return Vit(input_shape, spec["patchSize"], dim, spec["depth"], spec["heads"], spec.get("mlpDim", 4 * dim), outputs)
    if spec["kind"] == "resnet":
        return ResNet(input_shape, spec["widths"], spec["blocks"], outputs)
    if spec["kind"] == "transformer":
        return Seq2Seq(input_shape[1], spec["vocab"], spec["dim"], spec["heads"], spec["encoderLayers"], spec["decoderLayers"], spec["ffDim"])
    raise ValueError(f"unsupported model kind {spec['kind']!r}")
