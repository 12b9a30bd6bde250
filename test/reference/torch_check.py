"""PyTorch (float64) reference for our checkpoints, driven by test/models/safetensors-torch.test.ts.

Usage: torch_check.py REQUESTS.json  -> prints a JSON list of results on stdout,
one per request of the JSON list in the file (one process: importing torch is slow).

A request names a model ({"kind": "fcn", "widths", "activation"} or
{"kind": "cnn", "channels", "activation"}), "inputShape", "k", the loss ("mse" or
"ce"), the data ("X" row-major [n, d], one-hot "Y" [n, k]) and a "checkpoint" path;
optional "groups": outputs per sample that are separate predictions (the tokens of a
sequence model), the loss being their mean.

action "evaluate": load the checkpoint into the equivalent nn.Module with
load_state_dict(strict=True) and report loss, accuracy, gradient (flat, state_dict
order), the eigenvalues of the dense Hessian from double-backward HVPs and its top
two; with "v" also H v; with "testX", "testY" also the test loss, batch norms
normalising with the statistics of X (torch_models.normalize_with).
action "export": initialise the module with torch.manual_seed(seed) (PyTorch's
default init), write it as safetensors in "dtype" (F32 or F64) and report the
loss of the written values.

The safetensors package is not needed: the format is parsed and written by hand.
"""
import json
import os
import struct
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
from torch_models import build, normalize_with  # noqa: E402

DTYPES = {"F32": torch.float32, "F64": torch.float64, "F16": torch.float16, "BF16": torch.bfloat16}


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    data = raw[8 + n :]
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        t = torch.frombuffer(bytearray(data[begin:end]), dtype=DTYPES[entry["dtype"]])
        tensors[name] = t.reshape(entry["shape"])
    return tensors, metadata


def write_safetensors(path, tensors, dtype_name):
    header, chunks, offset = {}, [], 0
    for name, t in tensors.items():
        b = bytes(t.detach().to(DTYPES[dtype_name]).contiguous().reshape(-1).view(torch.uint8).numpy())
        header[name] = {"dtype": dtype_name, "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        chunks.append(b)
        offset += len(b)
    text = json.dumps(header).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


def loss_of(model, req, x="X", y="Y"):
    """Mean loss per output group ("groups" per sample: the tokens of a sequence model)."""
    Y = torch.tensor(req[y], dtype=torch.float64).reshape(-1, req["k"])
    X = torch.tensor(req[x], dtype=torch.float64).reshape(Y.shape[0], -1)
    classes = req["k"] // req.get("groups", 1)
    out = model(X).reshape(-1, classes)
    Y = Y.reshape(-1, classes)
    if req["loss"] == "mse":
        return 0.5 * ((out - Y) ** 2).sum(1).mean()
    return F.cross_entropy(out, Y.argmax(1))


def accuracy_of(model, req):
    """Share of output groups whose largest output is the target class."""
    with torch.no_grad():
        Y = torch.tensor(req["Y"], dtype=torch.float64).reshape(-1, req["k"])
        X = torch.tensor(req["X"], dtype=torch.float64).reshape(Y.shape[0], -1)
        classes = req["k"] // req.get("groups", 1)
        return (model(X).reshape(-1, classes).argmax(1) == Y.reshape(-1, classes).argmax(1)).double().mean().item()


def gauss_newton(model, params, req):
    """Dense G = J^T H_out J over all output groups jointly (batch norm couples the samples), J row by row."""
    X = torch.tensor(req["X"], dtype=torch.float64).reshape(req["n"], -1)
    classes = req["k"] // req.get("groups", 1)
    out = model(X).reshape(-1, classes)
    m = out.shape[0]
    J = torch.stack([torch.cat([g.reshape(-1) for g in torch.autograd.grad(out.reshape(-1)[i], params, retain_graph=True)]) for i in range(out.numel())])
    if req["loss"] == "mse":
        H = torch.eye(out.numel(), dtype=torch.float64)
    else:
        p = torch.softmax(out.detach(), 1)
        H = torch.block_diag(*[torch.diag(q) - torch.outer(q, q) for q in p])
    return J.T @ (H / m) @ J


def evaluate(req):
    tensors, metadata = read_safetensors(req["checkpoint"])
    model = build(req["model"], req["inputShape"], req["k"]).double()
    model.load_state_dict({k: v.double() for k, v in tensors.items()}, strict=True)
    names = [name for name, _ in model.named_parameters()]
    params = [p for _, p in model.named_parameters()]
    loss = loss_of(model, req)
    grads = torch.autograd.grad(loss, params, create_graph=True)
    g = torch.cat([x.reshape(-1) for x in grads])
    rows = [torch.cat([r.reshape(-1) for r in torch.autograd.grad(g[i], params, retain_graph=True)]) for i in range(g.numel())]
    H = torch.stack(rows)
    H = 0.5 * (H + H.T)
    eigenvalues = torch.linalg.eigvalsh(H)
    result = {
        "names": names,
        "shapes": [list(p.shape) for p in params],
        "metadata": metadata,
        "loss": loss.item(),
        "accuracy": accuracy_of(model, req),
        "grad": g.detach().tolist(),
        "gradNorm": g.detach().norm().item(),
        "topEigenvalue": eigenvalues[-1].item(),
        "eigenvalues": eigenvalues.tolist(),
        "topEigenvalues": eigenvalues.flip(0)[:2].tolist(),
    }
    if "v" in req:
        result["hvp"] = (H @ torch.tensor(req["v"], dtype=torch.float64)).tolist()
    if req.get("gaussNewton"):
        G = gauss_newton(model, params, req)
        result["gaussNewtonTop"] = torch.linalg.eigvalsh(G)[-1].item()
        if "v" in req:
            result["gaussNewtonProduct"] = (G @ torch.tensor(req["v"], dtype=torch.float64)).tolist()
    if "testX" in req:
        normalize_with(model, torch.tensor(req["X"], dtype=torch.float64).reshape(req["n"], -1))
        with torch.no_grad():
            result["testLoss"] = loss_of(model, req, "testX", "testY").item()
    return result


def export(req):
    torch.manual_seed(req["seed"])
    model = build(req["model"], req["inputShape"], req["k"])
    state = model.state_dict()
    write_safetensors(req["checkpoint"], state, req["dtype"])
    # Report the loss of exactly the values written (rounded to the file's dtype).
    model = model.double()
    model.load_state_dict({k: v.to(DTYPES[req["dtype"]]).double() for k, v in state.items()})
    with torch.no_grad():
        return {"names": list(state.keys()), "loss": loss_of(model, req).item()}


def main():
    if sys.byteorder != "little":
        raise SystemExit("torch_check.py assumes a little-endian host")
    with open(sys.argv[1]) as f:
        requests = json.load(f)
    actions = {"evaluate": evaluate, "export": export}
    json.dump([actions[req["action"]](req) for req in requests], sys.stdout)


if __name__ == "__main__":
    main()
