"""An independent reader and writer of NIR files, with h5py (Debian's python3-h5py), for the tests.

  nir_h5py.py check FILE      checks the file against NIR's layout (what nir.read expects: node
                              types, parameter names, shapes, dtypes, edges, shapes along every
                              edge) and prints a JSON summary; exit 1 with the reason otherwise.
  nir_h5py.py foreign FILE V  writes a small float network the way nir.write does (as snnTorch or
                              Sinabs would export it); V picks a variant: plain, lif, cycle.
"""
import json
import sys

import h5py
import numpy as np

PARAMS = {
    "Input": {"shape"},
    "Output": {"shape"},
    "Affine": {"weight", "bias"},
    "Linear": {"weight"},
    "Conv2d": {"weight", "bias", "stride", "padding", "dilation", "groups"},
    "SumPool2d": {"kernel_size", "stride", "padding"},
    "AvgPool2d": {"kernel_size", "stride", "padding"},
    "Flatten": {"start_dim", "end_dim"},
    "Scale": {"scale"},
    "I": {"r"},
    "IF": {"r", "v_threshold"},
}
OPTIONAL = {"Conv2d": {"input_shape"}, "Flatten": {"input_type"}, "IF": {"v_reset"}}


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(1)


def text(ds):
    v = ds[()]
    if not isinstance(v, bytes):
        fail(f"{ds.name}: expected a string (read as bytes by h5py), found {type(v).__name__}")
    return v.decode("utf8")


def out_shape(kind, node, shape):
    """The output shape of a node given its input shape (no batch dimension), as NIR infers it."""
    if kind in ("IF", "I", "Scale"):
        return shape
    if kind in ("Affine", "Linear"):
        w = node["weight"]
        if w.ndim != 2:
            fail(f"{node.name}/weight: expected 2 dimensions, found {w.ndim}")
        if int(np.prod(shape)) != w.shape[1]:
            fail(f"{node.name}: expected an input of {w.shape[1]}, found shape {shape}")
        return (w.shape[0],)
    if kind == "Conv2d":
        w = node["weight"]
        c, h, wd = shape
        if w.shape[1] != c:
            fail(f"{node.name}/weight: expected {c} input channels, found {w.shape[1]}")
        s = node["stride"][()]
        p = node["padding"][()]
        d = node["dilation"][()]
        k = w.shape[2:]
        oh = (h + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1
        ow = (wd + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
        if "input_shape" in node and tuple(node["input_shape"][()]) != (h, wd):
            fail(f"{node.name}/input_shape: expected {(h, wd)}, found {tuple(node['input_shape'][()])}")
        return (w.shape[0], oh, ow)
    if kind in ("SumPool2d", "AvgPool2d"):
        k = node["kernel_size"][()]
        s = node["stride"][()]
        p = node["padding"][()]
        c, h, wd = shape
        return (c, (h + 2 * p[0] - k[0]) // s[0] + 1, (wd + 2 * p[1] - k[1]) // s[1] + 1)
    if kind == "Flatten":
        if int(node["start_dim"][()]) != 0 or int(node["end_dim"][()]) != -1:
            fail(f"{node.name}: expected start_dim 0, end_dim -1 for an input without batch dimension")
        return (int(np.prod(shape)),)
    fail(f"{node.name}: no shape rule for {kind}")


def check(path):
    with h5py.File(path, "r") as f:
        version = text(f["version"])
        g = f["node"]
        if text(g["type"]) != "NIRGraph":
            fail("/node/type: expected NIRGraph")
        edges = g["edges"][()]
        if edges.ndim != 2 or edges.shape[1] != 2:
            fail(f"/node/edges: expected shape (n, 2), found {edges.shape}")
        edges = [(a.decode("utf8"), b.decode("utf8")) for a, b in edges]
        nodes = {}
        dtypes = {}
        for name, node in g["nodes"].items():
            kind = text(node["type"])
            if kind not in PARAMS:
                fail(f"node {name}: unexpected type {kind}")
            keys = set(node.keys()) - {"type", "metadata"}
            missing = PARAMS[kind] - keys
            extra = keys - PARAMS[kind] - OPTIONAL.get(kind, set())
            if missing or extra:
                fail(f"node {name} ({kind}): missing {sorted(missing)}, unexpected {sorted(extra)}")
            for k in keys:
                ds = node[k]
                if ds.dtype.kind not in "iuf":
                    fail(f"node {name}/{k}: expected a numeric dtype, found {ds.dtype}")
                dtypes[f"{name}.{k}"] = str(ds.dtype)
            if kind == "IF":
                shapes = {node[k].shape for k in ("r", "v_threshold", "v_reset") if k in node}
                if len(shapes) != 1:
                    fail(f"node {name} (IF): r, v_threshold, v_reset must have one shape, found {shapes}")
            nodes[name] = kind
        for a, b in edges:
            if a not in nodes or b not in nodes:
                fail(f"edge ({a}, {b}): names a node that does not exist")
        # Walk the chain from the Input, carrying shapes as NIR's type check does.
        nxt = dict(edges)
        start = [n for n, k in nodes.items() if k == "Input"]
        if len(start) != 1:
            fail(f"expected one Input node, found {start}")
        at = start[0]
        shape = tuple(int(x) for x in g["nodes"][at]["shape"][()])
        visited = [at]
        while at in nxt:
            at = nxt[at]
            node = g["nodes"][at]
            kind = nodes[at]
            if kind == "Output":
                if int(np.prod(node["shape"][()])) != int(np.prod(shape)):
                    fail(f"Output: expected shape {shape}, found {node['shape'][()]}")
            else:
                if kind in ("IF", "I") and int(np.prod(node["r"].shape)) != int(np.prod(shape)):
                    fail(f"node {at} ({kind}): r has shape {node['r'].shape}, its input {shape}")
                shape = out_shape(kind, node, shape)
            visited.append(at)
        if len(visited) != len(nodes):
            fail(f"nodes not on the chain: {sorted(set(nodes) - set(visited))}")
        meta = {k: text(v) for k, v in g["metadata"].items()} if "metadata" in g else {}
        print(json.dumps({"version": version, "chain": [[n, nodes[n]] for n in visited], "edges": len(edges), "dtypes": dtypes, "metadata": sorted(meta), "weight0": g["nodes"][visited[1]]["weight"][()].ravel()[:5].tolist() if "weight" in g["nodes"][visited[1]] else None}))


def write_node(group, kind, params):
    group.create_dataset("type", data=kind, dtype=h5py.string_dtype())
    for k, v in params.items():
        group.create_dataset(k, data=v, dtype=v.dtype, compression="gzip")


def foreign(path, variant):
    rng = np.random.default_rng(7)
    w1 = rng.normal(0, 0.3, (6, 12)).astype(np.float32)
    w2 = rng.normal(0, 0.3, (3, 6)).astype(np.float32)
    nodes = {
        "input": ("Input", {"shape": np.array([12])}),
        "fc1": ("Affine", {"weight": w1, "bias": np.full(6, 0.05, np.float32)}),
        "lif1" if variant == "lif" else "if1": ("LIF", {"tau": np.full(6, 0.01), "r": np.ones(6), "v_leak": np.zeros(6), "v_threshold": np.ones(6), "v_reset": np.zeros(6)})
        if variant == "lif"
        else ("IF", {"r": np.ones(6, np.float32), "v_threshold": np.full(6, 0.5, np.float32), "v_reset": np.zeros(6, np.float32)}),
        "fc2": ("Affine", {"weight": w2, "bias": np.zeros(3, np.float32)}),
        "output": ("Output", {"shape": np.array([3])}),
    }
    names = list(nodes)
    edges = [(names[k], names[k + 1]) for k in range(len(names) - 1)]
    if variant == "cycle":
        edges.append(("fc2", "fc1"))
    with h5py.File(path, "w") as f:
        f.create_dataset("version", data="1.0.7", dtype=h5py.string_dtype())
        g = f.create_group("node")
        g.create_dataset("type", data="NIRGraph", dtype=h5py.string_dtype())
        ng = g.create_group("nodes")
        for name, (kind, params) in nodes.items():
            write_node(ng.create_group(name), kind, params)
        g.create_dataset("edges", data=np.array(edges, dtype=object), dtype=h5py.string_dtype())
    print(json.dumps({"w1": w1.astype(float).ravel().tolist(), "w2": w2.astype(float).ravel().tolist()}))


if __name__ == "__main__":
    if sys.argv[1] == "check":
        check(sys.argv[2])
    elif sys.argv[1] == "foreign":
        foreign(sys.argv[2], sys.argv[3])
    else:
        fail(f"unknown mode {sys.argv[1]}")
