#!/usr/bin/env python3
"""Regenerates fonts/NotoSansCJKsc-{Regular,Bold}-subset.otf, the CJK faces the charts fall back
to for characters DejaVu Sans lacks (src/output/chart/text.rs embeds them).

Source: Debian bookworm's fonts-noto-cjk 1:20220127+repack1-1 (Noto Sans CJK SC 2.004, SIL OFL
1.1, fonts/OFL.txt), face 2 ("Noto Sans CJK SC") of NotoSansCJK-{Regular,Bold}.ttc.
Subsetter: fontTools' pyftsubset (pip install fonttools==4.55.3).

The characters kept: GB2312 level 1 (the 3,755 common hanzi, rows 16-55, which Python's gb2312
codec enumerates), GB2312 row 1 (the punctuation Chinese text uses: 、。·…“”《》【】 …), the CJK
Symbols and Punctuation block (U+3000-U+303F), the Halfwidth and Fullwidth Forms
(U+FF00-U+FFEF), and every CJK character in the repository's tracked text files.

    apt-get install fonts-noto-cjk && pip install fonttools==4.55.3
    python3 fonts/subset.py
"""
import pathlib
import re
import subprocess
import sys
import tempfile

from fontTools.ttLib import TTCollection

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent
SOURCE = "/usr/share/fonts/opentype/noto/NotoSansCJK-{}.ttc"
FACE = "Noto Sans CJK SC"
CJK = re.compile("[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")


def gb2312(rows):
    """The characters of GB2312 `rows` (1-based), through Python's codec."""
    chars = []
    for row in rows:
        for cell in range(1, 95):
            try:
                chars.append(bytes([0xA0 + row, 0xA0 + cell]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def repository_chars():
    """Every CJK character in the repository's tracked text files (the fonts themselves aside)."""
    files = subprocess.run(["git", "ls-files"], cwd=REPO, check=True, capture_output=True, text=True).stdout
    found = set()
    for name in files.split("\n"):
        if not name or name.startswith("fonts/"):
            continue
        try:
            text = (REPO / name).read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
            continue
        found.update(CJK.findall(text))
    return found


def main():
    level1 = gb2312(range(16, 56))
    assert len(level1) == 3755, len(level1)
    chars = set(level1) | set(gb2312([1])) | repository_chars()
    chars |= {chr(c) for c in range(0x3000, 0x3040)} | {chr(c) for c in range(0xFF00, 0xFFF0)}
    with tempfile.TemporaryDirectory() as tmp:
        text = pathlib.Path(tmp) / "chars.txt"
        text.write_text("".join(sorted(chars)), encoding="utf-8")
        for weight in ("Regular", "Bold"):
            collection = TTCollection(SOURCE.format(weight))
            face = next(f for f in collection.fonts if f["name"].getDebugName(1) == FACE)
            whole = pathlib.Path(tmp) / f"{weight}.otf"
            face.save(str(whole))
            out = HERE / f"NotoSansCJKsc-{weight}-subset.otf"
            subprocess.run(
                [sys.executable, "-m", "fontTools.subset", str(whole), f"--text-file={text}",
                 f"--output-file={out}", "--no-hinting", "--layout-features=kern,vert,vhal,halt",
                 "--name-IDs=0,1,2,3,4,5,6,7,13,14", "--drop-tables+=VORG,vhea,vmtx"],
                check=True,
            )
            print(f"{out.name}: {out.stat().st_size} bytes, {len(chars)} characters asked for")


if __name__ == "__main__":
    main()
