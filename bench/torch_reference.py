"""PyTorch reference for `npm run bench`: the same workload on the same data and theta.

Usage: torch_reference.py <workload.json>, then one JSON command per stdin line
({"op": "grad"}, "hvp", "gdStep", "checks", "info", and "lanczos20" or
"sharpnessWarm" with "point": i), each answered by one JSON line; timed commands
time one call (milliseconds). bench/workload.ts drives it, alternating with the
engine's own measurements.

The workload file (written by bench/run.ts) names float32 little-endian files:
inputs X [n, d], targets Y [n, k], the parameter vector theta0 in the engine's
(PyTorch state_dict) layout, a probe vector v, the start vector of the 20-step
Lanczos, theta1 (theta0 after one GD step), and the points of a GD trajectory
with the warm start of each point's sharpness estimate (the previous estimate's
top eigenvector). It also names the engine's gradient and H v at theta0, which
this script compares against its own. The model is an nn.Module loaded
from theta, and gradients and HVPs follow Cohen et al.'s reference code
(autograd.grad over the parameters, double backward for H v).
"""

import json
import os
import resource
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from torch_models import build  # noqa: E402


def read_f32(path, shape=None):
    a = torch.from_numpy(np.fromfile(path, dtype="<f4"))
    return a.reshape(shape) if shape is not None else a


def load_theta(model, layout, theta):
    params = dict(model.named_parameters())
    with torch.no_grad():
        for block in layout:
            p = params[block["name"]]
            p.copy_(theta[block["offset"] : block["offset"] + block["size"]].reshape(p.shape))


def flat(tensors):
    return torch.cat([t.reshape(-1) for t in tensors])


def loss_fn(name):
    if name == "mse":
        return lambda out, y: 0.5 * ((out - y) ** 2).sum()
    return lambda out, y: F.cross_entropy(out, y.argmax(1), reduction="sum")


class Objective:
    """Full-batch mean loss over chunks of `chunk` samples (the engine's chunking; the whole batch for batch norm)."""

    def __init__(self, model, X, Y, loss, chunk):
        self.model = model
        self.params = list(model.parameters())
        self.chunks = [(X[s : s + chunk], Y[s : s + chunk]) for s in range(0, X.shape[0], chunk)]
        self.n = X.shape[0]
        self.loss = loss_fn(loss)

    def loss_and_grad(self):
        total, grad = 0.0, None
        for x, y in self.chunks:
            value = self.loss(self.model(x), y) / self.n
            g = flat(torch.autograd.grad(value, self.params))
            total += value.item()
            grad = g if grad is None else grad + g
        return total, grad

    def hvp(self, v):
        out = None
        for x, y in self.chunks:
            value = self.loss(self.model(x), y) / self.n
            grads = torch.autograd.grad(value, self.params, create_graph=True)
            dot = (flat(grads) * v).sum()
            hv = flat(torch.autograd.grad(dot, self.params))
            out = hv if out is None else out + hv
        return out


def lanczos(matvec, q0, steps, tol=0.0):
    """Top algebraic eigenpair by Lanczos with full reorthogonalisation (float64 vectors).
    Runs `steps` iterations, or stops early once the Ritz residual is below tol * |value|."""
    q = q0.double() / q0.double().norm()
    basis, alpha, beta = [], [], []
    value, vector = None, None
    for j in range(steps):
        basis.append(q)
        w = matvec(q.float()).double()
        alpha.append(torch.dot(q, w).item())
        Q = torch.stack(basis)
        for _ in range(2):
            w = w - Q.T @ (Q @ w)
        b = w.norm().item()
        beta.append(b)
        T = torch.diag(torch.tensor(alpha, dtype=torch.float64))
        if j > 0:
            off = torch.tensor(beta[:-1], dtype=torch.float64)
            T = T + torch.diag(off, 1) + torch.diag(off, -1)
        evals, evecs = torch.linalg.eigh(T)
        value, y = evals[-1].item(), evecs[:, -1]
        if tol > 0 and abs(b * y[-1].item()) <= tol * abs(value):
            break
        q = w / b
    vector = torch.stack(basis).T @ y
    return value, vector, len(basis)


def rel_diff(a, b):
    return ((a - b).norm() / b.norm()).item()


def timed(fn):
    t0 = time.perf_counter()
    value = fn()
    return (time.perf_counter() - t0) * 1000, value


class Server:
    """Answers one JSON command per stdin line with one JSON line on stdout."""

    def __init__(self, w):
        torch.set_num_threads(w["threads"])
        self.w = w
        files = w["files"]
        n, d, k = w["n"], w["d"], w["k"]
        self.model = build(w["model"], w["model"]["inputShape"], k)
        numel = sum(p.numel() for p in self.model.parameters())
        if numel != w["numParams"]:
            raise SystemExit(f"torch model has {numel} parameters, the engine {w['numParams']}")
        self.obj = Objective(self.model, read_f32(files["X"], (n, d)), read_f32(files["Y"], (n, k)), w["loss"], w["torchChunk"])
        self.params = list(self.model.parameters())
        p = w["numParams"]
        self.thetas = {"theta0": read_f32(files["theta0"]), "theta1": read_f32(files["theta1"])}
        for i, theta in enumerate(read_f32(files["trajectoryThetas"]).reshape(-1, p)):
            self.thetas[f"point{i}"] = theta
        self.warm_starts = read_f32(files["trajectoryWarmStarts"]).reshape(-1, p)
        self.v = read_f32(files["v"])
        self.q0 = read_f32(files["lanczosStart"])
        self.at = None

    def load(self, which):
        """Put the parameters at theta0, theta1 or trajectory point i ("point<i>"); GD steps move them elsewhere."""
        if self.at != which:
            load_theta(self.model, self.w["layout"], self.thetas[which])
            self.at = which

    def gd_step(self):
        _, g = self.obj.loss_and_grad()
        lr = self.w["lr"]
        with torch.no_grad():
            offset = 0
            for p in self.params:
                p.sub_(lr * g[offset : offset + p.numel()].reshape(p.shape))
                offset += p.numel()
        self.at = "moved"

    def checks(self):
        files = self.w["files"]
        self.load("theta0")
        loss0, grad0 = self.obj.loss_and_grad()
        hv0 = self.obj.hvp(self.v)
        self.gd_step()
        with torch.no_grad():
            stepped = flat([p.detach() for p in self.params])
        return {
            "lossRelDiff": abs(loss0 - self.w["engineLoss"]) / abs(self.w["engineLoss"]),
            "gradRelDiff": rel_diff(read_f32(files["engineGrad"]), grad0),
            "hvpRelDiff": rel_diff(read_f32(files["engineHvp"]), hv0),
            "gdStepRelDiff": rel_diff(stepped, self.thetas["theta1"]),
        }

    def handle(self, op, point):
        if op == "checks":
            return self.checks()
        if op == "grad":
            self.load("theta0")
            return {"ms": timed(self.obj.loss_and_grad)[0]}
        if op == "hvp":
            self.load("theta0")
            return {"ms": timed(lambda: self.obj.hvp(self.v))[0]}
        if op == "gdStep":
            return {"ms": timed(self.gd_step)[0]}
        if op == "lanczos20":
            self.load(f"point{point}")
            ms, (value, _, iters) = timed(lambda: lanczos(self.obj.hvp, self.q0, self.w["lanczosSteps"]))
            return {"ms": ms, "eigenvalue": value, "hvps": iters}
        if op == "sharpnessWarm":
            self.load(f"point{point}")
            warm = self.warm_starts[point]
            ms, (value, _, iters) = timed(lambda: lanczos(self.obj.hvp, warm, self.w["maxIter"], self.w["tol"]))
            return {"ms": ms, "eigenvalue": value, "hvps": iters}
        if op == "info":
            return {
                "versions": {"torch": torch.__version__, "python": sys.version.split()[0], "numpy": np.__version__},
                "threads": torch.get_num_threads(),
                "env": {key: os.environ.get(key) for key in ("OMP_WAIT_POLICY", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE")},
                "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        raise ValueError(f"unknown command {op!r}")


def main():
    with open(sys.argv[1]) as f:
        server = Server(json.load(f))
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        print(json.dumps(server.handle(command["op"], command.get("point"))), flush=True)


if __name__ == "__main__":
    main()
