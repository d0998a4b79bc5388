"""Read a press kit's text and normalise it: characters, line ends, page furniture,
hyphenation. The result keeps one line per source line (minus furniture) so the parser can still
see line starts; :func:`join_lines` reflows a run of lines into one paragraph."""

from __future__ import annotations

import re
from pathlib import Path

from cnr_opendata.errors import ExtractError

_CHARS = str.maketrans(
    {
        "\u00a0": " ",
        "\u202f": " ",
        "\u2009": " ",
        "\u2007": " ",  # no-break and thin spaces
        "\u2019": "'",
        "\u2018": "'",
        "\u02bc": "'",
        "\u201c": '"',
        "\u201d": '"',  # curly quotes
        "\u200b": None,
        "\u200c": None,
        "\u200d": None,
        "\ufeff": None,
        "\u00ad": None,  # invisible
        "\u2010": "-",
        "\u2011": "-",
    }
)
_LIGATURES = {
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
}

#: Page furniture: banners, ministry and council names, page numbers.
FURNITURE = re.compile(
    r"^\s*(?:DOSSIER DE PRESSE|R[ÉE]PUBLIQUE FRAN[ÇC]AISE|MINIST[ÈE]RE\b.*|CONSEIL NATIONAL DE LA R[ÉE]FONDATION|"
    r"(?:PROVENCE-)?ALPES-C[ÔO]TE D'AZUR|SANT[ÉE]|Libert[ée]\s*[ÉE]galit[ée]\s*Fraternit[ée]|"
    r"(?:page\s*)?\d{1,3}(?:\s*/\s*\d{1,3})?)\s*$",
    re.IGNORECASE,
)


def read_text_source(path: Path) -> str:
    """The text of a text file: UTF-8 (with or without BOM), else Windows-1252; refuses empty
    and binary files with a clear :class:`ExtractError`."""
    data = path.read_bytes()
    if not data.strip():
        raise ExtractError(f"{path}: the file is empty")
    if b"\x00" in data[:4096] or _control_ratio(data[:4096]) > 0.05:
        raise ExtractError(f"{path}: this is a binary file, not text or PDF")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _control_ratio(data: bytes) -> float:
    controls = sum(1 for b in data if b < 32 and b not in (9, 10, 12, 13))
    return controls / max(len(data), 1)


def normalise(text: str) -> str:
    """Normalise characters and line ends, drop page furniture, join hyphenated words.

    ``mé-\\nthode`` becomes ``méthode``; ``Provence-\\nAlpes`` becomes ``Provence-Alpes`` (a
    capital after the hyphen marks a compound); ``médecins/\\ninfirmiers`` keeps its slash.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_CHARS)
    for lig, plain in _LIGATURES.items():
        text = text.replace(lig, plain)
    lines = [line.rstrip() for line in text.split("\n") if not FURNITURE.match(line)]
    out: list[str] = []
    for line in lines:
        line = re.sub(r"[ \t]+", " ", line).strip()
        if out and out[-1] and line:
            prev = out[-1]
            if re.search(r"\w-$", prev) and re.match(r"[a-zà-ÿ]", line):
                out[-1] = prev[:-1] + line  # a word cut at the line end
                continue
            if (re.search(r"\w-$", prev) and re.match(r"[A-ZÀ-Ý]", line)) or prev.endswith("/"):
                out[-1] = prev + line  # a compound (Provence-Alpes) or a slash pair
                continue
        out.append(line)
    return "\n".join(out).strip() + "\n"


def join_lines(lines: list[str]) -> str:
    """Reflow lines into one paragraph."""
    return re.sub(r"\s+", " ", " ".join(line.strip() for line in lines)).strip()
