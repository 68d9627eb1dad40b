"""README.md's Python blocks run as written: in order, in one namespace, in this process.

Each ```python block of README.md is a test of its own (named by its line), executed with
the working directory a temporary folder shared by all blocks; a block sees what the
blocks before it defined, as a reader who runs them one after the other would (the
earlier ones run first, once). Warnings raised by rfmseg's own code fail the block.

A block that needs an optional package says so on the line before it::

    <!-- readme-test: needs dask, pyarrow -->

and is skipped, with that reason, only when one of them cannot be imported.
``<!-- readme-test: skip: REASON -->`` skips a block always; the reason is required. Any
other marker, or a marker that is not right before a Python block, is an error.
"""

from __future__ import annotations

import importlib.util
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
FENCE = re.compile(r"^```python\n(.*?)^```$", re.M | re.S)
MARKER = re.compile(r"<!-- readme-test:(.*?)-->")
#: a marker followed by nothing but blank space, at the end of the text before a block
MARKER_BEFORE = re.compile(r"<!-- readme-test:([^\n]*?)-->\s*\Z")
OUR_PACKAGES = ("kmeans_np", "rfm", "validation")


@dataclass(frozen=True)
class Block:
    """One ```python block: where it starts, its code, what it needs or why it is skipped."""

    line: int
    code: str
    needs: tuple[str, ...] = ()
    skip: str | None = None


def parse_marker(text: str, line: int) -> dict[str, Any]:
    """The ``needs`` or ``skip`` of one marker's text (after ``readme-test:``)."""
    text = text.strip()
    if text.startswith("needs "):
        needs = tuple(name.strip() for name in text[len("needs ") :].split(","))
        if all(needs):
            return {"needs": needs}
    if text.startswith("skip:") and text[len("skip:") :].strip():
        return {"skip": text[len("skip:") :].strip()}
    raise ValueError(
        f"README.md line {line}: unknown readme-test marker {text!r}; use "
        "'needs PKG, PKG' or 'skip: REASON'."
    )


def readme_blocks(text: str) -> list[Block]:
    """The Python blocks of a README text, in order, with their markers."""
    blocks = []
    for match in FENCE.finditer(text):
        before = text[: match.start()]
        line = before.count("\n") + 1
        marker = MARKER_BEFORE.search(before)
        options = parse_marker(marker.group(1), line - 1) if marker else {}
        blocks.append(Block(line=line, code=match.group(1), **options))
    markers = len(MARKER.findall(text))
    attached = sum(1 for b in blocks if b.needs or b.skip)
    if markers != attached:
        raise ValueError(
            f"README.md has {markers} readme-test markers but {attached} stand right before "
            "a ```python block; put each on the line before its block."
        )
    return blocks


BLOCKS = readme_blocks(README.read_text(encoding="utf-8"))


def skip_reason(block: Block) -> str | None:
    """Why ``block`` cannot run here, or None."""
    if block.skip:
        return block.skip
    missing = [name for name in block.needs if importlib.util.find_spec(name) is None]
    return f"needs {', '.join(missing)} (not installed)" if missing else None


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What a reader has after running the blocks so far: namespace, folder, next block."""
    return {"namespace": {"__name__": "__main__"}, "cwd": tmp_path_factory.mktemp("readme"),
            "next": 0}  # fmt: skip


def execute(block: Block, namespace: dict[str, Any]) -> None:
    """Run one block; a warning from rfmseg's own code is an error."""
    code = compile(block.code, f"README.md, block at line {block.line}", "exec")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        exec(code, namespace)
    ours = [w for w in caught if Path(w.filename).parent.name in OUR_PACKAGES]
    assert not ours, [f"{w.category.__name__}: {w.message}" for w in ours]


@pytest.mark.parametrize("index", range(len(BLOCKS)), ids=[f"line{b.line}" for b in BLOCKS])
def test_readme_block_runs(
    reader: dict[str, Any], monkeypatch: pytest.MonkeyPatch, index: int
) -> None:
    monkeypatch.chdir(reader["cwd"])
    while reader["next"] < index:  # the blocks before it, as a reader would have run them
        earlier = BLOCKS[reader["next"]]
        reader["next"] += 1
        if skip_reason(earlier) is None:
            execute(earlier, reader["namespace"])
    block = BLOCKS[index]
    reader["next"] = index + 1
    reason = skip_reason(block)
    if reason is not None:
        pytest.skip(f"README.md block at line {block.line}: {reason}")
    execute(block, reader["namespace"])


def test_readme_blocks_are_found() -> None:
    """The README's library examples are all here (a broken fence would hide them)."""
    assert len(BLOCKS) >= 3
    assert any("import rfm" in b.code for b in BLOCKS)
    assert any("from kmeans_np import" in b.code for b in BLOCKS)


def test_markers_are_read_strictly() -> None:
    text = "a\n<!-- readme-test: needs dask, pyarrow -->\n```python\nx = 1\n```\n"
    assert readme_blocks(text) == [Block(line=3, code="x = 1\n", needs=("dask", "pyarrow"))]
    text = "<!-- readme-test: skip: needs the real data -->\n```python\nx = 1\n```\n"
    assert readme_blocks(text)[0].skip == "needs the real data"
    with pytest.raises(ValueError, match="unknown readme-test marker"):
        readme_blocks("<!-- readme-test: skip: -->\n```python\nx = 1\n```\n")
    with pytest.raises(ValueError, match="unknown readme-test marker"):
        readme_blocks("<!-- readme-test: maybe -->\n```python\nx = 1\n```\n")
    with pytest.raises(ValueError, match="right before"):
        readme_blocks("<!-- readme-test: needs dask -->\ntext\n```python\nx = 1\n```\n")
