"""Reading an import file into rows: a JSON document, a zip of CSV files, or one CSV file
named after its kind (people.csv). Each row keeps its file and line for the report."""

import csv
import io
import zipfile
from pathlib import PurePosixPath
from typing import Any

from engagement.network.interchange.format import (
    FORMAT,
    KIND_BY_NAME,
    KINDS,
    NESTINGS,
    TOP_LEVEL,
    Problem,
    Row,
)
from engagement.network.interchange.located_json import (
    JsonProblem,
    LocatedDict,
    LocatedList,
    loads_located,
)

# A zip's members may unpack to at most this much in total (a guard against zip bombs; the
# largest real directory export is a small fraction of it).
MAX_UNCOMPRESSED_BYTES = 256 * 1024 * 1024
MAX_MEMBERS = 64


def read_rows(filename: str, content: bytes) -> tuple[list[Row], list[Problem]]:
    """The rows of a file, and the problems found while reading it (malformed JSON or
    CSV, unknown files, fields or columns)."""
    name = PurePosixPath(filename.replace("\\", "/")).name or "upload"
    lower = name.lower()
    if lower.endswith(".zip") or content.startswith(b"PK\x03\x04"):
        return _read_zip(name, content)
    if lower.endswith(".json"):
        return _read_json(name, content)
    if lower.endswith(".csv"):
        return _read_csv(name, lower.removesuffix(".csv"), content)
    message = "unknown kind of file: send a .json document, a .zip of CSV files, or <kind>.csv"
    return [], [Problem(name, 1, "", message)]


def _decode(source: str, content: bytes) -> tuple[str | None, list[Problem]]:
    try:
        # utf-8-sig: spreadsheet programs put a byte order mark in front of UTF-8 CSV.
        return content.decode("utf-8-sig"), []
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        return None, [Problem(source, line, "", "not UTF-8 text (save the file as UTF-8)")]


# --- JSON -------------------------------------------------------------------------------------


def _read_json(source: str, content: bytes) -> tuple[list[Row], list[Problem]]:
    text, problems = _decode(source, content)
    if text is None:
        return [], problems
    try:
        document = loads_located(text)
    except JsonProblem as error:
        return [], [Problem(source, error.line, "", error.message)]
    if not isinstance(document, LocatedDict):
        lists = ", ".join(TOP_LEVEL)
        return [], [
            Problem(source, 1, "", f"the document must be a JSON object with lists {lists}")
        ]
    reader = _JsonReader(source)
    for key, value in document.items():
        line = document.key_lines[key]
        if key == "format":
            if value != FORMAT:
                reader.problems.append(Problem(source, line, key, f'must be "{FORMAT}"'))
        elif key not in TOP_LEVEL:
            message = f"unknown list; expected {', '.join(TOP_LEVEL)}"
            reader.problems.append(Problem(source, line, key, message))
        elif not isinstance(value, LocatedList):
            reader.problems.append(Problem(source, line, key, "must be a list of objects"))
        else:
            for index, record in enumerate(value):
                reader.record(key, record, f"{key}[{index}]", value.item_lines[index], {})
    return reader.rows, reader.problems


class _JsonReader:
    def __init__(self, source: str) -> None:
        self.source = source
        self.rows: list[Row] = []
        self.problems: list[Problem] = []

    def record(
        self, kind_name: str, record: Any, path: str, line: int, inherited: dict[str, Any]
    ) -> None:
        if not isinstance(record, LocatedDict):
            self.problems.append(Problem(self.source, line, path, "must be an object"))
            return
        kind = KIND_BY_NAME[kind_name]
        nestings = [nesting for nesting in NESTINGS if nesting.parent == kind_name]
        nested = {nesting.key for nesting in nestings}
        values: dict[str, Any] = {}
        for key, value in record.items():
            if key in nested:
                continue
            if key not in kind.columns or key in inherited:
                message = (
                    "unknown field" if key not in kind.columns else "set by the enclosing object"
                )
                self.problems.append(
                    Problem(self.source, record.key_lines[key], f"{path}.{key}", message)
                )
            elif value is not None:
                values[key] = value
        values.update(inherited)
        field_lines = dict(record.key_lines)
        for key, value in record.items():
            if isinstance(value, LocatedList) and key not in nested:
                field_lines |= {f"{key}[{n}]": line for n, line in enumerate(value.item_lines)}
        self.rows.append(Row(kind_name, self.source, record.line, values, path, field_lines))
        for nesting in nestings:
            if nesting.key not in record:
                continue
            children = record[nesting.key]
            child_path = f"{path}.{nesting.key}"
            if not isinstance(children, LocatedList):
                problem = Problem(
                    self.source, record.key_lines[nesting.key], child_path, "must be a list"
                )
                self.problems.append(problem)
                continue
            keys = {child: values.get(parent) for child, parent in nesting.inherited.items()}
            if None in keys.values():
                continue  # the parent has no key: its own row reports that
            for index, child in enumerate(children):
                self.record(
                    nesting.child, child, f"{child_path}[{index}]", children.item_lines[index], keys
                )


# --- CSV --------------------------------------------------------------------------------------


def _read_csv(source: str, kind_name: str, content: bytes) -> tuple[list[Row], list[Problem]]:
    kind = KIND_BY_NAME.get(kind_name)
    if kind is None:
        names = ", ".join(f"{kind.name}.csv" for kind in KINDS)
        return [], [Problem(source, 1, "", f"unknown file; a CSV file is one of {names}")]
    text, problems = _decode(source, content)
    if text is None:
        return [], problems
    first_line = text.split("\n", 1)[0]
    # Spreadsheets in Finnish and Swedish locales save CSV with semicolons.
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[Row] = []
    try:
        header = [column.strip() for column in next(reader, [])]
        if not any(header):
            return [], [Problem(source, 1, "", "empty file: the first line names the columns")]
        for column in header:
            if column not in kind.columns:
                message = f"unknown column; expected some of {', '.join(kind.columns)}"
                problems.append(Problem(source, 1, column, message))
        for column in {column for column in header if header.count(column) > 1}:
            problems.append(Problem(source, 1, column, "the column appears twice"))
        line = reader.line_num + 1
        for record in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(header):
                message = f"has {len(record)} fields; the header names {len(header)}"
                problems.append(Problem(source, start, "", message))
                continue
            values: dict[str, Any] = {}
            for column, cell in zip(header, record, strict=True):
                if column in kind.columns and cell.strip():
                    values[column] = cell.split() if column in kind.lists else cell.strip()
            rows.append(Row(kind.name, source, start, values))
    except csv.Error as error:
        problems.append(Problem(source, reader.line_num, "", f"not valid CSV: {error}"))
    return rows, problems


# --- Zip --------------------------------------------------------------------------------------


def _read_zip(source: str, content: bytes) -> tuple[list[Row], list[Problem]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        return [], [Problem(source, 1, "", "not a valid zip file")]
    with archive:
        members = [
            member
            for member in archive.infolist()
            if not member.is_dir()
            and not member.filename.startswith("__MACOSX/")
            and not PurePosixPath(member.filename).name.startswith(".")
        ]
        if len(members) > MAX_MEMBERS:
            return [], [Problem(source, 1, "", f"holds more than {MAX_MEMBERS} files")]
        if sum(member.file_size for member in members) > MAX_UNCOMPRESSED_BYTES:
            limit = MAX_UNCOMPRESSED_BYTES // 2**20
            return [], [Problem(source, 1, "", f"unpacks to more than {limit} MB")]
        by_kind: dict[str, zipfile.ZipInfo] = {}
        problems: list[Problem] = []
        for member in members:
            name = PurePosixPath(member.filename).name
            kind_name = name.lower().removesuffix(".csv")
            if not name.lower().endswith(".csv") or kind_name not in KIND_BY_NAME:
                names = ", ".join(f"{kind.name}.csv" for kind in KINDS)
                problems.append(
                    Problem(source, 1, member.filename, f"unknown file; expected {names}")
                )
            elif kind_name in by_kind:
                problems.append(Problem(source, 1, member.filename, "a second file of this kind"))
            else:
                by_kind[kind_name] = member
        rows: list[Row] = []
        for kind in KINDS:
            if kind.name in by_kind:
                member = by_kind[kind.name]
                try:
                    data = archive.read(member)
                except (RuntimeError, zipfile.BadZipFile, NotImplementedError) as error:
                    problems.append(Problem(source, 1, member.filename, f"cannot be read: {error}"))
                    continue
                member_rows, member_problems = _read_csv(member.filename, kind.name, data)
                rows += member_rows
                problems += member_problems
        return rows, problems
