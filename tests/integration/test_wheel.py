"""The wheel as a user gets it: what it holds, and ``aws-runbook init`` then ``aws-runbook
apply`` from a venv it is installed into, run from outside the repository.

The venv is created empty (``--without-pip``) and the wheel installed into it with
``--no-deps``; the dependencies (Salt, boto3...) come from this test environment's
site-packages through a ``.pth`` line, which adds that directory to ``sys.path`` without
processing its own ``.pth`` files, so the repository's editable install stays out of the new
venv (checked: every module of ours is imported from the new venv). A fresh install of the
dependencies from the index would take minutes.
"""

import configparser
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import zipfile

import pytest
import yaml

from tests.conftest import REPO

PIP = (sys.executable, "-m", "pip", "-q", "--disable-pip-version-check")
SETUP_CFG = configparser.ConfigParser()
SETUP_CFG.read(REPO / "setup.cfg")
VERSION = SETUP_CFG["metadata"]["version"]
SERVICES = (
    "S3",
    "IAM",
    "SES",
    "RDS/Aurora",
    "EC2 security groups",
    "VPC",
    "Route 53",
    "Cloudflare",
    "RFC 2136",
)
# What the installed package is asked, in the new venv: where each piece of ours is imported
# from, and where Salt's loader took our execution and state modules from.
WHERE_FROM = textwrap.dedent(
    """\
    import json, sys
    import salt.config, salt.loader
    import awsrunbook.state, salt_aws_runbook
    from salt_aws_runbook import cli, example_pillar, loader

    opts = salt.config.minion_config(sys.argv[1])
    opts["grains"] = salt.loader.grains(opts)
    mods = salt.loader.minion_mods(opts)
    states = salt.loader.states(opts, mods, {}, {})
    assert "aws_s3.bucket_region" in mods and "s3_backup_bucket.present" in states
    loaded = {
        name.rsplit(".", 1)[-1]: module.__file__
        for name, module in list(sys.modules.items())
        if name.startswith("salt.loaded.ext.") and getattr(module, "__file__", None)
    }
    print(json.dumps({
        "package": salt_aws_runbook.__file__,
        "utils": awsrunbook.state.__file__,
        "file_root": str(cli.file_root()),
        "example": str(example_pillar.example_root()),
        "loader_dirs": loader.get_loader_dirs(),
        "loaded": loaded,
    }))
    """
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    build = tmp_path_factory.mktemp("wheel")
    # Built from a copy: setuptools reuses a build/ folder left in the source tree.
    source = build / "source"
    shutil.copytree(
        REPO,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv*", ".demo", "build", "dist", "_build", "*.egg-info", "__pycache__"
        ),
    )
    subprocess.run(
        [*PIP, "wheel", "--no-deps", "--no-build-isolation", "-w", str(build), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (path,) = build.glob("*.whl")
    return path


def _tree(directory, pattern="*"):
    return {str(p.relative_to(directory)) for p in directory.rglob(pattern) if p.is_file()}


def test_wheel_holds_the_extension_the_example_pillar_and_the_license(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        dist_info = f"salt_aws_runbook-{VERSION}.dist-info"
        (license_name,) = (n for n in names if n.startswith(dist_info) and "LICENSE" in n)
        assert archive.read(license_name) == (REPO / "LICENSE").read_bytes()
        metadata = archive.read(f"{dist_info}/METADATA").decode()
        entry_points = archive.read(f"{dist_info}/entry_points.txt").decode()

    def shipped(prefix):
        return {n.removeprefix(prefix) for n in names if n.startswith(prefix)}

    assert shipped("salt_aws_runbook/file_root/") == _tree(REPO / "salt")
    assert "aws_runbook/init.sls" in shipped("salt_aws_runbook/file_root/")
    assert shipped("salt_aws_runbook/pillar_example/") == _tree(REPO / "pillar.example")
    assert "top.sls" in shipped("salt_aws_runbook/pillar_example/")
    assert shipped("salt_aws_runbook/_modules/") == _tree(REPO / "_modules", "*.py")
    assert shipped("salt_aws_runbook/_states/") == _tree(REPO / "_states", "*.py")
    utils = _tree(REPO / "_utils", "*.py")
    assert "awsrunbook/state.py" in utils and utils <= names
    assert {"salt_aws_runbook/cli.py", "salt_aws_runbook/loader.py"} <= names

    assert "aws-runbook = salt_aws_runbook.cli:main" in entry_points
    assert "salt-aws-runbook = salt_aws_runbook.loader:get_loader_dirs" in entry_points
    summary = next(line for line in metadata.splitlines() if line.startswith("Summary: "))
    for service in SERVICES:
        assert service in summary, service
    for minor in (10, 11, 12, 13):
        assert f"Classifier: Programming Language :: Python :: 3.{minor}\n" in metadata
    urls = {
        line.split(": ", 1)[1].split(", ")[0]
        for line in metadata.splitlines()
        if line.startswith("Project-URL: ")
    }
    assert urls == {"Documentation", "Source", "Changelog", "Issues"}
    assert "https://github.com/salt-aws-runbook/salt-aws-runbook" in metadata
    assert "Apache-2.0" in metadata


def _empty_venv_with(wheel, root):
    """A venv holding only the wheel, its dependencies visible from this test environment."""
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    ours = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (venv / purelib.removeprefix(str(venv) + "/") / "test-env-dependencies.pth").write_text(
        "".join(f"{path}\n" for path in sorted(ours))
    )
    # pip (from this environment, through the .pth) run by the new venv's python: it installs
    # into the new venv, with scripts that start the new venv's python. --ignore-installed: the
    # editable install it can see is neither replaced nor touched.
    subprocess.run(
        [
            str(python),
            *PIP[1:],
            "install",
            "--no-deps",
            "--no-index",
            "--ignore-installed",
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return venv


def test_installed_wheel_inits_and_applies_outside_the_repository(
    wheel, tmp_path, aws_env, moto_server, aws_cli
):
    venv = _empty_venv_with(wheel, tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    env = {**aws_env, "HOME": str(tmp_path / "home")}
    env.pop("PYTHONPATH", None)

    def run(*args):
        return subprocess.run(
            [*args], cwd=work, env=env, capture_output=True, text=True, timeout=300
        )

    command = str(venv / "bin" / "aws-runbook")
    version = run(command, "--version")
    assert version.returncode == 0, version.stderr
    assert version.stdout.startswith(f"aws-runbook {VERSION} (Salt 3")

    init = run(command, "init", "pillar")
    assert init.returncode == 0, init.stderr
    assert f"aws-runbook apply --pillar-root {work / 'pillar'} --test" in init.stdout
    assert _tree(work / "pillar") == _tree(REPO / "pillar.example")

    apply = run(
        command, "apply", "--pillar-root", "pillar", "--state-dir", "state", "--", "--out=json"
    )
    assert apply.returncode == 0, apply.stdout + apply.stderr
    results = json.loads(apply.stdout)["local"]
    assert results and all(r["result"] is True and r["changes"] for r in results.values())
    assert moto_server.writes()
    redmine = yaml.safe_load((work / "pillar" / "private" / "redmine.sls").read_text())
    keys = aws_cli("iam", "list-access-keys", "--user-name", "redmine-backup")["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in keys] == [redmine["aws"]["access_key"]]

    # Everything of ours came from the new venv, none of it from the repository.
    where = run(str(venv / "bin" / "python"), "-c", WHERE_FROM, str(work / "state" / "minion"))
    assert where.returncode == 0, where.stderr
    found = json.loads(where.stdout)
    print(json.dumps(found, indent=1))
    site = os.path.realpath(venv)
    paths = [
        found["package"],
        found["utils"],
        found["file_root"],
        found["example"],
        *found["loader_dirs"]["modules"],
        *found["loader_dirs"]["states"],
        *found["loaded"].values(),
    ]
    assert {"aws_s3", "s3_backup_bucket"} <= found["loaded"].keys()
    for path in paths:
        assert os.path.realpath(path).startswith(site + os.sep), path
    config = yaml.safe_load((work / "state" / "minion").read_text())
    assert config["file_roots"] == {"base": [found["file_root"]]}
