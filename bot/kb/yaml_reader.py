"""Read one knowledge-base YAML file: limits against hostile files, line numbers, and a fast path.

``read_document`` gives exactly what PyYAML's loader gives (with libyaml's C parser where present):
mappings that remember their lines, dates and numbers as YAML 1.1 reads them, the same errors. A plain
base file is built in one pass over the parser's events; anything unusual (an error, a tag, a merge key,
an alias to an unfinished value, a limit reached) is left to the full loader, which then reports it.
"""

from __future__ import annotations

import datetime
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import ScalarNode

# Limits that keep a hostile or broken file from hanging the loader or eating the memory; checked on
# the parser's events, before any object is built.
MAX_DEPTH = 16  # nested mappings and lists (a base needs 5)
MAX_NODES = 200_000  # values in one file, every alias counted as the values it stands for
MAX_EXPANDED_CHARS = 16 * 2**20  # characters of text in one file, aliases expanded
MAX_INT_DIGITS = 18  # a longer "number" is kept as the text it is

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Mapping(dict):
    """A YAML mapping that remembers its own line and the line of each key."""

    line: int = 0
    key_lines: dict[str, int]


class TooBig(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class LineLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> Mapping:
        result = Mapping()
        result.line = node.start_mark.line + 1
        result.key_lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str | int | float | bool | datetime.date) and key is not None:
                raise yaml.constructor.ConstructorError(
                    None, None, "a key must be a plain value", key_node.start_mark
                )
            key = str(key)
            if key in result:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key `{key}` appears twice in one mapping", key_node.start_mark
                )
            result[key] = self.construct_object(value_node, deep=deep)
            result.key_lines[key] = key_node.start_mark.line + 1
        return result


def _construct_timestamp(loader: LineLoader, node: yaml.ScalarNode) -> Any:
    """Dates as usual; an impossible date (2026-13-01) stays text so the check can name its line."""
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


def _construct_int(loader: LineLoader, node: yaml.ScalarNode) -> Any:
    """Integers as usual; a run of thousands of digits stays text (Python refuses to convert it)."""
    value = loader.construct_scalar(node)
    if sum(ch.isdigit() for ch in str(value)) > MAX_INT_DIGITS:
        return str(value)
    return yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)


LineLoader.add_constructor("tag:yaml.org,2002:map", LineLoader.construct_mapping)
LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
LineLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def check_shape(source: str) -> None:
    """Raise TooBig when the document nests too deep or expands (through aliases) too far.

    Runs on the parser's event stream, so nothing is built: a "billion laughs" file is refused after
    reading it once, at the line where it crosses a limit.
    """
    depth = 0
    nodes = chars = 0
    sizes: dict[str, tuple[int, int]] = {}  # anchor -> (values, characters) it stands for
    open_: list[tuple[str | None, int, int]] = []  # collections being read: anchor, totals at start

    def add(event: yaml.Event, more_nodes: int, more_chars: int) -> None:
        nonlocal nodes, chars
        nodes += more_nodes
        chars += more_chars
        line = event.start_mark.line + 1 if event.start_mark else 0
        if nodes > MAX_NODES:
            raise TooBig(line, f"the file expands to more than {MAX_NODES} values (aliases `*name` included)")
        if chars > MAX_EXPANDED_CHARS:
            raise TooBig(line, f"the file expands to more than {MAX_EXPANDED_CHARS // 2**20} MB of text "
                               "(aliases `*name` included)")

    for event in yaml.parse(source, Loader=_BaseLoader):
        if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                line = event.start_mark.line + 1 if event.start_mark else 0
                raise TooBig(line, f"nested more than {MAX_DEPTH} levels deep")
            open_.append((event.anchor, nodes, chars))
            add(event, 1, 0)
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            depth -= 1
            anchor, nodes_before, chars_before = open_.pop()
            if anchor is not None:
                sizes[anchor] = (nodes - nodes_before, chars - chars_before)
        elif isinstance(event, yaml.ScalarEvent):
            if event.anchor is not None:
                sizes[event.anchor] = (1, len(event.value))
            add(event, 1, len(event.value))
        elif isinstance(event, yaml.AliasEvent):
            add(event, *sizes.get(event.anchor or "", (1, 0)))


def read_document(source: str) -> Any:
    """The one YAML document in ``source``, built as ``yaml.load`` with LineLoader builds it.

    Raises TooBig, yaml.YAMLError, or what a value's constructor raises, as the full loader does.
    """
    try:
        return _read_plain(source)
    except Exception:  # anything unusual is the full loader's to build or report
        pass
    check_shape(source)
    return yaml.load(source, Loader=LineLoader)


class _NotPlain(Exception):
    """The fast reader leaves this document to the full loader."""


_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
# Scalars the fast reader builds with the loader's own constructors; any other tag goes the long way.
_SCALAR_TAGS = frozenset(f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float", "timestamp"))
_NO_KEY = object()


def _read_plain(source: str) -> Any:
    """One pass over the parser's events: the limits of ``check_shape`` counted alike, values built.

    Raises _NotPlain (or the parser's error) wherever the full loader might do something else.
    """
    loader = LineLoader(source)
    try:
        return _build(loader)
    finally:
        loader.dispose()


def _build(loader: LineLoader) -> Any:  # one flat loop over the event kinds, for speed
    resolvers = loader.yaml_implicit_resolvers
    if None in resolvers or loader.yaml_path_resolvers:
        raise _NotPlain  # resolution depends on more than a scalar's first character
    resolved_first = frozenset(resolvers)  # first characters of values that may be more than text
    resolve = loader.resolve
    constructors = loader.yaml_constructors
    next_event = loader.get_event
    nodes = chars = 0
    sizes: dict[str, tuple[int, int]] = {}  # finished anchors: the values and characters they stand for
    anchored: dict[str, Any] = {}  # finished anchors: their values
    opened: set[str] = set()  # every anchor seen, finished or not
    # The collection being read (None at the top), whether it is a list, its pending key and that key's
    # line; the enclosing ones wait on the stack with their anchors and the totals when they started.
    container: Any = None
    is_list = False
    key: Any = _NO_KEY
    key_line = 0
    stack: list[tuple[Any, bool, Any, int, str | None, int, int]] = []
    root: Any = _NO_KEY
    documents = 0

    while True:
        event = next_event()
        kind = type(event)
        if kind is ScalarEvent:
            text = event.value
            nodes += 1
            chars += len(text)
            if nodes > MAX_NODES or chars > MAX_EXPANDED_CHARS:
                raise _NotPlain
            value: Any = text
            tag = event.tag
            if tag is None or tag == "!":
                if event.implicit[0] and (not text or text[0] in resolved_first):
                    tag = resolve(ScalarNode, text, event.implicit)
                    if tag != _STR:
                        value = _scalar(loader, constructors, tag, event)
            elif tag != _STR:
                value = _scalar(loader, constructors, tag, event)
            if event.anchor is not None:
                _anchor(event.anchor, opened)
                sizes[event.anchor] = (1, len(text))
                anchored[event.anchor] = value
            if is_list:
                container.append(value)
            elif key is _NO_KEY:
                if container is None:
                    root = value
                    continue
                if type(value) is str:
                    key = value
                elif isinstance(value, int | float | bool | datetime.date) or value is None:
                    key = str(value)
                else:
                    raise _NotPlain
                if key in container:
                    raise _NotPlain
                key_line = event.start_mark.line + 1
            else:
                container[key] = value
                container.key_lines[key] = key_line
                key = _NO_KEY
            continue
        if kind is MappingStartEvent or kind is SequenceStartEvent:
            nodes += 1
            if len(stack) >= MAX_DEPTH or nodes > MAX_NODES:
                raise _NotPlain
            if container is not None and not is_list and key is _NO_KEY:
                raise _NotPlain  # a list or mapping as a key
            tag = event.tag
            if event.anchor is not None:
                _anchor(event.anchor, opened)
            stack.append((container, is_list, key, key_line, event.anchor, nodes - 1, chars))
            key = _NO_KEY
            if kind is MappingStartEvent:
                if tag is not None and tag != "!" and tag != _MAP:
                    raise _NotPlain
                container = Mapping()
                container.line = event.start_mark.line + 1
                container.key_lines = {}
                is_list = False
            else:
                if tag is not None and tag != "!" and tag != _SEQ:
                    raise _NotPlain
                container = []
                is_list = True
            continue
        if kind is MappingEndEvent or kind is SequenceEndEvent:
            if key is not _NO_KEY:
                raise _NotPlain
            value = container
            container, is_list, key, key_line, anchor, nodes_before, chars_before = stack.pop()
            if anchor is not None:
                sizes[anchor] = (nodes - nodes_before, chars - chars_before)
                anchored[anchor] = value
        elif kind is AliasEvent:
            anchor = event.anchor
            if anchor not in anchored:
                raise _NotPlain  # undefined, or the collection it names is still open
            more_nodes, more_chars = sizes[anchor]
            nodes += more_nodes
            chars += more_chars
            if nodes > MAX_NODES or chars > MAX_EXPANDED_CHARS:
                raise _NotPlain
            value = anchored[anchor]
            if container is not None and not is_list and key is _NO_KEY:
                raise _NotPlain  # an alias as a key goes the long way
        elif kind is DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise _NotPlain
            continue
        elif kind is StreamEndEvent:
            break
        else:  # the stream's start, a document's end
            continue
        # a finished collection or an alias: its place in the enclosing collection
        if container is None:
            root = value
        elif is_list:
            container.append(value)
        else:
            container[key] = value
            container.key_lines[key] = key_line
            key = _NO_KEY
    if documents != 1 or root is _NO_KEY:
        raise _NotPlain
    return root


def _scalar(loader: LineLoader, constructors: dict[Any, Any], tag: str, event: ScalarEvent) -> Any:
    """A number, date, boolean or null, built by the loader's own constructor; other tags go the long way."""
    if tag not in _SCALAR_TAGS:
        raise _NotPlain
    return constructors[tag](loader, ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style))


def _anchor(anchor: str, opened: set[str]) -> None:
    if anchor in opened:
        raise _NotPlain  # a second anchor of the same name: the composer's error
    opened.add(anchor)
