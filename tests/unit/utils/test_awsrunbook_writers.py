"""The run's pillar writers found from each state module's PILLAR_WRITES, through a loader."""

import types

import pytest
from awsrunbook import layout, rds_connection, writers
from salt.exceptions import SaltInvocationError


class StateLoader(dict):
    """What ``__states__`` answers: functions whose ``__globals__`` are their module's."""


def function_of(module_globals):
    return types.SimpleNamespace(__globals__=module_globals)


def state_globals(tmp_path, lowstate, low):
    loader = StateLoader(
        {
            "rds_postgres.present": function_of({"PILLAR_WRITES": rds_connection.WRITER}),
            "file.managed": function_of({}),
            "file.present": function_of({}),
        }
    )
    return {
        "__virtualname__": "rds_aurora_postgres",
        "PILLAR_WRITES": rds_connection.WRITER,
        "__states__": loader,
        "__lowstate__": lowstate,
        "__low__": low,
        "__context__": {},
    }


def chunk(state, state_id, pillar_file):
    return {"state": state, "__id__": state_id, "fun": "present", "pillar_file": pillar_file}


def test_declarations_are_read_from_the_modules_of_the_run(tmp_path):
    lowstate = [chunk("rds_postgres", "a", "/p"), chunk("file", "f", "/p")]
    found = writers.declared(state_globals(tmp_path, lowstate, lowstate[0]))
    writer = rds_connection.WRITER
    assert found == {"rds_aurora_postgres": writer, "rds_postgres": writer}


def test_two_databases_writing_one_file_by_two_spellings_are_refused(tmp_path):
    private = tmp_path / "private"
    private.mkdir()
    lowstate = [
        chunk("rds_aurora_postgres", "analytics", str(private / "db.sls")),
        chunk("rds_postgres", "reporting", f"{private}/./db.sls"),
    ]
    mine = rds_connection.WRITER.writes(lowstate[0])
    with pytest.raises(SaltInvocationError, match="also written by rds_postgres reporting"):
        writers.check_no_collision(state_globals(tmp_path, lowstate, lowstate[0]), mine)
    lowstate[1]["pillar_file"] = str(tmp_path / "other.sls")
    writers.check_no_collision(state_globals(tmp_path, lowstate, lowstate[0]), mine)
    writers.check_no_collision(state_globals(tmp_path, lowstate, lowstate[0]), None)
    assert isinstance(mine, layout.Writes)
