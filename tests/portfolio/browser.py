"""Headless Chromium for the report's tests: the laid-out page measured, and screenshots.

The page is measured by a copy of it with one more script, run after load, that writes the
bounding boxes of every chart label, card and table into the DOM, read back with ``--dump-dom``
(the report itself carries no test code).
"""

from __future__ import annotations

import html
import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

CHROMIUM: Final = Path("/usr/bin/chromium")
_FLAGS: Final = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
)

_MEASURE: Final = """<script>
window.addEventListener("load", function () {
  function box(el) {
    var b = el.getBoundingClientRect();
    return [b.left, b.top, b.right, b.bottom];
  }
  function each(selector, f) {
    return Array.prototype.map.call(document.querySelectorAll(selector), f);
  }
  var root = document.documentElement;
  var out = {
    charts: each("svg.chart", function (svg) {
      var section = svg.closest("section");
      var texts = Array.prototype.map.call(svg.querySelectorAll("text"), function (t) {
        return {text: t.textContent.trim(), box: box(t)};
      });
      return {section: section ? section.id : "", box: box(svg), texts: texts};
    }),
    cards: each("section.card", function (card) {
      return {id: card.id, scroll: card.scrollWidth, client: card.clientWidth, box: box(card)};
    }),
    tables: each("table", function (table) {
      var card = table.closest("section");
      return {id: table.id || card.id, box: box(table), card: box(card)};
    }),
    labels: each(".bars span, .bars strong, th, td", function (el) {
      return {text: el.textContent.trim(), scroll: el.scrollWidth, client: el.clientWidth};
    }),
    page: {scroll: root.scrollWidth, client: root.clientWidth}
  };
  var pre = document.createElement("pre");
  pre.id = "layout";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>
"""


def _run(arguments: list[str], profile: Path) -> subprocess.CompletedProcess[str]:
    command = [str(CHROMIUM), *_FLAGS, f"--user-data-dir={profile}", *arguments]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@dataclass
class Layout:
    """What the browser laid out at one window width."""

    width: int
    charts: list[dict[str, Any]]
    cards: list[dict[str, Any]]
    tables: list[dict[str, Any]]
    labels: list[dict[str, Any]]
    page: dict[str, Any]


def measure(page: Path, width: int, work: Path) -> Layout:
    """Lay ``page`` out in a window ``width`` px wide and measure it."""
    measured = work / f"measured-{width}.html"
    text = page.read_text(encoding="utf-8")
    measured.write_text(text.replace("</body>", _MEASURE + "</body>"), encoding="utf-8")
    done = _run(
        [
            "--virtual-time-budget=5000",
            f"--window-size={width},1000",
            "--dump-dom",
            measured.as_uri(),
        ],
        work / f"profile-{width}",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    found = re.search(r'<pre id="layout">(.*?)</pre>', done.stdout, re.S)
    assert found is not None, "the measuring script did not run"
    data = json.loads(html.unescape(found.group(1)))
    return Layout(width=width, **data)


def screenshot(page: Path, shot: Path, width: int, height: int, work: Path) -> None:
    """A PNG of the top ``height`` px of ``page`` in a window ``width`` px wide."""
    done = _run(
        [f"--window-size={width},{height}", f"--screenshot={shot}", page.as_uri()],
        work / "profile-shot",
    )
    assert done.returncode == 0, done.stderr[-2000:]


def _overlap(a: list[float], b: list[float]) -> bool:
    tolerance = 0.5  # sub-pixel rounding of adjacent boxes
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    return width > tolerance and height > tolerance


def layout_problems(layout: Layout) -> list[str]:
    """Every clipped or overlapping chart label and every table or card wider than its place."""
    problems = []
    for chart in layout.charts:
        where = f"{layout.width} px, chart in #{chart['section']}"
        left, top, right, bottom = chart["box"]
        texts = [t for t in chart["texts"] if t["box"][2] > t["box"][0]]
        for t in texts:
            x0, y0, x1, y1 = t["box"]
            if x0 < left - 0.5 or y0 < top - 0.5 or x1 > right + 0.5 or y1 > bottom + 0.5:
                problems.append(f"{where}: {t['text']!r} {t['box']} outside {chart['box']}")
        for i, a in enumerate(texts):
            for b in texts[i + 1 :]:
                if _overlap(a["box"], b["box"]):
                    problems.append(f"{where}: {a['text']!r} overlaps {b['text']!r}")
    for card in layout.cards:
        if card["scroll"] > card["client"] + 1:
            problems.append(
                f"{layout.width} px: #{card['id']} is {card['scroll']} px wide in "
                f"{card['client']} px (something hides behind a scrollbar)"
            )
    for table in layout.tables:
        if table["box"][2] > table["card"][2] + 0.5:
            problems.append(f"{layout.width} px: table #{table['id']} overflows its card")
    for label in layout.labels:
        if label["scroll"] > label["client"] + 1 and label["client"] > 0:
            problems.append(f"{layout.width} px: {label['text']!r} is clipped")
    if layout.page["scroll"] > layout.page["client"]:
        problems.append(f"{layout.width} px: the page scrolls sideways")
    return problems
