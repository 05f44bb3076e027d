"""nbgrader's machinery made cheaper, computing the same: installed by `install()` when the
faithful path is imported.

- nbgrader checks each cell's metadata with `jsonschema.validate`, which checks nbgrader's own
  schema against jsonschema's metaschema on every call: a validator per schema is kept instead.
- Every `Gradebook(...)` makes a new SQLAlchemy engine (nbgrader's Autograde opens nine per
  submission), and so compiles every query again: an engine per database and process is kept
  instead. A closed gradebook still disposes of the engine's connections, so none outlives it.
"""

import os

import jsonschema
import nbgrader.api
import sqlalchemy
from nbgrader.nbgraderformat import common as nbgraderformat_common


class SchemaCache:
    """`jsonschema.validate`, with one validator per schema."""

    def __init__(self):
        self.validators: dict[int, tuple[dict, object]] = {}

    def validate(self, instance, schema) -> None:
        known = self.validators.get(id(schema))
        if known is None or known[0] is not schema:
            known = self.validators[id(schema)] = (schema, jsonschema.validators.validator_for(schema)(schema))
        error = jsonschema.exceptions.best_match(known[1].iter_errors(instance))
        if error is not None:
            raise error


_engines: dict[tuple, sqlalchemy.Engine] = {}


def shared_engine(url, **options) -> sqlalchemy.Engine:
    """`sqlalchemy.create_engine`, made once per process, URL and options (a forked worker makes its own)."""
    key = (os.getpid(), str(url), tuple(sorted(options.items())))
    if key not in _engines:
        _engines[key] = sqlalchemy.create_engine(url, **options)
    return _engines[key]


def install() -> None:
    nbgraderformat_common.jsonschema = SchemaCache()
    nbgrader.api.create_engine = shared_engine
