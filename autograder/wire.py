"""The data that crosses between the grader and the sandbox (autograder.frames carries it;
autograder.replies checks that a reply answers what was asked).

Only plain data crosses: None, bool, int, float, str, numpy arrays and scalars of numeric dtypes,
and tuples, lists and dicts of those. Identity is kept, as pickle keeps it: an object met twice in
one message arrives as one object. Decoding builds nothing else, so no object made by student
code (an ndarray subclass, an object with its own __eq__, a pickle) can reach the grader. Anything
else is replaced by an Opaque value naming its type, which fails every check a test makes.
"""

import base64
import math
import reprlib

import numpy as np

NUMERIC_DTYPES = {
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64", "complex64", "complex128",
}  # fmt: skip
MAX_DEPTH = 64
MAX_UNITS = 2**24  # nodes and array elements, references counted as copies
MAX_ARRAY_BYTES = 64 * 2**20
MAX_INT_DIGITS = 4000  # below Python's own limit on converting a string to an int
HASH_MODULUS = 2**61 - 1  # ints below it hash to themselves


class WireError(ValueError):
    """A frame or a value that does not follow the format."""


class Opaque:
    """Stands for an object the sandbox could not send as plain data."""

    def __init__(self, type_name: str):
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<object of type {self.type_name}>"  # bounded: the decoder cuts the name

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


def elements(shape) -> int:
    if type(shape) is not list or len(shape) > 32 or not all(type(n) is int and n >= 0 for n in shape):
        raise WireError(f"bad shape {describe(shape)}")
    return math.prod(shape)


def decode_array(node) -> np.ndarray:
    dtype = node.get("dtype")
    if dtype not in NUMERIC_DTYPES:
        raise WireError(f"dtype {describe(dtype)} is not allowed")
    shape = node.get("shape", [])
    size = elements(shape) * np.dtype(dtype).itemsize
    data = node.get("data", "")
    if size > MAX_ARRAY_BYTES or type(data) is not str or len(data) != 4 * -(-size // 3):
        raise WireError("array data does not match its shape")
    return np.frombuffer(base64.b64decode(data, validate=True), dtype=dtype).reshape(shape).copy()


def hashable_key(key):
    """Only keys whose hashes cannot be made to collide: a student's dict cannot make the grader's slow."""
    if key is None or type(key) in (str, bool) or (type(key) is int and abs(key) < HASH_MODULUS):
        return key
    raise WireError(f"a dict key of type {type(key).__name__}")


class Decoder:
    """Decodes values within bounds; `objects` maps reference ids to the objects they stand for.

    `units` counts what the decoded value would cost if every reference were a copy (one per
    node, one per array element): nested tuples that share themselves stay small on the wire
    but explode when printed, hashed or compared, so they are refused here.
    """

    def __init__(self):
        self.objects: dict[int, object] = {}
        self.sizes: dict[int, int] = {}  # the units of each finished container, by reference id
        self.units = 0
        self.array_bytes = 0

    def count(self, units: int) -> None:
        self.units += units
        if self.units > MAX_UNITS:
            raise WireError(f"a value that expands to more than {MAX_UNITS} nodes and array elements")

    def keep(self, node, value):
        if "id" in node:
            if type(node["id"]) is not int or node["id"] in self.objects:
                raise WireError("a malformed reference id")
            self.objects[node["id"]] = value
        return value

    def finish(self, node, start: int) -> None:
        if "id" in node:
            self.sizes[node["id"]] = self.units - start

    def decode(self, node, depth: int = 0):
        try:
            return self.node(node, depth)
        except WireError:
            raise
        except (KeyError, TypeError, ValueError, OverflowError) as error:
            raise WireError(f"malformed value ({type(error).__name__})") from None

    def node(self, node, depth: int):
        if depth > MAX_DEPTH or type(node) is not dict:
            raise WireError("malformed value")
        start = self.units
        self.count(1)
        tag = node.get("t")
        if tag == "ref":
            if node.get("id") not in self.objects:
                raise WireError("a reference to nothing")
            if node["id"] not in self.sizes:
                raise WireError("a value that contains itself")
            self.count(self.sizes[node["id"]])
            return self.objects[node["id"]]
        if tag == "none":
            return None
        if tag == "bool" and type(node.get("v")) is bool:
            return node["v"]
        if tag == "int" and type(node.get("v")) is str and len(node["v"]) <= MAX_INT_DIGITS:
            return int(node["v"])
        if tag == "float" and type(node.get("v")) is str:
            return float.fromhex(node["v"])
        if tag == "str" and type(node.get("v")) is str:
            return node["v"]
        if tag in ("ndarray", "scalar"):
            array = decode_array(node if tag == "ndarray" else {**node, "shape": []})
            self.array_bytes += array.nbytes
            if self.array_bytes > MAX_ARRAY_BYTES:
                raise WireError(f"arrays of more than {MAX_ARRAY_BYTES} bytes in one message")
            self.count(array.size)
            if tag == "scalar":
                return array[()]
            self.keep(node, array)
            self.finish(node, start)
            return array
        if tag in ("list", "tuple", "dict") and type(node.get("items")) is list:
            return self.container(node, depth, start)
        if tag == "opaque":
            return Opaque(describe(node.get("type"), 100))
        raise WireError(f"unknown tag {describe(tag, 40)}")

    def container(self, node, depth: int, start: int):
        tag, items = node["t"], node["items"]
        if tag == "tuple":
            value = self.keep(node, tuple(self.decode(item, depth + 1) for item in items))
        elif tag == "list":
            value = self.keep(node, [])
            value.extend(self.decode(item, depth + 1) for item in items)
        else:
            value = self.keep(node, {})
            for pair in items:
                if type(pair) is not list or len(pair) != 2:
                    raise WireError("a malformed dict item")
                value[hashable_key(self.decode(pair[0], depth + 1))] = self.decode(pair[1], depth + 1)
        self.finish(node, start)
        return value

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


class BoundedRepr(reprlib.Repr):
    """reprlib's bounded repr, with arrays summarised by numpy whatever the print options are."""

    def repr_ndarray(self, value, level):
        text = np.array2string(value, threshold=20, edgeitems=2, max_line_width=self.maxother)
        return f"array({text}, dtype={value.dtype.name})"[: self.maxother + 40]

    def repr_instance(self, value, level):
        if type(value) is Opaque or isinstance(value, np.generic):
            return reprlib.Repr.repr_instance(self, value, level)
        return f"<{type_name(value)[:60]} object>"  # never run a __repr__ written by someone else


BOUNDED = BoundedRepr()
BOUNDED.maxlevel, BOUNDED.maxtuple, BOUNDED.maxlist, BOUNDED.maxdict, BOUNDED.maxset = 4, 8, 8, 6, 6
BOUNDED.maxstring, BOUNDED.maxlong, BOUNDED.maxother = 80, 60, 160


def describe(value, limit: int = 200) -> str:
    """A repr of `value` of at most `limit` characters, at a cost bounded whatever the value is.

    Use it wherever the grader prints or formats data that came from student code.
    """
    text = BOUNDED.repr(value)
    return text if len(text) <= limit else text[: max(limit - 3, 0)] + "..."
