"""The run's pillar writers found from each state function's declaration, through a loader."""

import types

import pytest
from awsrunbook import engine, layout, rds_connection, writers
from awsrunbook import store as stores
from salt.exceptions import SaltInvocationError


def function_of(declaration):
    """A state function as ``__states__`` hands it out."""
    return types.SimpleNamespace(__aws_runbook__=declaration)


def state_run(tmp_path, lowstate, low):
    loader = {
        "rds_postgres.present": function_of(
            engine.Declaration("rds_postgres.present", pillar=rds_connection.WRITER)
        ),
        "file.managed": print,
        "file.present": function_of(None),
    }
    return engine.Run(
        declaration=engine.Declaration("rds_aurora_postgres.present", pillar=rds_connection.WRITER),
        states=loader,
        lowstate=lowstate,
        low=low,
        id="run-1",
        store=stores.Store("run-1"),
    )


def chunk(state, state_id, pillar_file):
    return {"state": state, "__id__": state_id, "fun": "present", "pillar_file": pillar_file}


def test_declarations_are_read_from_the_modules_of_the_run(tmp_path):
    lowstate = [chunk("rds_postgres", "a", "/p"), chunk("file", "f", "/p")]
    found = writers.declared(state_run(tmp_path, lowstate, lowstate[0]))
    assert found == {
        "rds_aurora_postgres": rds_connection.WRITER,
        "rds_postgres": rds_connection.WRITER,
    }


def test_two_databases_writing_one_file_by_two_spellings_are_refused(tmp_path):
    private = tmp_path / "private"
    private.mkdir()
    lowstate = [
        chunk("rds_aurora_postgres", "analytics", str(private / "db.sls")),
        chunk("rds_postgres", "reporting", f"{private}/./db.sls"),
    ]
    mine = rds_connection.WRITER.writes(lowstate[0])
    with pytest.raises(SaltInvocationError, match="also written by rds_postgres reporting"):
        writers.check_no_collision(state_run(tmp_path, lowstate, lowstate[0]), mine)
    lowstate[1]["pillar_file"] = str(tmp_path / "other.sls")
    writers.check_no_collision(state_run(tmp_path, lowstate, lowstate[0]), mine)
    writers.check_no_collision(state_run(tmp_path, lowstate, lowstate[0]), None)
    assert isinstance(mine, layout.Writes)
