"""The arguments both database states share: declared once, shown in every signature."""

import dataclasses
import inspect

import pytest
import salt.utils.args
from awsrunbook import rds_arguments


@rds_arguments.shows(rds_arguments.Shared)
def present(name, pillar_file=None, db_name=None, **kwargs):
    """A state function taking the shared arguments in its kwargs."""
    args, shared = rds_arguments.split(locals())
    return args, shared, kwargs


def test_the_signature_lists_them_with_their_defaults():
    spec = salt.utils.args.get_function_argspec(present)
    shared = [field.name for field in dataclasses.fields(rds_arguments.Shared)]
    assert spec.args == ["name", "pillar_file", "db_name", *shared]
    assert spec.keywords == "kwargs"
    assert dict(zip(spec.args[1:], spec.defaults, strict=True)) == {
        "pillar_file": None,
        "db_name": None,
        **dataclasses.asdict(rds_arguments.Shared()),
    }
    assert str(inspect.signature(present)).endswith("wait=None, gpg_recipients=None, **kwargs)")


def test_salt_passes_them_by_name_and_the_body_gets_them_named():
    call = salt.utils.args.format_call(
        present, {"name": "db", "wait": 600, "password_length": 20, "region": "eu-west-1"}
    )
    args, shared, kwargs = present(*call["args"], **call["kwargs"])
    assert shared == rds_arguments.Shared(wait=600, password_length=20)
    assert args["wait"] == 600 and args["name"] == "db" and args["pillar_file"] is None
    assert kwargs == {"region": "eu-west-1"}  # the connection arguments only
    with pytest.raises(dataclasses.FrozenInstanceError):
        shared.wait = 1


def test_take_leaves_the_rest():
    kwargs = {"final_snapshot": "x", "region": "us-east-1"}
    assert rds_arguments.take(rds_arguments.Absent, kwargs) == rds_arguments.Absent("x")
    assert kwargs == {"region": "us-east-1"}
