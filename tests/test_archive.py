"""The release zip: standard, deterministic, the same bytes with any number of threads."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from cnr_opendata.archive import FAST, level_for_size, write_zip
from conftest import need


@pytest.fixture
def files(tmp_path: Path) -> list[tuple[str, Path]]:
    folder = tmp_path / "in"
    folder.mkdir()
    text = "".join(f'<urn:x:{i}> <urn:p> "Projet n°{i} « été »" .\n' for i in range(60_000))
    contents = {
        "a/empty.txt": b"",
        "a/small.csv": "id,titre\n1,Café\n".encode(),
        "big.nt": text.encode(),
        "random.bin": os.urandom(300_000),  # incompressible: deflate must not lose it
        "données é.txt": b"nom non ASCII\n",
    }
    out = []
    for name, data in contents.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        out.append((f"release/{name}", path))
    return out


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("level", [FAST, 1, 6, 0], ids=["isal", "zlib-1", "zlib-6", "stored"])
def test_every_entry_reads_back_with_zipfile(tmp_path: Path, files, level: int) -> None:
    target = tmp_path / "out.zip"
    write_zip(files, target, level=lambda _size: level, workers=2, block=64 << 10)
    with zipfile.ZipFile(target) as zf:
        assert zf.testzip() is None  # every CRC matches
        assert zf.namelist() == [name for name, _ in files]
        for name, path in files:
            assert zf.read(name) == path.read_bytes()
            info = zf.getinfo(name)
            assert info.date_time == (1980, 1, 1, 0, 0, 0)


def test_the_bytes_do_not_depend_on_the_number_of_threads(tmp_path: Path, files) -> None:
    level = level_for_size(100_000)  # ISA-L for the big files, zlib for the small ones
    digests = set()
    for workers in (1, 2, 3):
        target = tmp_path / f"w{workers}.zip"
        write_zip(files, target, level=level, workers=workers, block=64 << 10)
        digests.add(sha(target))
    assert len(digests) == 1


def test_zip64_entries_read_back(tmp_path: Path, files) -> None:
    target = tmp_path / "z64.zip"
    write_zip(files, target, level=level_for_size(100_000), workers=2, force_zip64=True)
    with zipfile.ZipFile(target) as zf:
        assert zf.testzip() is None
        assert all(zf.read(n) == p.read_bytes() for n, p in files)


def test_info_zip_accepts_the_archive(tmp_path: Path, files) -> None:
    need("unzip", shutil.which("unzip") is not None, "apt-get install unzip")
    target = tmp_path / "out.zip"
    write_zip(files, target, level=level_for_size(100_000), workers=2, block=64 << 10)
    done = subprocess.run(["unzip", "-tq", str(target)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_file_that_changes_while_archived_is_an_error(tmp_path: Path, files, monkeypatch) -> None:
    import cnr_opendata.archive as archive

    real = archive._blocks

    def shorter(path: Path, block: int):
        for data in real(path, block):
            yield data[:-1] if path.name == "big.nt" else data

    monkeypatch.setattr(archive, "_blocks", shorter)
    with pytest.raises(OSError, match="changed while it was archived"):
        write_zip(files, tmp_path / "out.zip", level=lambda _s: FAST, block=64 << 10)
