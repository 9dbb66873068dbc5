"""Counting the rows of an .xlsx upload's first sheet from its XML with expat: several times
faster than openpyxl, and a cell longer than a row may be is refused without being held.
"""

import os
import re
import zipfile

from .limits import RowTooLong


_WORKSHEET_REL = "/relationships/worksheet"


class _EnoughRows(Exception):
    pass


def count_xlsx_rows(source, stop_after=None, max_cell_chars=None):
    """Return the number of non-blank rows (header included) of the first sheet of an .xlsx,
    read from the sheet's XML with expat, or ``None`` when the workbook's layout is not the
    usual one (the caller then counts with openpyxl).

    A row counts when one of its cells has a value that is not only spaces, as openpyxl with
    ``data_only=True`` reads it: a formula without a cached value is blank, and a shared string
    made of spaces is blank. Counting stops after ``stop_after`` rows. A cell of more than
    ``max_cell_chars`` characters (never held whole) raises :class:`RowTooLong`.
    """
    from xml.parsers import expat

    try:
        with source.open() as binary, zipfile.ZipFile(binary) as archive:
            sheet = _first_sheet_path(archive, expat)
            if sheet is None:
                return None
            blank, long = _shared_string_kinds(archive, expat, max_cell_chars)
            return _count_sheet_rows(archive, sheet, blank, long, stop_after, expat, max_cell_chars)
    except (zipfile.BadZipFile, KeyError, ValueError, expat.ExpatError, OSError, EOFError):
        return None


def _local(name):
    return name.rpartition(" ")[2]


def _parse_member(archive, member, parser):
    with archive.open(member) as fh:
        parser.ParseFile(fh)


def _first_sheet_path(archive, expat):
    sheets, targets = [], {}

    def workbook_start(name, attrs):
        if _local(name) == "sheet":
            rel = next((v for k, v in attrs.items() if _local(k) == "id"), None)
            sheets.append(rel)

    def rels_start(name, attrs):
        if _local(name) == "Relationship" and attrs.get("Type", "").endswith(_WORKSHEET_REL):
            targets[attrs.get("Id")] = attrs.get("Target", "")

    for member, handler in (("xl/workbook.xml", workbook_start),
                            ("xl/_rels/workbook.xml.rels", rels_start)):
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.StartElementHandler = handler
        _parse_member(archive, member, parser)
    for rel in sheets:
        if rel in targets:
            target = targets[rel]
            path = target.lstrip("/") if target.startswith("/") else "xl/" + target
            return os.path.normpath(path).replace(os.sep, "/")
    return None


def _shared_string_kinds(archive, expat, max_chars=None):
    """Return ``(blank, long)``: the indexes of the shared strings that are empty or only spaces,
    and ``{index: characters}`` of those longer than ``max_chars`` (no text is held whole)."""
    if "xl/sharedStrings.xml" not in archive.NameToInfo:
        return frozenset(), {}
    blank, long = set(), {}
    state = {"index": 0, "chars": 0, "filled": False, "in_t": False, "phonetic": 0}

    def start(name, attrs):
        name = _local(name)
        if name == "si":
            state["chars"], state["filled"] = 0, False
        elif name == "rPh":
            state["phonetic"] += 1
        elif name == "t" and not state["phonetic"]:
            state["in_t"] = True

    def end(name):
        name = _local(name)
        if name == "t":
            state["in_t"] = False
        elif name == "rPh":
            state["phonetic"] -= 1
        elif name == "si":
            if not state["filled"]:
                blank.add(state["index"])
            if max_chars is not None and state["chars"] > max_chars:
                long[state["index"]] = state["chars"]
            state["index"] += 1

    def data(text):
        if state["in_t"]:
            state["chars"] += len(text)
            if not state["filled"] and text and not text.isspace():
                state["filled"] = True

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CharacterDataHandler = data
    _parse_member(archive, "xl/sharedStrings.xml", parser)
    return frozenset(blank), long


_CELL_REFERENCE = re.compile(r"([A-Z]{1,3})(\d+)$")


def _column_index(letters):
    """The 0-based position of a spreadsheet column ("A" -> 0, "AB" -> 27)."""
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def _count_sheet_rows(archive, sheet, blank_strings, long_strings, stop_after, expat,
                      max_chars=None):
    state = {"count": 0, "filled": False, "type": None, "text": None, "chars": 0,
             "row": 0, "column": -1}
    limit = max_chars if max_chars is not None else float("inf")

    def too_long(chars):
        return RowTooLong(state["row"], state["column"], chars)

    def start(name, attrs):
        name = _local(name)
        if name == "c":
            state["type"] = attrs.get("t")
            reference = _CELL_REFERENCE.match(attrs.get("r", ""))
            state["column"] = _column_index(reference[1]) if reference else state["column"] + 1
        elif name in ("v", "t"):
            state["text"], state["chars"] = [], 0
        elif name == "row":
            state["filled"], state["column"] = False, -1
            number = attrs.get("r", "")
            state["row"] = int(number) if number.isdigit() else state["row"] + 1

    def end(name):
        name = _local(name)
        if name in ("v", "t") and state["text"] is not None:
            if state["chars"] > limit:
                raise too_long(state["chars"])
            text, state["text"] = "".join(state["text"]), None
            if name == "v" and state["type"] == "s":
                index = int(text) if text.strip().isdigit() else None
                if index in long_strings:
                    raise too_long(long_strings[index])
                filled = index is not None and index not in blank_strings
            else:
                filled = bool(text) and not text.isspace()
            state["filled"] = state["filled"] or filled
        elif name == "row" and state["filled"]:
            state["count"] += 1
            if stop_after is not None and state["count"] >= stop_after:
                raise _EnoughRows

    def data(text):
        if state["text"] is not None:
            state["chars"] += len(text)
            if state["chars"] <= limit:
                state["text"].append(text)

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CharacterDataHandler = data
    try:
        _parse_member(archive, sheet, parser)
    except _EnoughRows:
        pass
    return state["count"]
