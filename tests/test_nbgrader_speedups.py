"""nbgrader's machinery made cheaper (autograder.nbgrader_speedups) computes the same."""

import jsonschema
import pytest
from nbgrader.api import Gradebook

from autograder import nbgrader_speedups

nbgrader_speedups.install()


def test_gradebooks_of_one_database_share_an_engine_and_a_forked_process_makes_its_own(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url) as first, Gradebook(url) as second:
        assert first.engine is second.engine
        with Gradebook(f"sqlite:///{tmp_path / 'other.db'}") as other:
            assert other.engine is not first.engine
    monkeypatch.setattr(nbgrader_speedups.os, "getpid", lambda: -1)
    with Gradebook(url) as in_child:
        assert in_child.engine is not first.engine


def test_a_closed_gradebook_keeps_no_connection_so_a_new_database_file_is_read_afresh(tmp_path):
    path = tmp_path / "gradebook.db"
    with Gradebook(f"sqlite:///{path}") as gradebook:
        gradebook.add_student("ada")
        engine = gradebook.engine
    assert engine.pool.checkedout() == 0
    path.unlink()
    with Gradebook(f"sqlite:///{path}") as gradebook:
        assert gradebook.engine is engine
        assert [s.id for s in gradebook.students] == []


def test_the_cached_schema_check_rejects_what_jsonschema_rejects():
    schema = {"type": "object", "properties": {"points": {"type": "number"}}, "required": ["points"]}
    cache = nbgrader_speedups.SchemaCache()
    cache.validate({"points": 2}, schema)
    for bad in [{"points": "two"}, {}]:
        with pytest.raises(jsonschema.ValidationError) as ours:
            cache.validate(bad, schema)
        with pytest.raises(jsonschema.ValidationError) as theirs:
            jsonschema.validate(bad, schema)
        assert ours.value.message == theirs.value.message
