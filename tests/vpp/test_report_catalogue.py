"""The report catalogue: both languages have the same keys and placeholders; every catalogue character
is in the shipped font subset; the font is registered for matplotlib PNGs."""

import re
import string

from fontTools.ttLib import TTFont

from vpp.reporting.catalogue import Catalogue, texts
from vpp.reporting.html import FONT_PATH


def test_zh_and_en_have_the_same_keys_and_placeholders():
    t = texts()
    assert set(t) == {"zh", "en"}
    assert set(t["zh"]) == set(t["en"])
    fields = lambda s: sorted(f for _, f, _, _ in string.Formatter().parse(s) if f)
    for k in t["en"]:
        assert fields(t["en"][k]) == fields(t["zh"][k]), k
    assert sum(bool(re.search(r"[\u4e00-\u9fff]", v)) for v in t["zh"].values()) > 200


def test_every_catalogue_character_is_in_the_shipped_font():
    cmap = TTFont(FONT_PATH)["cmap"].getBestCmap()
    chars = {c for lang in texts().values() for v in lang.values() for c in v if c.isprintable() and c != " "}
    missing = sorted(c for c in chars if ord(c) not in cmap)
    assert not missing, missing
    assert FONT_PATH.stat().st_size <= 2_500_000
    assert (FONT_PATH.parent / "OFL.txt").read_text(encoding="utf-8").count("SIL OPEN FONT LICENSE Version 1.1") == 1
    # GB 2312 level-1 hanzi are all there (3,755)
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_subset", FONT_PATH.parent / "make_subset.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    level1 = mod.gb2312_level1()
    assert len(level1) == 3755 and all(ord(c) in cmap for c in level1)


def test_money_is_written_as_the_readers_say_it():
    assert Catalogue("en").money(10_090_763.87) == "10.09 M CNY"
    assert Catalogue("zh").money(10_090_763.87) == "1,009.08 万元"
    assert Catalogue("zh").money(12_456.7) == "12,457 元"
    assert Catalogue("en").pct(0.2252) == "22.5 %"


def test_matplotlib_draws_chinese_with_the_report_font():
    import io
    import warnings

    from matplotlib import font_manager

    from vpp.plots import pyplot

    plt = pyplot()
    assert "Noto Sans CJK SC" in {f.name for f in font_manager.fontManager.ttflist}
    fig, ax = plt.subplots()
    ax.set_title("变电站负荷（全部园区）MW")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" would be a warning
        fig.savefig(io.BytesIO(), format="png")
    plt.close(fig)
