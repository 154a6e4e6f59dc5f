"""The one catalogue of report texts (``catalogue.yaml``): every label, title, unit and sentence in ``en``
and ``zh``, and the number formats of each language.

Money: ``en`` writes large amounts in M CNY (÷ 10⁶), ``zh`` in 万元 (÷ 10⁴), the units the readers use.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import Any

import yaml

from vpp.errors import VppError

LANGS = ("zh", "en")
HTML_LANG = {"zh": "zh-CN", "en": "en"}
PATH = Path(__file__).with_name("catalogue.yaml")


@functools.cache
def texts() -> dict[str, dict[str, str]]:
    """``{lang: {key: text}}`` as read from ``catalogue.yaml``."""
    return yaml.safe_load(PATH.read_text(encoding="utf-8"))


class Catalogue:
    """Texts and number formats of one language."""

    def __init__(self, lang: str):
        if lang not in LANGS:
            raise VppError(f"--lang '{lang}': choose one of {', '.join(LANGS)}")
        self.lang = lang
        self._t = texts()[lang]

    def has(self, key: str) -> bool:
        return key in self._t

    def t(self, key: str, **fmt: Any) -> str:
        """The text of ``key`` with its ``{placeholders}`` filled; a missing key is a programming error."""
        text = self._t[key]
        return text.format(**fmt) if fmt else text

    def get(self, key: str, default: str) -> str:
        return self._t.get(key, default)

    # numbers ---------------------------------------------------------------------------------------
    def num(self, v: Any, digits: int = 4) -> str:
        """A number with thousands separators: ``digits`` significant digits below 10⁴, integers above."""
        if v is None or (isinstance(v, float) and not math.isfinite(v)):
            return "–"
        if isinstance(v, bool):
            return self.t("yes") if v else self.t("no")
        if isinstance(v, int):
            return f"{v:,d}"
        if isinstance(v, float):
            if abs(v) < 1e-6:  # solver round-off (e.g. 4e-9 CNY) reads as zero
                return "0"
            if abs(v) >= 1e4:
                return f"{v:,.0f}"
            return f"{v:,.{digits}g}" if abs(v) >= 1e-3 else f"{v:.3g}"
        return str(v)

    def money(self, v: float | None) -> str:
        """An amount in CNY as the readers say it: ``10.09 M CNY`` / ``1,009.1 万元`` from 10⁵ up, else whole CNY."""
        if v is None or not math.isfinite(v):
            return "–"
        if abs(v) >= 1e5:
            scale = 1e6 if self.lang == "en" else 1e4
            return f"{v / scale:,.2f} {self.t('unit.big_cny')}"
        return f"{v:,.0f} {self.t('unit.cny')}"

    def pct(self, v: float | None, digits: int = 1) -> str:
        """A share (0..1) as a percentage."""
        if v is None or not math.isfinite(v):
            return "–"
        return f"{100 * v:.{digits}f} %"

    def qty(self, v: float | None, unit_key: str, digits: int = 4) -> str:
        """A quantity with its unit, e.g. ``23.42 MW``."""
        unit = self.t(unit_key)
        return f"{self.num(v, digits)} {unit}".strip()

    def paren(self, base: str, quals: list[str]) -> str:
        """``base (a, b)`` in English, ``base（a，b）`` in Chinese; ``base`` alone without qualifiers."""
        if not quals:
            return base
        return f"{base}（{'，'.join(quals)}）" if self.lang == "zh" else f"{base} ({', '.join(quals)})"

    def kind_label(self, kind: str) -> str:
        """An asset kind in words (raw kind when the catalogue does not know it)."""
        return self.get(f"assetkind.{kind}", kind)
