"""Line-level YAML editing: only the written keys' lines change, byte for byte; anything the
editor cannot do exactly is refused, never written half right."""

import importlib.util

import pytest
import yaml
from awsrunbook import yamledit

from tests.conftest import REPO

FIXTURES = REPO / "tests" / "fixtures" / "pillar"
OLD_SECRET = "oldBackupSecretKey/0000000000000000000001"
OLD_SMTP_PASSWORD = "BOldSmtpPasswordValue0000000000000000000001"


def fixture(name):
    with open(FIXTURES / name, encoding="utf-8", newline="") as handle:
        return handle.read()


def lines(text):
    return text.splitlines(keepends=True)


@pytest.fixture(params=["registry.sls", "registry-crlf.sls"])
def registry(request):
    return fixture(request.param)


def eol_of(text):
    return "\r\n" if "\r\n" in text else "\n"


def test_fixture_is_the_realistic_private_pillar_we_mean():
    text = fixture("registry.sls")
    assert 150 <= text.count("\n") <= 170
    assert text.startswith("---\n") and text.endswith("...\n")
    assert "  admin:\n    - ssh-ed25519" in text  # lists indented under their keys
    assert "public_access: True\n" in text
    assert "&SMTP_PASSWORD" in text and text.count("*SMTP_PASSWORD") == 2
    assert fixture("registry-crlf.sls") == text.replace("\n", "\r\n")


def test_setting_one_key_changes_only_its_line(registry):
    eol = eol_of(registry)
    new, changed = yamledit.set_values(registry, {"aws:secret_key": "new/Secret+Key0"})
    assert changed == ["aws:secret_key"]
    before = f"  secret_key: '{OLD_SECRET}'{eol}"
    assert new == registry.replace(before, f"  secret_key: 'new/Secret+Key0'{eol}")
    assert yaml.safe_load(new)["aws"]["secret_key"] == "new/Secret+Key0"


def test_new_keys_are_new_lines_indented_like_their_siblings(registry):
    eol = eol_of(registry)
    new, changed = yamledit.set_values(
        registry,
        {
            "postgres:backup:s3_key": "AKIANEWPGBACKUPKEY01",
            "postgres:backup:s3_key_secret": "new-pg-secret",
            "aws:session:duration": 3600,
            "smtp:eu-central-1:host": "email-smtp.eu-central-1.amazonaws.com",
            "smtp:eu-central-1:port": 587,
            "newtop:enabled": True,
        },
    )
    assert changed == [
        "postgres:backup:s3_key",
        "postgres:backup:s3_key_secret",
        "aws:session:duration",
        "smtp:eu-central-1:host",
        "smtp:eu-central-1:port",
        "newtop:enabled",
    ]
    expected = (
        registry.replace(
            f"    s3_key: AKIAOLDPGBACKUPKEY01{eol}", f"    s3_key: AKIANEWPGBACKUPKEY01{eol}"
        )
        .replace(
            f'    s3_key_secret: "oldPgBackupSecret/00000000000000000000001"{eol}',
            f'    s3_key_secret: "new-pg-secret"{eol}',
        )
        .replace(
            f"  region: eu-west-1{eol}{eol}postgres:",
            f"  region: eu-west-1{eol}  session:{eol}    duration: 3600{eol}{eol}postgres:",
        )
        .replace(
            f"{OLD_SMTP_PASSWORD}{eol}{eol}aws:",
            f"{OLD_SMTP_PASSWORD}{eol}  eu-central-1:{eol}"
            f"    host: email-smtp.eu-central-1.amazonaws.com{eol}    port: 587{eol}{eol}aws:",
        )
        .replace(
            f"  swappiness: 10{eol}...{eol}",
            f"  swappiness: 10{eol}newtop:{eol}  enabled: true{eol}...{eol}",
        )
    )
    assert new == expected


def test_an_anchored_value_keeps_its_anchor_and_aliases_follow(registry):
    eol = eol_of(registry)
    new, changed = yamledit.set_values(registry, {"smtp:password": "BNewSmtpPassword"})
    assert changed == ["smtp:password"]
    assert new == registry.replace(
        f"&SMTP_PASSWORD {OLD_SMTP_PASSWORD}{eol}", f"&SMTP_PASSWORD BNewSmtpPassword{eol}"
    )
    data = yaml.safe_load(new)
    assert data["docker_apps"]["registry"]["env"]["EMAIL_HOST_PASSWORD"] == "BNewSmtpPassword"
    assert data["docker_apps"]["pelican_frontend"]["env"]["EMAIL_HOST_PASSWORD"] == (
        "BNewSmtpPassword"
    )


def test_unchanged_values_are_not_edited(registry):
    new, changed = yamledit.set_values(
        registry,
        {"aws:secret_key": OLD_SECRET, "postgres:version": 15, "postgres:public_access": True},
    )
    assert (new, changed) == (registry, [])


def test_a_value_of_another_type_is_a_change():
    new, changed = yamledit.set_values("smtp:\n  port: '587'\n", {"smtp:port": 587})
    assert (new, changed) == ("smtp:\n  port: 587\n", ["smtp:port"])


def test_removing_keys_removes_only_their_lines_and_empty_parents(registry):
    eol = eol_of(registry)
    new, removed = yamledit.remove(
        registry,
        ["aws:access_key", "aws:secret_key", "aws:region", "postgres:backup:s3_key", "nope:x"],
    )
    assert removed == ["aws:access_key", "aws:secret_key", "aws:region", "postgres:backup:s3_key"]
    aws_block = (
        f"aws:{eol}  access_key: AKIAOLDBACKUPKEY0001{eol}  secret_key: '{OLD_SECRET}'{eol}"
        f"  region: eu-west-1{eol}"
    )
    assert aws_block in registry
    assert new == registry.replace(aws_block, "").replace(
        f"    s3_key: AKIAOLDPGBACKUPKEY01{eol}", ""
    )


def test_removing_an_alias_site_leaves_the_anchor(registry):
    new, removed = yamledit.remove(
        registry, ["docker_apps:pelican_frontend:env:EMAIL_HOST_PASSWORD"]
    )
    assert removed == ["docker_apps:pelican_frontend:env:EMAIL_HOST_PASSWORD"]
    assert len(lines(new)) == len(lines(registry)) - 1
    assert yaml.safe_load(new)["docker_apps"]["registry"]["env"]["EMAIL_HOST_PASSWORD"] == (
        OLD_SMTP_PASSWORD
    )


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        # a leading --- and a trailing ..., with a comment on each
        ("--- # web1\na: 1\n... # end\n", {"b": 2}, "--- # web1\na: 1\nb: 2\n... # end\n"),
        # a byte-order mark is the caller's business; a file that holds only comments keeps them
        (
            "# Private values\n\n# nothing yet\n",
            {"aws:region": "eu-west-1"},
            "# Private values\n\n# nothing yet\naws:\n  region: eu-west-1\n",
        ),
        ("", {"aws:region": "eu-west-1"}, "aws:\n  region: eu-west-1\n"),
        ("---\n", {"a": "x"}, "---\na: x\n"),
        ("--- # only comments\n...\n", {"a": "x"}, "--- # only comments\na: x\n...\n"),
        # no newline at the end stays so
        ("a:\n  b: 1", {"a:c": 2}, "a:\n  b: 1\n  c: 2"),
        ("a: 1\r\nb:\r\n  c: 2", {"b:d": 3}, "a: 1\r\nb:\r\n  c: 2\r\n  d: 3"),
        # four-space indentation and sequences not indented are the file's choice
        (
            "top:\n    list:\n    - a\n    - b\n",
            {"top:new:k": "v"},
            "top:\n    list:\n    - a\n    - b\n    new:\n        k: v\n",
        ),
        # flow mappings stay flow mappings
        ("aws: {region: x}\n", {"aws:access_key": "AKIA"}, "aws: {region: x, access_key: AKIA}\n"),
        ("aws: {}\n", {"aws:k": "v"}, "aws: {k: v}\n"),
        ("aws: {region: x}\n", {"aws:region": "a,b"}, "aws: {region: 'a,b'}\n"),
        ("aws: {region: x}\n", {"aws:s:k": 1}, "aws: {region: x, s: {k: 1}}\n"),
        # empty and null parents become mappings
        ("aws:\nweb: 1\n", {"aws:k": "v"}, "aws:\n  k: v\nweb: 1\n"),
        ("aws: ~  # later\nweb: 1\n", {"aws:k": "v"}, "aws:  # later\n  k: v\nweb: 1\n"),
        ("aws: null\n", {"aws:k": "v"}, "aws:\n  k: v\n"),
        ("x: {aws: ~}\n", {"x:aws:k": "v"}, "x: {aws: {k: v}}\n"),
        # an empty value, a null, quotes kept, booleans and nulls spelled the file's way
        ("k:\nyes_: yes\n", {"k": "v"}, "k: v\nyes_: yes\n"),
        ("k: ~\n", {"k": "v"}, "k: v\n"),
        ('k: "old" # why\nb: True\n', {"k": "new"}, 'k: "new" # why\nb: True\n'),
        ("k: 'old'\n", {"k": "it's"}, "k: 'it''s'\n"),
        ("k: old\n", {"k": "yes"}, "k: 'yes'\n"),
        ("k: old\n", {"k": "a: b"}, "k: 'a: b'\n"),
        ("k: old\n", {"k": None}, "k: null\n"),
        ("k: old\n", {"k": "x\ny"}, 'k: "x\\ny"\n'),
        # a long value is never wrapped
        ("k: old\n", {"k": "word " * 60 + "end"}, "k: " + "word " * 60 + "end\n"),
        # a block scalar is replaced up to its last line; what follows stays
        ("a: |\n  x\n  y\n\nb: 1\n", {"a": "z"}, "a: z\n\nb: 1\n"),
        ("a:\n  t: |\n    x\n\n  u: 1\n", {"a:v": 2}, "a:\n  t: |\n    x\n\n  u: 1\n  v: 2\n"),
        ("a:\n  t: |\n    x\n\nb: 1\n", {"a:v": 2}, "a:\n  t: |\n    x\n  v: 2\n\nb: 1\n"),
        # kept trailing line breaks (|+) belong to the value: the new key goes after them
        ("a:\n  t: |+\n    x\n\n  u: 1\n", {"a:t": "y"}, "a:\n  t: y\n\n  u: 1\n"),
        ("a:\n  t: |+\n    x\n\nb: 1\n", {"a:v": 2}, "a:\n  t: |+\n    x\n\n  v: 2\nb: 1\n"),
        # an anchor on an empty value, a tag replaced
        ("a: &A\nb: *A\n", {"a": "v"}, "a: &A v\nb: *A\n"),
        ("a: !!str 1\n", {"a": 2}, "a: 2\n"),
        # a key that is not a string is not the key asked for
        ("a:\n  1: x\n", {"a:1": "y"}, "a:\n  1: x\n  '1': y\n"),
        # a merge key does not stop adding a key its anchor does not have
        (
            "d: &D {x: 1}\na:\n  <<: *D\n  y: 2\n",
            {"a:z": 3},
            "d: &D {x: 1}\na:\n  <<: *D\n  y: 2\n  z: 3\n",
        ),
        # keys with characters YAML would read otherwise
        (
            "a: 1\n",
            {"b:no": 1, "b:x y": 2, "b:k#1": 3},
            "a: 1\nb:\n  'no': 1\n  x y: 2\n  k#1: 3\n",
        ),
    ],
)
def test_set_keeps_the_rest_byte_for_byte(text, values, expected):
    new, changed = yamledit.set_values(text, values)
    assert new == expected
    assert changed == list(values)


@pytest.mark.parametrize(
    ("text", "keys", "expected"),
    [
        (
            "# top\naws:\n  access_key: A\n  secret_key: B\nweb: 1\n",
            ["aws:access_key", "aws:secret_key"],
            "# top\nweb: 1\n",
        ),
        ("a:\n  b:\n    c: 1\n  d: 2\n", ["a:b:c"], "a:\n  d: 2\n"),
        ("a: 1\nb: 2\n...\n", ["b"], "a: 1\n...\n"),
        ("a: 1\r\nb: |\r\n  x\r\n\r\nc: 3\r\n", ["b"], "a: 1\r\n\r\nc: 3\r\n"),
        ("a: {x: 1, y: 2, z: 3}\n", ["a:y"], "a: {x: 1, z: 3}\n"),
        ("a: {x: 1, y: 2}\n", ["a:y"], "a: {x: 1}\n"),
        ("a: {x: 1}\nb: 2\n", ["a:x"], "b: 2\n"),
        ("# only\na: 1\n", ["a"], "# only\n"),
        ("a: 1\n", ["a:b", "c"], "a: 1\n"),
        ("a:\n  - 1\n", ["a:0"], "a:\n  - 1\n"),
    ],
)
def test_remove_keeps_the_rest_byte_for_byte(text, keys, expected):
    assert yamledit.remove(text, keys)[0] == expected


@pytest.mark.parametrize(
    ("text", "key", "message"),
    [
        ("d: &D {k: 1}\naws: *D\n", "aws:k", r"aws is an alias \(\*D on line 2\)"),
        ("d: &D {k: 1}\naws: *D\n", "aws:new", r"aws is an alias \(\*D on line 2\)"),
        ("p: &P old\naws:\n  k: *P\n", "aws:k", r"aws:k is an alias \(\*P on line 3\)"),
        (
            "d: &D {k: 1}\naws:\n  <<: *D\n",
            "aws:k",
            r"aws:k comes from the merge key \(<<\) on line 3",
        ),
        ("d: &D {k: 1}\ne: &E {<<: *D}\naws:\n  <<: [*E]\n", "aws:k", "merge key"),
        ("smtp: false\n", "smtp:password", "smtp is not a mapping but a single value"),
        ("aws:\n  - a\n", "aws:k", "aws is not a mapping but a list"),
        ("aws:\n  k:\n    x: 1\n", "aws:k", r"aws:k is a mapping \(line 2\), not a single value"),
        ("aws: &A\nb: *A\n", "aws:k", "an empty value with an anchor that other keys alias"),
        ("- a\n", "k", "the top level must be a mapping"),
        ("aws: {k: 1\n", "aws:k", "not valid YAML at line 2"),
        ("a: 1\na: 2\n", "a:b", r"the key a appears more than once in one mapping \(lines 1, 2\)"),
        ("a: 1\n---\nb: 2\n", "a", "not valid YAML"),
    ],
)
def test_refuses_with_a_clear_error_and_no_value(text, key, message):
    with pytest.raises(yamledit.YamlEditError, match=message) as caught:
        yamledit.set_values(text, {key: "SECRETVALUE"})
    assert "SECRETVALUE" not in str(caught.value)
    with pytest.raises(yamledit.YamlEditError, match=message):
        yamledit.check_writable(text, [key])


def test_errors_do_not_quote_the_document():
    with pytest.raises(yamledit.YamlEditError) as caught:
        yamledit.load("password: 'hunter2\n  @oops: [")
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "key", "message"),
    [
        ("s: &S old\nt: *S\n", "s", "holds the anchor &S that other keys alias"),
        ("d: &D {k: 1}\naws: *D\n", "aws:k", "aws is an alias"),
        ("d: &D {k: 1}\naws:\n  <<: *D\n", "aws:k", "comes from the merge key"),
        ("l:\n  - a: 1\n    b: 2\n", "l", None),
    ],
)
def test_remove_refuses_what_would_change_shared_values(text, key, message):
    if message is None:  # a whole list goes with its key
        assert yamledit.remove(text, [key])[0] == ""
        return
    with pytest.raises(yamledit.YamlEditError, match=message):
        yamledit.remove(text, [key])


def test_an_edit_that_would_change_other_data_is_refused(monkeypatch):
    # Should the editor ever write a value wrongly, the check after parsing again catches it.
    monkeypatch.setattr(yamledit, "_render_scalar", lambda value, *a, **k: "[broken")
    with pytest.raises(yamledit.YamlEditError, match="nothing was written"):
        yamledit.set_values("a: 1\nb: 2\n", {"a": "x"})
    monkeypatch.setattr(yamledit, "_render_scalar", lambda value, *a, **k: "2\nb: 3")
    with pytest.raises(yamledit.YamlEditError, match="nothing was written"):
        yamledit.set_values("a: 1\nc: 2\n", {"a": "x"})


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        (["aws:key", "aws:key"], "aws:key is given twice"),
        (["aws:key", "aws:key:secret"], "aws:key is given and aws:key:secret inside it"),
        (["aws::key"], "must look like"),
        ([""], "must look like"),
    ],
)
def test_key_paths_must_not_overlap(keys, message):
    with pytest.raises(yamledit.YamlEditError, match=message):
        yamledit.check_paths(keys)


def test_only_single_values_are_written():
    with pytest.raises(yamledit.YamlEditError, match="aws:k must be a single value, not dict"):
        yamledit.set_values("", {"aws:k": {"x": 1}})


def test_load_reads_what_salt_reads(registry):
    data = yamledit.load(registry)
    assert data == yaml.safe_load(registry)
    assert yamledit.load("# nothing\n") == {}
    with pytest.raises(yamledit.YamlEditError, match="the top level must be a mapping"):
        yamledit.load("just text\n")


@pytest.mark.parametrize(
    ("expected", "written", "same"),
    [
        ("a: 1\nb: [x, y]\n", "a: 1\nb:\n  - x\n  - y\n", True),
        ("a: &x {k: 1}\nb: *x\n", "a: &x {k: 1}\nb: {k: 1}\n", True),
        ("a: [1, 2]\n", "a: [1, 2, 3]\n", False),
        ("a: [1, 2]\n", "a: [1]\n", False),
        ("a: {k: 1}\n", "a: {k: 1, j: 2}\n", False),
        ("a: 1\n", "a: '1'\n", False),
        ("a: 1\n", "a: 1\n---\nb: 2\n", False),
        ("a: 1\n", "# nothing\n", False),
    ],
)
def test_the_check_after_editing_compares_every_value_and_type(expected, written, same):
    assert yamledit._Matcher(written).document_matches(yamledit._compose(expected)[1]) is same


def test_the_same_edits_without_libyaml(monkeypatch, registry):
    monkeypatch.setattr(yaml, "__with_libyaml__", False)
    # A second copy of the module, imported while PyYAML says it has no libyaml.
    spec = importlib.util.spec_from_file_location("yamledit_pure", yamledit.__file__)
    pure = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pure)
    assert yaml.reader.Reader in pure._Parser.__mro__  # the pure-Python parser
    values = {"smtp:password": "BNew", "aws:session:duration": 1, "postgres:backup:s3_key": "K"}
    assert pure.set_values(registry, values) == yamledit.set_values(registry, values)
    keys = ["aws:secret_key", "vm:nr_hugepages", "vm:swappiness"]
    assert pure.remove(registry, keys) == yamledit.remove(registry, keys)


# --- anchors never copy a secret; edits that used to be refused as unusual -----------------

ANCHORED = """\
aws: &AWS
  region: eu-west-2
backup_copy: *AWS
"""


@pytest.mark.parametrize("key", ["aws:secret_key", "aws:region"])
def test_a_secret_is_never_written_into_an_aliased_mapping(key):
    with pytest.raises(
        yamledit.YamlEditError,
        match=rf"^{key} is a secret and would go into the mapping with the anchor &AWS "
        r"\(line 1\), which other keys alias",
    ):
        yamledit.set_values(ANCHORED, {key: "s3cr3t-value"}, secrets=[key])
    with pytest.raises(yamledit.YamlEditError, match="anchor &AWS"):
        yamledit.check_writable(ANCHORED, [key], secrets=[key])


def test_the_anchor_is_found_below_the_top_level():
    text = "servers:\n  web: &WEB\n    host: a\nother: *WEB\n"
    with pytest.raises(yamledit.YamlEditError, match=r"anchor &WEB \(line 2\)"):
        yamledit.set_values(text, {"servers:web:password": "x"}, secrets=["servers:web:password"])


def test_what_is_no_secret_still_follows_its_anchor():
    """A region written into an aliased mapping is what an operator who aliased it wants."""
    new, changed = yamledit.set_values(ANCHORED, {"aws:region": "us-east-1"})
    assert changed == ["aws:region"]
    assert yaml.safe_load(new)["backup_copy"] == {"region": "us-east-1"}
    # an anchor nobody aliases copies nothing
    text = "aws: &AWS\n  region: eu-west-2\n"
    assert yamledit.set_values(text, {"aws:secret_key": "s"}, secrets=["aws:secret_key"])[0] == (
        text + "  secret_key: s\n"
    )


@pytest.mark.parametrize(
    "values",
    [
        {"smtp:password": "p", "aws:secret_key": "s"},
        {"aws:secret_key": "s", "smtp:password": "p"},
    ],
)
def test_a_new_top_level_key_and_a_key_in_the_last_mapping_in_one_write(values):
    text = "web:\n  domain: x\naws:\n  region: us-east-1\n"
    new, _ = yamledit.set_values(text, values)
    assert new == text + "  secret_key: s\nsmtp:\n  password: p\n"


def test_keys_at_three_depths_ending_at_one_offset():
    new, _ = yamledit.set_values(
        "aws:\n  deep:\n    k: 1\n", {"top": 1, "aws:deep:j": 2, "aws:x": 3}
    )
    assert new == "aws:\n  deep:\n    k: 1\n    j: 2\n  x: 3\ntop: 1\n"


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("aws: {}\n", {"aws:note": "a\nb"}, 'aws: {note: "a\\nb"}\n'),
        ("aws:\n  r: 1\n", {"aws:note": "a\nb"}, 'aws:\n  r: 1\n  note: "a\\nb"\n'),
        ("aws:\n  r: 1\n", {"x:y": "1\r\n2"}, 'aws:\n  r: 1\nx:\n  y: "1\\r\\n2"\n'),
        ("aws:\n  r: 1\n", {"aws:r": "one\ntwo"}, 'aws:\n  r: "one\\ntwo"\n'),
    ],
)
def test_values_with_line_breaks_are_written_quoted(text, values, expected):
    new, _ = yamledit.set_values(text, values)
    assert new == expected
    key, value = next(iter(values.items()))
    found = yaml.safe_load(new)
    for part in key.split(":"):
        found = found[part]
    assert found == value


# --- literal blocks (ciphertext) ------------------------------------------------------------

ARMOR = "-----BEGIN PGP MESSAGE-----\n\nhF4DoVc616e71zsSAQdA\n=10Dw\n-----END PGP MESSAGE-----"
ARMOR_LINES = ["-----BEGIN PGP MESSAGE-----", "", "hF4DoVc616e71zsSAQdA", "=10Dw"]
ARMOR_LINES.append("-----END PGP MESSAGE-----")


def _block(indent, header="|-", eol="\n"):
    return eol.join([header, *((" " * indent + line) if line else "" for line in ARMOR_LINES)])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a plain value: the header where it was (its comment stays), the lines below
        (
            "aws:\n  key: AKIA\n  secret: old  # kept\n  region: eu\n",
            f"aws:\n  key: AKIA\n  secret: {_block(4, '|-  # kept')}\n  region: eu\n",
        ),
        # a new key, after its siblings
        ("aws:\n  key: AKIA\n", f"aws:\n  key: AKIA\n  secret: {_block(4)}\n"),
        # an empty document, indented as deep as its key
        ("", f"aws:\n  secret: {_block(4)}\n"),
        # no final line break: none added
        ("aws:\n  secret: old", f"aws:\n  secret: {_block(4)}"),
        # CRLF line endings throughout
        ("aws:\r\n  secret: old\r\n", f"aws:\r\n  secret: {_block(4, eol=chr(13) + chr(10))}\r\n"),
        # an anchor stays, so aliases follow
        ("a:\n  secret: &s old\nb: *s\n", f"a:\n  secret: &s {_block(4)}\nb: *s\n"),
        # four-space indentation kept
        ("aws:\n    secret: old\n", f"aws:\n    secret: {_block(8)}\n"),
    ],
)
def test_a_block_value_is_written_as_a_literal_block(text, expected):
    key = "a:secret" if text.startswith("a:") else "aws:secret"
    new_text, changed = yamledit.set_values(text, {key: ARMOR}, blocks=[key])
    assert (new_text, changed) == (expected, [key])
    data = yaml.safe_load(new_text)
    assert data[key.split(":")[0]]["secret"] == ARMOR


def test_a_block_replaces_a_block_keeping_its_header_comment():
    first, _ = yamledit.set_values(
        "aws:\n  secret: old  # kept\n  region: eu\n", {"aws:secret": ARMOR}, blocks=["aws:secret"]
    )
    other = ARMOR.replace("10Dw", "ABCD")
    second, changed = yamledit.set_values(first, {"aws:secret": other}, blocks=["aws:secret"])
    assert changed == ["aws:secret"]
    assert second == first.replace("10Dw", "ABCD")


def test_in_a_flow_mapping_or_on_one_line_a_value_stays_on_one_line():
    flow, _ = yamledit.set_values("aws: {key: 1}\n", {"aws:secret": ARMOR}, blocks=["aws:secret"])
    assert flow.count("\n") == 1 and yaml.safe_load(flow)["aws"]["secret"] == ARMOR
    plain, _ = yamledit.set_values("aws:\n  s: old\n", {"aws:s": "one line"}, blocks=["aws:s"])
    assert plain == "aws:\n  s: one line\n"
    # not asked for a block: text with line breaks is quoted, as before
    quoted, _ = yamledit.set_values("aws:\n  s: old\n", {"aws:s": ARMOR})
    assert quoted.count("\n") == 2 and yaml.safe_load(quoted)["aws"]["s"] == ARMOR


@pytest.mark.parametrize(
    ("value", "header"),
    [("a\nb\n", "|"), ("a\nb", "|-"), ("a\n\nb", "|-")],
)
def test_literal_headers(value, header):
    assert yamledit._literal(value)[0] == header


@pytest.mark.parametrize("value", ["one line", "a\nb\n\n", " a\nb", "\nb", "a\r\nb", "a\tb\nc"])
def test_values_a_literal_block_cannot_hold(value):
    assert yamledit._literal(value) is None
