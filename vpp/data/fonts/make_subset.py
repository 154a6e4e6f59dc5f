"""Make the report font: a subset of Noto Sans CJK SC (SIL OFL 1.1, licence in OFL.txt beside it).

Run from the repository root::

    python vpp/data/fonts/make_subset.py [/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc]

The subset covers printable ASCII, Latin-1 punctuation and symbols, general and CJK punctuation, full-width
forms, the 3,755 level-1 hanzi of GB 2312 (byte rows 0xB0-0xD7) and every character of the report
catalogue (vpp/reporting/catalogue.yaml). The output is an OpenType (CFF) font, read by the browsers
(base64 ``@font-face`` in the HTML reports) and by matplotlib (PNG plots). Noto Sans CJK SC is font
number 2 of Debian's ``fonts-noto-cjk`` collection (JP, KR, SC, TC, HK, ...).
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml
from fontTools import subset
from fontTools.ttLib import TTCollection

HERE = Path(__file__).resolve().parent
CATALOGUE = HERE.parent.parent / "reporting" / "catalogue.yaml"
OUT = HERE / "NotoSansCJKsc-Regular-subset.otf"
SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
SC_INDEX = 2  # Noto Sans CJK SC in the collection


def gb2312_level1() -> str:
    """The 3,755 level-1 hanzi of GB 2312: rows 0xB0..0xD7, cells 0xA1..0xFE (row 0xD7 ends at 0xF9)."""
    out = []
    for row in range(0xB0, 0xD8):
        for cell in range(0xA1, 0xFF):
            if row == 0xD7 and cell > 0xF9:
                break
            out.append(bytes([row, cell]).decode("gb2312"))
    return "".join(out)


def catalogue_text() -> str:
    data = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    return "".join(v for lang in data.values() for v in lang.values())


def characters() -> str:
    ranges = [(0x20, 0x7E), (0xA0, 0xFF), (0x2010, 0x2044), (0x2103, 0x2103), (0x2190, 0x2193), (0x2212, 0x2212),
              (0x2264, 0x2265), (0x3000, 0x303F), (0xFF01, 0xFF5E), (0x00B2, 0x00B3), (0x2082, 0x2082)]
    chars = {chr(c) for lo, hi in ranges for c in range(lo, hi + 1)}
    chars |= set(gb2312_level1()) | set(catalogue_text())
    return "".join(sorted(c for c in chars if c.isprintable()))


def main(source: Path = SOURCE) -> Path:
    font = TTCollection(str(source)).fonts[SC_INDEX]
    opts = subset.Options()
    opts.layout_features = ["*"]
    opts.name_IDs = ["*"]
    opts.name_languages = ["*"]
    opts.notdef_outline = True
    opts.hinting = False
    opts.desubroutinize = False
    sub = subset.Subsetter(opts)
    sub.populate(text=characters())
    sub.subset(font)
    font.recalcTimestamp = False  # reproducible file: the source font's timestamps, not today's
    font.save(str(OUT))
    return OUT


if __name__ == "__main__":
    path = main(Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE)
    print(f"{path}: {path.stat().st_size / 1e6:.2f} MB, {len(characters())} characters")
