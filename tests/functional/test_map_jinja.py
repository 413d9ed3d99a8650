"""salt/aws_runbook/map.jinja, rendered by Salt's Jinja renderer: where a relative pillar_file
goes."""

import pathlib

import pytest
from salt.exceptions import SaltRenderError

from tests.conftest import REPO

TEMPLATE = '{%% from "aws_runbook/map.jinja" import pillar_path %%}{{ pillar_path(%r) }}'


@pytest.fixture(scope="module")
def minion_opts(minion_opts, tmp_path_factory):
    pillar_root = tmp_path_factory.mktemp("pillar")
    return {
        **minion_opts,
        "file_roots": {"base": [str(REPO / "salt")]},
        "pillar_roots": {"base": [str(pillar_root)]},
    }


def render(loaders, path):
    return loaders.modules.slsutil.renderer(
        string=TEMPLATE % path, default_renderer="jinja"
    ).strip()


def test_a_relative_pillar_file_lands_in_the_pillar_root(loaders, minion_opts):
    root = minion_opts["pillar_roots"]["base"][0]
    assert render(loaders, "private/web1.sls") == f"{root}/private/web1.sls"
    assert render(loaders, "/srv/elsewhere/web1.sls") == "/srv/elsewhere/web1.sls"


@pytest.mark.parametrize("path", ["../web1.sls", "private/../../etc/web1.sls", ".."])
def test_a_relative_pillar_file_may_not_leave_the_pillar_root(loaders, minion_opts, path):
    root = minion_opts["pillar_roots"]["base"][0]
    with pytest.raises(SaltRenderError) as caught:
        render(loaders, path)
    assert (
        f"pillar_file {path}: a relative path must stay inside the pillar root {root} "
        '(no ".." parts)'
    ) in str(caught.value)


def test_a_relative_pillar_file_may_not_leave_the_root_through_a_symlink(
    loaders, minion_opts, tmp_path
):
    root = minion_opts["pillar_roots"]["base"][0]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    link = pathlib.Path(root, "shared")
    link.symlink_to(elsewhere)
    try:
        with pytest.raises(SaltRenderError) as caught:
            render(loaders, "shared/web1.sls")
        assert (
            f"pillar_file shared/web1.sls: a relative path must stay inside the pillar root "
            f"{root}, but a symlinked directory takes it outside"
        ) in str(caught.value)
        (pathlib.Path(root) / "private").mkdir(exist_ok=True)
        assert render(loaders, "private/web1.sls") == f"{root}/private/web1.sls"
    finally:
        link.unlink()
