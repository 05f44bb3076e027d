"""Which replies the grader accepts from the sandbox: only answers to what it asked, in the
worker's format (autograder.worker), checked before anything in them is decoded or bound.

A shape is a type (the value must be of exactly that type), NODE (a wire value, decoded later
within wire's bounds), Text(n) (a string of at most n characters), Equal(v), OneOf(shapes),
Fields({key: shape}) (exactly these keys), Each(keys, shape) (a dict whose keys are exactly
`keys`), or Items(shape, n) (a list of exactly n items). check_reply is what the grader calls.
"""

from autograder.wire import WireError


class Shape:
    """A check of one part of a reply; subclasses define `check(value, where)`."""


class Text(Shape):
    def __init__(self, limit: int):
        self.limit = limit

    def check(self, value, where):
        if type(value) is not str or len(value) > self.limit:
            raise WireError(f"{where} must be a string of at most {self.limit} characters")


class Equal(Shape):
    def __init__(self, value):
        self.value = value

    def check(self, value, where):
        if type(value) is not type(self.value) or value != self.value:
            raise WireError(f"{where} must be {self.value!r}")


class OneOf(Shape):
    def __init__(self, *shapes):
        self.shapes = shapes

    def check(self, value, where):
        for shape in self.shapes:
            try:
                return conform(value, shape, where)
            except WireError:
                continue
        raise WireError(f"{where} has none of the expected forms")


class Fields(Shape):
    def __init__(self, fields: dict):
        self.fields = fields

    def check(self, value, where):
        if type(value) is not dict or set(value) != set(self.fields):
            raise WireError(f"{where} must have exactly the fields {sorted(self.fields)}")
        for key, shape in self.fields.items():
            conform(value[key], shape, f"{where}.{key}")


class Each(Shape):
    def __init__(self, keys, shape):
        self.keys, self.shape = set(keys), shape

    def check(self, value, where):
        if type(value) is not dict or set(value) != self.keys:
            raise WireError(f"{where} must answer exactly {sorted(self.keys)}")
        for key in self.keys:
            conform(value[key], self.shape, f"{where}[{key!r}]")


class Mapping(Shape):
    """A dict of at most `count` entries, each key of shape `keys` and each value of shape `values`."""

    def __init__(self, keys, values, count: int):
        self.keys, self.values, self.count = keys, values, count

    def check(self, value, where):
        if type(value) is not dict or len(value) > self.count:
            raise WireError(f"{where} must be a dict of at most {self.count} entries")
        for key, item in value.items():
            conform(key, self.keys, f"{where} key")
            conform(item, self.values, f"{where}[{key!r}]")


class ListOf(Shape):
    """A list of at most `count` items of one shape."""

    def __init__(self, shape, count: int):
        self.shape, self.count = shape, count

    def check(self, value, where):
        if type(value) is not list or len(value) > self.count:
            raise WireError(f"{where} must be a list of at most {self.count} items")
        for index, item in enumerate(value):
            conform(item, self.shape, f"{where}[{index}]")


class Items(Shape):
    def __init__(self, shape, count: int):
        self.shape, self.count = shape, count

    def check(self, value, where):
        if type(value) is not list or len(value) != self.count:
            raise WireError(f"{where} must be a list of {self.count} items")
        for index, item in enumerate(value):
            conform(item, self.shape, f"{where}[{index}]")


NODE = dict


def conform(value, shape, where: str = "the reply") -> None:
    """Raise WireError unless `value` has `shape`; the message names the first part that does not."""
    if isinstance(shape, Shape):
        shape.check(value, where)
    elif type(value) is not shape:
        raise WireError(f"{where} must be of type {shape.__name__}")


OUTPUT = {"stdout": Text(2**20), "stderr": Text(2**20), "wrote_stderr": bool}
ERROR = Fields({"ok": Equal(False), "error": Fields({"type": Text(200), "message": Text(2**20), "traceback": Text(2**20)}), **OUTPUT})  # fmt: skip
FOUND = OneOf(Fields({"kind": Equal("missing")}), Fields({"kind": Equal("callable")}), Fields({"kind": Equal("value"), "value": NODE}))  # fmt: skip

# the nbformat outputs of one cell, as autograder.shell records them (mime data: text, or JSON for application/json)
MIME = Mapping(Text(200), OneOf(Text(2**22), dict, list), 50)
CELL_OUTPUT = OneOf(
    Fields({"output_type": Equal("stream"), "name": OneOf(Equal("stdout"), Equal("stderr")), "text": Text(2**22)}),
    Fields({"output_type": Equal("display_data"), "data": MIME, "metadata": dict}),
    Fields({"output_type": Equal("execute_result"), "data": MIME, "metadata": dict, "execution_count": int}),
    Fields(
        {
            "output_type": Equal("error"),
            "ename": Text(200),
            "evalue": Text(2**20),
            "traceback": ListOf(Text(2**20), 1000),
        }
    ),
)
FILES = Mapping(Text(1000), Text(2**24), 10_000)

# how much text a notebook's outputs may hold: per cell, and in all (autograder.shell caps them in the
# sandbox; the grader measures them again on receipt, autograder.executor)
OUTPUT_CAP = 256 * 1024
NOTEBOOK_OUTPUT_CAP = 8 * 2**20
KEEP = 1000  # what the first output nbgrader grades by (an error, stderr, a result) keeps when the room is spent
TRUNCATED = "\n[output truncated by the grader]\n"


def output_size(output: dict) -> int:
    """The text an nbformat output holds, as the caps count it."""
    kind = output.get("output_type")
    if kind == "stream":
        return len(output["text"])
    if kind == "error":
        return len(output["ename"]) + len(output["evalue"]) + sum(len(line) for line in output["traceback"])
    return sum(len(str(value)) for value in output["data"].values())


def cell_allowance(notebook_room: int) -> int:
    """The most a cell's outputs may measure when the notebook has `notebook_room` left: its share of
    the room, the first graded output kept past it, and the note saying what was cut."""
    return min(OUTPUT_CAP, max(notebook_room, 0)) + KEEP + len(TRUNCATED)


def reply_shape(request: dict) -> Shape:
    """What the worker may answer to `request`, when it succeeds (autograder.worker's operations): nothing else, and
    only about what was asked (the names looked up, the arguments passed)."""
    if request["op"] in ("exec", "reference"):
        answer = Fields({"ok": Equal(True), **OUTPUT})
    elif request["op"] == "lookup":
        answer = Fields({"ok": Equal(True), "names": Each(request["names"], FOUND), **OUTPUT})
    elif request["op"] == "call":
        passed = {"args": Items(NODE, len(request["args"])), "kwargs": Each(request["kwargs"], NODE)}
        answer = Fields({"ok": Equal(True), **passed, "value": NODE, "random_state": NODE, **OUTPUT})
    elif request["op"] == "shell":
        answer = Fields({"ok": Equal(True), "outputs": ListOf(CELL_OUTPUT, 10_000), "execution_count": int, **OUTPUT})
    elif request["op"] == "files":
        answer = Fields({"ok": Equal(True), "files": FILES, **OUTPUT})
    else:
        raise ValueError(f"no reply shape for the operation {request['op']!r}")
    return answer


def check_reply(request: dict, reply: dict) -> dict:
    """The reply, if it answers `request` in the worker's format (or reports an error); WireError otherwise."""
    conform(reply, ERROR if type(reply) is dict and reply.get("ok") is False else reply_shape(request))
    return reply
