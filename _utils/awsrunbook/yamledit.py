"""Set and remove values in a YAML mapping document by editing its text, line by line. Pure:
text in, text out.

Everything outside the edited keys stays byte for byte as it was: comments, blank lines, the
file's indentation of sequences, quotes, ``True``/``yes``/``~`` spellings, flow mappings, a
leading ``---``, a trailing ``...``, CRLF line endings and long lines. The document is parsed
only to find where each key and value sits (PyYAML's parser, the one Salt renders pillar
with); a value is replaced in place, a new key becomes a new line after its mapping's last
entry, indented like its siblings. The result is parsed again and must hold exactly the
intended data, or nothing is returned: a wrong edit is an error, never a corrupt file.

Anchors: setting a value that carries an anchor keeps the anchor on the new value, so every
alias of it follows. Writing through an alias (``aws: *defaults``) or a merge key
(``<<: *defaults``) is refused, since it would change every place that shares the anchor.

Several lines of text that the caller asks for as a block (``blocks``: a PGP-armored secret)
are written as a literal block scalar (``|``), one line of text per line of the file, indented
below their key; everything else is written on one line.

Error messages name keys and lines, never values. Pure: no I/O.
"""

import itertools
import math
import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, cast

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.nodes import CollectionNode, MappingNode, Node, ScalarNode, SequenceNode
from yaml.representer import SafeRepresenter
from yaml.resolver import Resolver

STR_TAG = "tag:yaml.org,2002:str"
NULL_TAG = "tag:yaml.org,2002:null"
MERGE_TAG = "tag:yaml.org,2002:merge"
# The characters YAML (and PyYAML's marks) count as line breaks.
LINE_BREAK_RE = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
BREAK_CHARS = "\r\n\x85\u2028\u2029"
DEFAULT_INDENT = 2
_NO_WRAP = 1 << 30
SCALAR_TYPES = (str, int, float, bool, type(None))
# A parser event (yaml.AliasEvent, ...): PyYAML's parser always sets its marks, which its
# stubs type as optional.
Event = Any
# New keys to insert below one place: {key: value, or a Branch of deeper keys}.
Branch = dict[str, Any]
# Where a Branch goes: (mapping or None for an empty document, index of the pair whose empty
# value it fills or None, depth of the first new key, the Branch).
NewBranch = tuple[MappingNode | None, int | None, int, Branch]

# PyYAML without libyaml (e.g. a salt-ssh thin on another Python version) parses in Python;
# the type checker reads that parser, whose interface libyaml's shares.
if TYPE_CHECKING or not getattr(yaml, "__with_libyaml__", False):

    class _Parser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
        def __init__(self, stream: str) -> None:
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)

else:
    _Parser = yaml.cyaml.CParser


class YamlEditError(ValueError):
    """The document cannot be edited as asked; the message names keys and lines only."""


class _Loader(Composer, _Parser, SafeConstructor, Resolver):
    """PyYAML's safe loader, composing in Python so that it can note anchors and where
    each alias stands (the node graph shares one node per anchor)."""

    def __init__(self, text: str) -> None:
        _Parser.__init__(self, text)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self.anchor_of: dict[int, str] = {}  # id(node) -> anchor name
        self.anchor_line: dict[int, int] = {}  # id(node) -> line (1-based) of its anchor
        # (id(parent), slot) -> AliasEvent, slot = id(key) or index
        self.alias_events: dict[tuple[int, int | None], Event] = {}
        self.aliased_names: set[str | None] = set()
        self.document_end: Event | None = None

    def compose_document(self) -> Node | None:
        self.get_event()
        node = self.compose_node(None, None)
        self.document_end = self.get_event()
        self.anchors = {}
        return node

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()
        node = super().compose_node(parent, index)
        if isinstance(event, yaml.AliasEvent):
            self.aliased_names.add(event.anchor)
            slot = index if isinstance(index, int) or index is None else id(index)
            self.alias_events[(id(parent), slot)] = event
        elif event.anchor is not None:
            self.anchor_of[id(node)] = event.anchor
            self.anchor_line[id(node)] = event.start_mark.line + 1
        return node


def _problem_at(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    # PyYAML quotes the offending characters: keep them out, they may be part of a secret.
    problem = re.sub(r"'[^']*'|\"[^\"]*\"", "…", getattr(exc, "problem", None) or "")
    return where + (f" ({problem})" if problem else "")


def _compose(text: str) -> tuple[_Loader, Node | None]:
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
    except yaml.YAMLError as exc:
        raise YamlEditError(f"not valid YAML{_problem_at(exc)}") from None
    finally:
        loader.dispose()
    return loader, root


def load(text: str) -> dict[Any, Any]:
    """The data ``text`` holds (an empty document is an empty mapping)."""
    return _construct(_compose(text)[1])


def _construct(root: Node | None) -> dict[Any, Any]:
    if root is None:
        return {}
    try:
        data = SafeConstructor().construct_document(root)
    except yaml.YAMLError as exc:
        raise YamlEditError(f"not valid YAML{_problem_at(exc)}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise YamlEditError("the top level must be a mapping")
    return data


def split_path(key: object) -> tuple[str, ...]:
    """``"aws:access_key"`` -> ``("aws", "access_key")``."""
    if not isinstance(key, str) or not key or any(not part for part in key.split(":")):
        raise YamlEditError(f"key path {key!r} must look like 'aws:access_key'")
    return tuple(key.split(":"))


def check_paths(keys: Iterable[object]) -> None:
    """Key paths must be distinct and none may lie inside another (``aws:key`` and
    ``aws:key:id``): one would overwrite the other."""
    paths = sorted(split_path(key) for key in keys)
    for shorter, longer in itertools.pairwise(paths):
        if longer[: len(shorter)] == shorter:
            what = "twice" if longer == shorter else f"and {':'.join(longer)} inside it"
            raise YamlEditError(f"key path {':'.join(shorter)} is given {what}")


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same types all the way down (``1`` is not ``True``)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return len(a) == len(b) and all(
            _same(ka, kb) and _same(va, vb)
            for (ka, va), (kb, vb) in zip(a.items(), b.items(), strict=True)
        )
    if isinstance(a, list):
        return len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


class _Text:
    """Offsets within the document text."""

    def __init__(self, text: str) -> None:
        self.text = text
        first_break = LINE_BREAK_RE.search(text)
        self.eol = first_break.group() if first_break and first_break.group() in "\r\n" else "\n"

    def line_start(self, pos: int) -> int:
        return max(self.text.rfind(char, 0, pos) for char in BREAK_CHARS) + 1

    def next_line(self, pos: int) -> int:
        """The start of the line after the one holding ``pos`` (or the end of the text)."""
        found = LINE_BREAK_RE.search(self.text, pos)
        return found.end() if found else len(self.text)

    def ends_with_break(self) -> bool:
        return self.text[-1:] in BREAK_CHARS and self.text != ""

    def only_blanks_before(self, pos: int) -> bool:
        return self.text[self.line_start(pos) : pos].strip(" ") == ""


class _Edits:
    """Text replacements ``(start, end, new)``. Insertions at one offset go by ``rank`` (lines
    of a deeper mapping before those of the mapping holding it: the last line of a file's
    last mapping ends where the top level does), then in the order they were added."""

    def __init__(self) -> None:
        self.items: list[tuple[int, int, str, int]] = []

    def add(self, start: int, end: int, new: str, rank: int = 0) -> None:
        self.items.append((start, end, new, rank))

    def apply(self, text: str) -> str:
        ordered = sorted(
            enumerate(self.items), key=lambda item: (item[1][0], item[1][1], item[1][3], item[0])
        )
        merged: list[tuple[int, int, str]] = []
        for _, (start, end, new, _rank) in ordered:
            if merged and start < merged[-1][1]:
                last_start, last_end, last_new = merged[-1]
                if new or last_new:
                    raise YamlEditError("two of these edits overlap; write the keys one at a time")
                merged[-1] = (last_start, max(end, last_end), "")
            else:
                merged.append((start, end, new))
        pieces: list[str] = []
        position = 0
        for start, end, new in merged:
            pieces += [text[position:start], new]
            position = end
        pieces.append(text[position:])
        return "".join(pieces)


class _Block:
    """A text to write as a literal block scalar: its ``header`` and ``lines`` (``_literal``)."""

    __slots__ = ("header", "lines", "text")

    def __init__(self, text: str, header: str, lines: list[str]) -> None:
        self.text, self.header, self.lines = text, header, lines


def _unwrapped(data: object) -> object:
    if isinstance(data, _Block):
        return data.text
    if isinstance(data, dict):
        return {key: _unwrapped(value) for key, value in data.items()}
    return data


def _represent(data: object) -> Node:
    """The nodes PyYAML makes of ``data``, keys in the order given."""
    return SafeRepresenter(sort_keys=False).represent_data(_unwrapped(data))


def _literal(value: object) -> tuple[str, list[str]] | None:
    """``(header, lines)`` of ``value`` as a literal block scalar (``|`` keeps its one final
    line break, ``|-`` stands for none), or ``None`` when a literal block cannot hold it
    exactly: one line only, several final line breaks, a first line starting with a blank,
    or a character a block cannot carry."""
    if not isinstance(value, str) or "\n" not in value.rstrip("\n"):
        return None
    body, header = (value[:-1], "|") if value.endswith("\n") else (value, "|-")
    lines = body.split("\n")
    if body.endswith("\n") or lines[0][:1] in (" ", "\t") or lines[0] == "":
        return None
    if not all(line.isprintable() for line in lines):  # also refuses \r, \x85, \u2028...
        return None
    return header, lines


def _indented(lines: list[str], column: int) -> list[str]:
    """A literal block's lines indented to ``column`` (blank lines stay empty)."""
    return [(" " * column + line) if line else "" for line in lines]


def _scalar_style(node: ScalarNode | None, value: object) -> str | None:
    """Quotes as the old value had them (``node``, ``None`` for a new key); text with line
    breaks double-quoted, on one line (``\\n`` escapes)."""
    if not isinstance(value, str):
        return None
    if any(char in value for char in BREAK_CHARS):
        return '"'
    return node.style if node is not None and node.style in ("'", '"') else None


def _render_scalar(value: object, style: str | None = None, flow: bool = False) -> str:
    """One line of YAML for a scalar ``value`` (a plain or quoted string, a number, ...)."""
    dumped = yaml.safe_dump(
        [value] if flow else value,
        default_style=style,
        default_flow_style=flow,
        width=_NO_WRAP,
        allow_unicode=True,
    )
    line = dumped.split("\n", 1)[0]
    return line[1:-1] if flow else line


class Document:
    """A parsed YAML mapping document and the edits planned on it."""

    def __init__(self, text: str) -> None:
        self.text = _Text(text)
        self.loader, self.root = _compose(text)
        if self.root is not None and not (
            isinstance(self.root, MappingNode) or self._is_empty_null(self.root)
        ):
            raise YamlEditError("the top level must be a mapping")
        self.edits = _Edits()
        # Changes to the node graph matching the text edits; made once every edit is placed,
        # since placing one reads the positions of the nodes as parsed.
        self.expected: list[Callable[[], None]] = []
        self.indent = self._indent_step()

    # --- reading the node graph --------------------------------------------------------

    @staticmethod
    def _is_null(node: Node) -> bool:
        return isinstance(node, ScalarNode) and node.tag == NULL_TAG

    def _is_empty_null(self, node: Node) -> bool:
        return self._is_null(node) and node.start_mark.index == node.end_mark.index

    def _alias_event(self, parent: Node, slot: int | None) -> Event | None:
        return self.loader.alias_events.get((id(parent), slot))

    def _value_alias(self, mapping: Node, key: Node) -> Event | None:
        return self._alias_event(mapping, id(key))

    def _line_of(self, node: Node) -> int:
        return node.start_mark.line + 1

    def _indent_step(self) -> int:
        """How far this file indents a nested mapping (2 unless it shows otherwise)."""
        pending = [self.root] if isinstance(self.root, MappingNode) else []
        while pending:
            mapping = pending.pop(0)
            for key, value in mapping.value:
                if isinstance(value, MappingNode) and not value.flow_style and value.value:
                    step: int = value.value[0][0].start_mark.column - key.start_mark.column
                    if step > 0 and self._value_alias(mapping, key) is None:
                        return step
                    pending.append(value)
        return DEFAULT_INDENT

    @staticmethod
    def _key_matches(key: Node, part: str) -> bool:
        return isinstance(key, ScalarNode) and key.tag == STR_TAG and key.value == part

    def _own_pairs(self, mapping: Node, part: str) -> int | None:
        found = [i for i, (key, _) in enumerate(mapping.value) if self._key_matches(key, part)]
        if len(found) > 1:
            lines = ", ".join(str(self._line_of(mapping.value[i][0])) for i in found)
            raise YamlEditError(
                f"the key {part} appears more than once in one mapping (lines {lines})"
            )
        return found[0] if found else None

    def _merged_from(self, mapping: Node, part: str) -> Node | None:
        """The merge key (``<<``) of ``mapping`` that provides ``part``, if any."""
        for key, value in mapping.value:
            if not (isinstance(key, ScalarNode) and key.tag == MERGE_TAG):
                continue
            sources = value.value if isinstance(value, SequenceNode) else [value]
            for source in sources:
                if isinstance(source, MappingNode) and (
                    self._own_pairs(source, part) is not None or self._merged_from(source, part)
                ):
                    return key
        return None

    def _walk(self, parts: tuple[str, ...]) -> tuple[MappingNode, int | None, int]:
        """Follow ``parts`` from the root. Returns ``(mapping, index, depth)``: the deepest
        mapping reached, the index of the pair holding ``parts[depth]`` (or ``None`` when
        that key is absent), and ``depth``. Refuses to go through aliases, merge keys,
        scalars or lists."""
        mapping, depth = cast(MappingNode, self.root), 0  # callers check the root is a mapping
        while True:
            part, where = parts[depth], ":".join(parts[: depth + 1])
            index = self._own_pairs(mapping, part)
            if index is None:
                merge = self._merged_from(mapping, part)
                if merge is not None:
                    raise YamlEditError(
                        f"{where} comes from the merge key (<<) on line {self._line_of(merge)}: "
                        "writing it would change every mapping that merges the same anchor; "
                        f"give {where} its own key first"
                    )
                return mapping, None, depth
            key, value = mapping.value[index]
            if depth == len(parts) - 1:
                return mapping, index, depth
            alias = self._value_alias(mapping, key)
            if alias is not None:
                raise YamlEditError(
                    f"{where} is an alias (*{alias.anchor} on line "
                    f"{alias.start_mark.line + 1}): writing below it would change the anchor "
                    "it shares; replace the alias with its own mapping first"
                )
            if not isinstance(value, MappingNode):
                if self._is_null(value):
                    return mapping, index, depth
                kind = "a list" if isinstance(value, SequenceNode) else "a single value"
                raise YamlEditError(
                    f"{where} is not a mapping but {kind} (line {self._line_of(key)}), so "
                    f"{':'.join(parts)} cannot be written below it"
                )
            mapping, depth = value, depth + 1

    # --- positions ------------------------------------------------------------------------

    def _last_line_end(self, node: ScalarNode | CollectionNode, alias: Event | None = None) -> int:
        """The offset where a new line after ``node`` (its last line) starts."""
        if alias is not None:
            return self.text.next_line(alias.end_mark.index)
        text = self.text.text
        if isinstance(node, ScalarNode) and node.style in ("|", ">"):
            end = node.end_mark.index
            header = text[node.start_mark.index : end].split("\n", 1)[0].split("#", 1)[0]
            if "+" in header:  # kept trailing line breaks belong to the value
                return end
            return self.text.next_line(
                node.start_mark.index
                + len(text[node.start_mark.index : end].rstrip(" \t" + BREAK_CHARS))
            )
        if isinstance(node, ScalarNode) or node.flow_style or not node.value:
            return self.text.next_line(node.end_mark.index)
        if isinstance(node, MappingNode):
            key, value = node.value[-1]
            return self._last_line_end(value, self._value_alias(node, key))
        return self._last_line_end(node.value[-1], self._alias_event(node, len(node.value) - 1))

    def _content_start(self, node: Node) -> tuple[int, str | None]:
        """Where a scalar's text starts after its anchor and tag; and the anchor."""
        text, position, end = self.text.text, node.start_mark.index, node.end_mark.index
        anchor = None
        while position < end and text[position] in "&!":
            if text.startswith("!<", position):
                stop = text.index(">", position) + 1
            else:
                stop = position
                while stop < end and not text[stop].isspace() and text[stop] not in ",[]{}":
                    stop += 1
            if text[position] == "&":
                anchor = text[position:stop]
            position = self._skip_blanks(stop, end)
        return position, anchor

    def _skip_blanks(self, position: int, end: int) -> int:
        text = self.text.text
        while position < end:
            if text[position] in " \t" + BREAK_CHARS:
                position += 1
            elif text[position] == "#":
                position = self.text.next_line(position)
            else:
                break
        return position

    # --- planning -------------------------------------------------------------------------

    def _check_no_shared_mapping(self, key: str) -> None:
        """A secret must not go into a mapping that carries an anchor other keys alias: every
        alias would get a copy of it, in places nobody looks for one."""
        mapping = self.root
        for part in split_path(key)[:-1]:
            if not isinstance(mapping, MappingNode):
                return
            index = self._own_pairs(mapping, part)
            if index is None or self._value_alias(mapping, mapping.value[index][0]):
                return  # an alias on the way: refused as such
            mapping = mapping.value[index][1]
            anchor = self.loader.anchor_of.get(id(mapping))
            if isinstance(mapping, MappingNode) and anchor in self.loader.aliased_names:
                raise YamlEditError(
                    f"{key} is a secret and would go into the mapping with the anchor &{anchor} "
                    f"(line {self.loader.anchor_line[id(mapping)]}), which other keys alias: "
                    "every alias would get a copy of it; give the secret a key outside that "
                    "mapping"
                )

    def set_values(
        self, values: Mapping[str, Any], secrets: Iterable[str] = (), blocks: Iterable[str] = ()
    ) -> list[str]:
        """Plan ``{key path: scalar}`` (``secrets``: the key paths whose values are secrets;
        ``blocks``: those whose text goes in a literal block when it has several lines);
        returns the key paths whose value changes."""
        check_paths(values)
        new_branches: dict[tuple[int, int | None], NewBranch] = {}
        changed: list[str] = []
        for key, value in values.items():
            if not isinstance(value, SCALAR_TYPES):
                raise YamlEditError(f"{key} must be a single value, not {type(value).__name__}")
            if key in secrets:
                self._check_no_shared_mapping(key)
            literal = _literal(value) if key in blocks else None
            if literal is not None:
                value = _Block(str(value), *literal)
            parts = split_path(key)
            if self.root is None or not isinstance(self.root, MappingNode):
                target, index, depth = None, None, 0
            else:
                target, index, depth = self._walk(parts)
            if index is not None and depth == len(parts) - 1:
                # an index comes from _walk, with the mapping holding it
                if self._replace(cast(MappingNode, target), index, parts, value):
                    changed.append(key)
                continue
            slot = (id(target), index)
            branch = new_branches.setdefault(slot, (target, index, depth, {}))[3]
            start = depth + 1 if index is not None else depth
            for part in parts[start:-1]:
                branch = branch.setdefault(part, {})
            branch[parts[-1]] = value
            changed.append(key)
        for target, index, depth, branch in new_branches.values():
            self._insert(target, index, depth, branch)
        return changed

    def _replace(
        self, mapping: MappingNode, index: int, parts: tuple[str, ...], value: object
    ) -> bool:
        key, node = mapping.value[index]
        where = ":".join(parts)
        alias = self._value_alias(mapping, key)
        if alias is not None:
            raise YamlEditError(
                f"{where} is an alias (*{alias.anchor} on line {alias.start_mark.line + 1}): "
                "writing it would change the anchor it shares; set the anchor's own key instead"
            )
        if not isinstance(node, ScalarNode):
            kind = "a list" if isinstance(node, SequenceNode) else "a mapping"
            raise YamlEditError(
                f"{where} is {kind} (line {self._line_of(key)}), not a single value: it cannot "
                "be replaced by one"
            )
        block = value if isinstance(value, _Block) and not self._in_flow(mapping) else None
        value = _unwrapped(value)
        if _same(SafeConstructor().construct_object(node), value):
            return False
        content, anchor = self._content_start(node)
        start, end = node.start_mark.index, node.end_mark.index
        old_block = node.style in ("|", ">")
        if old_block:
            end = start + len(self.text.text[start:end].rstrip(" \t" + BREAK_CHARS))
        if block:
            header, column = block.header, key.start_mark.column + self.indent
            lines = _indented(block.lines, column)
            if old_block:  # the header and the lines replaced; a comment after it stays
                header_end = content + len(self.text.text[content:end].split(None, 1)[0])
                self.edits.add(self.text.next_line(header_end), end, self.text.eol.join(lines))
                end = header_end
            else:  # the header where the value was (a comment after it stays), lines below
                self._lines_at(self.text.next_line(end), lines, column)
            new = header
        else:
            new = _render_scalar(value, _scalar_style(node, value), flow=self._in_flow(mapping))
        if anchor is not None:  # the anchor stays, so aliases follow; a tag goes
            new = f"{anchor} {new}"
        if start == end and not self.text.text[start - 1 : start].isspace():
            new = " " + new  # an empty value right after its colon
        self.edits.add(start, end, new)
        self.expected.append(lambda: self._expect_scalar(node, value))
        return True

    @staticmethod
    def _in_flow(mapping: MappingNode | None) -> bool:
        return bool(mapping is not None and mapping.flow_style)

    @staticmethod
    def _expect_scalar(node: Node, value: object) -> None:
        """Change the node graph as the text edit changes the document (aliases follow)."""
        shown = _represent(value)
        node.tag, node.value = shown.tag, shown.value

    def _insert(
        self, mapping: MappingNode | None, index: int | None, depth: int, branch: Branch
    ) -> None:
        """Add the new keys of ``branch`` to ``mapping`` (``index is None``), to the empty
        value of the pair at ``index``, or to an empty document (``mapping is None``)."""
        if mapping is None:
            self._insert_into_empty_document(branch)
        elif index is None:
            self._insert_into_mapping(mapping, branch)
        else:
            self._insert_into_null(mapping, index, branch)

    def _block_lines(self, branch: Branch, column: int) -> list[str]:
        lines = []
        for part, sub in branch.items():
            key = " " * column + _render_scalar(part) + ":"
            if isinstance(sub, dict):
                lines.append(key)
                lines += self._block_lines(sub, column + self.indent)
            elif isinstance(sub, _Block):
                lines += [f"{key} {sub.header}", *_indented(sub.lines, column + self.indent)]
            else:
                lines.append(f"{key} {_render_scalar(sub, _scalar_style(None, sub))}")
        return lines

    @staticmethod
    def _flow_items(branch: Branch) -> str:
        items = []
        for part, sub in branch.items():
            sub = _unwrapped(sub)  # no block scalar in a flow mapping: one quoted line
            shown = (
                "{" + Document._flow_items(sub) + "}"
                if isinstance(sub, dict)
                else _render_scalar(sub, _scalar_style(None, sub), flow=True)
            )
            items.append(f"{_render_scalar(part, flow=True)}: {shown}")
        return ", ".join(items)

    def _lines_at(self, position: int, lines: list[str], column: int = 0) -> None:
        """Insert whole lines at ``position`` (a line start, or the end of the text), indented
        to ``column`` (deeper lines go first at one position)."""
        eol = self.text.eol
        if position == len(self.text.text) and self.text.text and not self.text.ends_with_break():
            self.edits.add(position, position, "".join(eol + line for line in lines), -column)
        else:
            self.edits.add(position, position, "".join(line + eol for line in lines), -column)

    def _insert_into_mapping(self, mapping: MappingNode, branch: Branch) -> None:
        if mapping.flow_style:
            text = self.text.text
            close = mapping.end_mark.index - 1
            content_end = len(text[:close].rstrip(" \t" + BREAK_CHARS))
            separator = "" if not mapping.value else ", "
            self.edits.add(content_end, content_end, separator + self._flow_items(branch))
        else:
            column = mapping.value[0][0].start_mark.column
            lines = self._block_lines(branch, column)
            self._lines_at(self._last_line_end(mapping), lines, column)
        self.expected.append(lambda: mapping.value.extend(_represent(branch).value))

    def _insert_into_null(self, mapping: MappingNode, index: int, branch: Branch) -> None:
        key, node = mapping.value[index]
        if self.loader.anchor_of.get(id(node)) in self.loader.aliased_names:
            raise YamlEditError(
                f"the key on line {self._line_of(key)} has an empty value with an anchor that "
                "other keys alias; give that key its own mapping first"
            )
        text = self.text.text
        start, _ = self._content_start(node)
        end = node.end_mark.index
        if self._in_flow(mapping):
            new = "{" + self._flow_items(branch) + "}"
            self.edits.add(start, end, " " + new if text[start - 1 : start] == ":" else new)
        else:
            if start != end:  # "~" or "null": drop it with the blanks before it
                self.edits.add(len(text[:start].rstrip(" \t")), end, "")
            column = key.start_mark.column + self.indent
            self._lines_at(self.text.next_line(end), self._block_lines(branch, column), column)
        self.expected.append(lambda: self._expect_value(mapping, index, branch))

    def _insert_into_empty_document(self, branch: Branch) -> None:
        end_event = self.loader.document_end
        if end_event is not None and end_event.explicit:
            position = end_event.start_mark.index
        else:
            position = len(self.text.text)
        self._lines_at(position, self._block_lines(branch, 0))
        self.expected.append(lambda: self._expect_root(branch))

    @staticmethod
    def _expect_value(mapping: MappingNode, index: int, branch: Branch) -> None:
        mapping.value[index] = (mapping.value[index][0], _represent(branch))

    def _expect_root(self, branch: Branch) -> None:
        self.root = _represent(branch)

    def remove(self, keys: Iterable[str]) -> list[str]:
        """Plan removing key paths, and mappings left empty by that; returns the key paths
        that were there."""
        check_paths(keys)
        removed: list[str] = []
        chains: list[list[tuple[MappingNode, int]]] = []
        for key in keys:
            chain = self._chain_to(split_path(key))
            if chain is not None:
                removed.append(key)
                chains.append(chain)
        doomed: dict[int, tuple[MappingNode, set[int]]] = {}
        for chain in chains:
            for level in range(len(chain) - 1, -1, -1):
                mapping, index = chain[level]
                doomed.setdefault(id(mapping), (mapping, set()))[1].add(index)
                if level == 0 or len(doomed[id(mapping)][1]) < len(mapping.value):
                    break
        for mapping, indexes in doomed.values():
            for index in indexes:
                self._delete_pair(mapping, index)
        for mapping, indexes in doomed.values():
            mapping.value[:] = [pair for i, pair in enumerate(mapping.value) if i not in indexes]
        return removed

    def _chain_to(self, parts: tuple[str, ...]) -> list[tuple[MappingNode, int]] | None:
        """``[(mapping, index), ...]`` from the root to the pair holding ``parts``, or
        ``None`` when the key is not there."""
        if not isinstance(self.root, MappingNode):
            return None
        chain, mapping = [], self.root
        for depth, part in enumerate(parts):
            index = self._own_pairs(mapping, part)
            if index is None:
                self._walk(parts[: depth + 1])  # refuses a key that comes from a merge
                return None
            chain.append((mapping, index))
            value = mapping.value[index][1]
            if depth < len(parts) - 1:
                if not isinstance(value, MappingNode):
                    return None
                self._walk(parts[: depth + 2])  # refuses to go through an alias
                mapping = value
        mapping, index = chain[-1]
        key, value = mapping.value[index]
        if self._value_alias(mapping, key) is None:  # removing an alias leaves its anchor be
            self._check_no_shared_anchor(value, parts)
        return chain

    def _check_no_shared_anchor(self, node: Node, parts: tuple[str, ...]) -> None:
        pending = [node]
        while pending:
            current = pending.pop()
            anchor = self.loader.anchor_of.get(id(current))
            if anchor in self.loader.aliased_names:
                raise YamlEditError(
                    f"cannot remove {':'.join(parts)}: it holds the anchor &{anchor} that other "
                    "keys alias"
                )
            if isinstance(current, MappingNode):
                pending += [
                    value for key, value in current.value if self._value_alias(current, key) is None
                ]
            elif isinstance(current, SequenceNode):
                pending += [
                    item
                    for i, item in enumerate(current.value)
                    if self._alias_event(current, i) is None
                ]

    def _delete_pair(self, mapping: MappingNode, index: int) -> None:
        key, value = mapping.value[index]
        alias = self._value_alias(mapping, key)
        if not mapping.flow_style:
            start = key.start_mark.index
            if not self.text.only_blanks_before(start):
                raise YamlEditError(
                    f"cannot remove the key on line {self._line_of(key)}: it shares its line "
                    "with other content"
                )
            self.edits.add(self.text.line_start(start), self._last_line_end(value, alias), "")
            return
        text = self.text.text
        start = key.start_mark.index
        end = alias.end_mark.index if alias is not None else value.end_mark.index
        after = len(text) - len(text[end:].lstrip(" \t" + BREAK_CHARS))
        if text[after : after + 1] == ",":
            end = len(text) - len(text[after + 1 :].lstrip(" \t"))
        else:
            before = len(text[:start].rstrip(" \t" + BREAK_CHARS))
            if text[before - 1 : before] == ",":
                start = before - 1
        self.edits.add(start, end, "")

    def result(self) -> str:
        """The edited text, checked: parsed again, it must hold exactly the intended data."""
        if not self.edits.items:
            return self.text.text
        new_text = self.edits.apply(self.text.text)
        for expect in self.expected:
            expect()
        try:
            if _is_empty(self.root):
                matches = _is_empty(_compose(new_text)[1])
            else:
                matches = _Matcher(new_text).document_matches(self.root)
        except yaml.YAMLError:
            matches = False
        if not matches:
            raise YamlEditError(
                "editing it would change other values too (an unusual construct near the keys "
                "being written); nothing was written"
            )
        return new_text


def _is_empty(node: Node | None) -> bool:
    return (
        node is None
        or (isinstance(node, MappingNode) and not node.value)
        or (isinstance(node, ScalarNode) and node.tag == NULL_TAG and node.value == "")
    )


class _Matcher(_Loader):
    """Checks a document against a node graph while parsing it, event by event, without
    building a second graph (a large pillar file's graph is most of the memory an edit
    takes). Tags are resolved as the composer would."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        # anchor name in the text -> the expected node
        self.matched_anchors: dict[str | None, Node | None] = {}

    def document_matches(self, root: Node | None) -> bool:
        try:
            self.get_event()  # stream start
            if self.check_event(yaml.StreamEndEvent):
                return False
            self.get_event()  # document start
            matches = self._matches(root)
            if matches:
                self.get_event()  # document end
                matches = self.check_event(yaml.StreamEndEvent)
            return matches
        finally:
            self.dispose()

    def _tag(self, event: Event, kind: type[Node]) -> str:
        tag: str | None = event.tag
        if tag is None or tag == "!":
            tag = self.resolve(kind, getattr(event, "value", None), event.implicit)
        return tag

    def _matches(self, node: Node | None) -> bool:
        event = self.get_event()
        if not isinstance(event, yaml.NodeEvent):  # the text has fewer items
            return False
        if isinstance(event, yaml.AliasEvent):
            return self.matched_anchors.get(event.anchor) is node
        if event.anchor is not None:
            self.matched_anchors[event.anchor] = node
        if isinstance(event, yaml.ScalarEvent):
            return (
                isinstance(node, ScalarNode)
                and node.tag == self._tag(event, ScalarNode)
                and node.value == event.value
            )
        kind = SequenceNode if isinstance(event, yaml.SequenceStartEvent) else MappingNode
        if not isinstance(node, kind) or node.tag != self._tag(event, kind):
            return False
        items = node.value if kind is SequenceNode else [n for pair in node.value for n in pair]
        if not all(self._matches(item) for item in items):
            return False
        return isinstance(self.get_event(), yaml.CollectionEndEvent)  # no item left over


def set_values(
    text: str, values: Mapping[str, Any], secrets: Iterable[str] = (), blocks: Iterable[str] = ()
) -> tuple[str, list[str]]:
    """``text`` with each ``{key path: value}`` set (``secrets``: the key paths whose values
    are secrets; ``blocks``: those written as literal blocks, see ``Document.set_values``);
    returns ``(new text, changed paths)``."""
    document = Document(text)
    changed = document.set_values(values, secrets, blocks)
    return document.result(), changed


def remove(text: str, keys: Iterable[str]) -> tuple[str, list[str]]:
    """``text`` without the key paths ``keys`` (and mappings they leave empty); returns
    ``(new text, removed paths)``."""
    document = Document(text)
    removed = document.remove(keys)
    return document.result(), removed


def check_writable(text: str, keys: Iterable[str], secrets: Iterable[str] = ()) -> None:
    """Raise ``YamlEditError`` unless every key path in ``keys`` (``secrets``: those whose
    values are secrets) can be set in ``text``."""
    document = Document(text)
    document.set_values(dict.fromkeys(keys, "placeholder"), secrets)
    document.result()
