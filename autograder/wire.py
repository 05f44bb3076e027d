"""The data that crosses between the grader and the sandbox (autograder.frames carries it).

Only plain data crosses: None, bool, int, float, str, numpy arrays and scalars of numeric dtypes,
and tuples, lists and dicts of those. Identity is kept, as pickle keeps it: an object met twice in
one message arrives as one object. Decoding builds nothing else, so no object made by student
code (an ndarray subclass, an object with its own __eq__, a pickle) can reach the grader. Anything
else is replaced by an Opaque value naming its type, which fails every check a test makes.
"""

import base64

import numpy as np

NUMERIC_DTYPES = {
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64", "complex64", "complex128",
}  # fmt: skip
MAX_DEPTH = 64


class WireError(ValueError):
    """A frame or a value that does not follow the format."""


class Opaque:
    """Stands for an object the sandbox could not send as plain data."""

    def __init__(self, type_name: str):
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<object of type {self.type_name}>"

    def __eq__(self, other):
        return False

    __hash__ = None


def type_name(value) -> str:
    kind = type(value)
    return f"{kind.__module__}.{kind.__qualname__}"


CONTAINERS = (np.ndarray, tuple, list, dict)
CONTAINER_TAGS = {"ndarray": np.ndarray, "tuple": tuple, "list": list, "dict": dict}


class Encoder:
    """Encodes values, keeping identity: an array or container met again becomes a reference."""

    def __init__(self):
        self.refs: dict[int, int] = {}
        self.alive: list = []  # keeps encoded objects alive so that their ids stay unique

    def encode(self, value, depth: int = 0):
        kind = type(value)
        if kind in CONTAINERS:
            if id(value) in self.refs:
                return {"t": "ref", "id": self.refs[id(value)]}
            self.refs[id(value)] = len(self.refs)
            self.alive.append(value)
            node = self.plain(value, depth)
            if node["t"] != "opaque":
                node["id"] = self.refs[id(value)]
            return node
        return self.plain(value, depth)

    def plain(self, value, depth: int):
        if depth > MAX_DEPTH:
            return {"t": "opaque", "type": "nesting too deep"}
        kind = type(value)
        if value is None:
            return {"t": "none"}
        if kind is bool:
            return {"t": "bool", "v": value}
        if kind is int:
            return {"t": "int", "v": str(value)}
        if kind is float:
            return {"t": "float", "v": value.hex()}
        if kind is str:
            return {"t": "str", "v": value}
        if kind is np.ndarray and value.dtype.name in NUMERIC_DTYPES:
            data = base64.b64encode(np.ascontiguousarray(value).tobytes()).decode()
            return {"t": "ndarray", "dtype": value.dtype.name, "shape": list(value.shape), "data": data}
        if issubclass(kind, np.generic) and kind is np.dtype(kind).type and np.dtype(kind).name in NUMERIC_DTYPES:
            return {"t": "scalar", "dtype": np.dtype(kind).name, "data": base64.b64encode(value.tobytes()).decode()}
        if kind in (tuple, list):
            return {"t": kind.__name__, "items": [self.encode(item, depth + 1) for item in value]}
        if kind is dict:
            items = [[self.encode(k, depth + 1), self.encode(v, depth + 1)] for k, v in value.items()]
            return {"t": "dict", "items": items}
        return {"t": "opaque", "type": type_name(value)}


def encode(value):
    return Encoder().encode(value)


def decode_array(node) -> np.ndarray:
    dtype = node.get("dtype")
    if dtype not in NUMERIC_DTYPES:
        raise WireError(f"dtype {dtype!r} is not allowed")
    shape = tuple(node.get("shape", ()))
    if not all(type(n) is int and n >= 0 for n in shape):
        raise WireError(f"bad shape {shape!r}")
    data = base64.b64decode(node.get("data", ""), validate=True)
    if len(data) != int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize:
        raise WireError("array data does not match its shape")
    return np.frombuffer(data, dtype=dtype).reshape(shape).copy()


class Decoder:
    """Decodes values; `objects` maps reference ids to the objects they stand for."""

    def __init__(self):
        self.objects: dict[int, object] = {}

    def keep(self, node, value):
        if "id" in node:
            self.objects[node["id"]] = value
        return value

    def decode(self, node, depth: int = 0):
        if depth > MAX_DEPTH or type(node) is not dict:
            raise WireError("malformed value")
        tag = node.get("t")
        if tag == "ref":
            if node.get("id") not in self.objects:
                raise WireError("a reference to nothing")
            return self.objects[node["id"]]
        if tag == "none":
            return None
        if tag == "bool" and type(node.get("v")) is bool:
            return node["v"]
        if tag == "int":
            return int(node["v"])
        if tag == "float":
            return float.fromhex(node["v"])
        if tag == "str" and type(node.get("v")) is str:
            return node["v"]
        if tag == "ndarray":
            return self.keep(node, decode_array(node))
        if tag == "scalar":
            return decode_array({**node, "shape": []})[()]
        if tag == "list":
            items = self.keep(node, [])
            items.extend(self.decode(item, depth + 1) for item in node["items"])
            return items
        if tag == "tuple":
            return self.keep(node, tuple(self.decode(item, depth + 1) for item in node["items"]))
        if tag == "dict":
            mapping = self.keep(node, {})
            mapping.update((self.decode(k, depth + 1), self.decode(v, depth + 1)) for k, v in node["items"])
            return mapping
        if tag == "opaque":
            return Opaque(str(node.get("type")))
        raise WireError(f"unknown tag {tag!r}")

    def adopt(self, original, node) -> None:
        """Let references to this node (and to the parts of it) mean `original` and its parts."""
        if type(node) is not dict or node.get("t") == "ref":
            return
        if "id" in node and type(original) is CONTAINER_TAGS.get(node.get("t")):
            self.objects[node["id"]] = original
        if (
            node.get("t") in ("list", "tuple")
            and type(original) in (list, tuple)
            and len(original) == len(node["items"])
        ):
            for item, item_node in zip(original, node["items"], strict=True):
                self.adopt(item, item_node)
        if node.get("t") == "dict" and type(original) is dict:
            for key_node, value_node in node["items"]:
                key = Decoder().decode(key_node) if key_node.get("t") in ("str", "int") else None
                if key in original:
                    self.adopt(original[key], value_node)


def decode(node):
    return Decoder().decode(node)
