"""An independent safetensors reader (stdlib only), following the published format: u64 LE header
length, JSON header, tensors contiguous from offset 0, little-endian data. Prints the tensors as JSON."""
import json, struct, sys

DTYPES = {"I8": "b", "I16": "h", "I32": "i", "I64": "q", "U8": "B", "U16": "H", "U32": "I", "F64": "d"}

data = open(sys.argv[1], "rb").read()
(n,) = struct.unpack("<Q", data[:8])
header = json.loads(data[8 : 8 + n].decode("utf-8"))
assert data[8:9] == b"{", "the header must start with {"
body = data[8 + n :]
meta = header.pop("__metadata__", {})
assert all(isinstance(v, str) for v in meta.values()), "metadata values must be strings"
spans = sorted((t["data_offsets"][0], t["data_offsets"][1]) for t in header.values())
end = 0
for a, b in spans:
    assert a == end, "tensors must be contiguous"
    end = b
assert end == len(body), "the tensors must cover the data section"
out = {}
for name, t in header.items():
    a, b = t["data_offsets"]
    code = DTYPES[t["dtype"]]
    count = 1
    for d in t["shape"]:
        count *= d
    values = list(struct.unpack("<%d%s" % (count, code), body[a:b]))
    out[name] = {"dtype": t["dtype"], "shape": t["shape"], "values": values}
print(json.dumps({"metadata": meta, "tensors": out}))
