"""Accessibility checks the browser journeys call on every page they visit (issue 14).

``assert_accessible(page)`` injects the vendored axe-core (static/vendor/axe-core/axe.min.js, served by
the live server from the same origin, so the pages' CSP ``script-src 'self'`` allows it; no CDN) and
fails on any *serious* or *critical* violation of WCAG 2.0/2.1 A and AA — the level GB/T 37668-2019
level 2 asks for — listing each rule with the elements it found. It also checks what axe cannot judge
alone: a ``<main>`` landmark, one ``<h1>``, headings that do not skip levels, and a title that names the
page (not just the hall).
"""

import json

AXE = "/static/vendor/axe-core/axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}
HALL = "行政服务中心"

# Known violations on pages another change is rewriting, by URL fragment → rule ids; reported, not fixed
# here (see the docs' accessibility section). Keep this empty when it can be.
KNOWN: dict[str, set[str]] = {}

_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' — ' + (n.failureSummary || '').split('\\n')[1])}));
}"""

_STRUCTURE = """() => {
  const levels = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]
    .filter(h => h.offsetParent !== null || h.getClientRects().length)
    .map(h => Number(h.tagName[1]));
  const skips = [];
  levels.forEach((level, i) => { if (i && level > levels[i - 1] + 1) skips.push(`h${levels[i - 1]}→h${level}`); });
  return {main: document.querySelectorAll('main').length, h1: document.querySelectorAll('h1').length,
          skips, title: document.title};
}"""


def violations(page) -> list[dict]:
    """axe's serious and critical WCAG 2.1 A/AA violations on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=AXE)
    found = page.evaluate(_RUN, TAGS)
    known = set().union(*(rules for fragment, rules in KNOWN.items() if fragment in page.url))
    return [v for v in found if v["impact"] in BLOCKING and v["id"] not in known]


def assert_accessible(page, *, h1: bool = True) -> None:
    """Fail with a readable list when the page has serious/critical axe violations or a broken outline."""
    page.wait_for_load_state()
    problems = [f"{v['impact']} {v['id']}: {v['help']}\n    " + "\n    ".join(v["nodes"]) for v in violations(page)]
    structure = page.evaluate(_STRUCTURE)
    if structure["main"] != 1:
        problems.append(f"{structure['main']} <main> landmarks (want 1)")
    if h1 and structure["h1"] != 1:
        problems.append(f"{structure['h1']} <h1> headings (want 1)")
    if structure["skips"]:
        problems.append("heading levels skipped: " + ", ".join(structure["skips"]))
    title = structure["title"].replace(HALL, "").strip(" ·-|")
    if not title:
        problems.append(f"the title {structure['title']!r} does not name the page")
    assert not problems, f"{page.url}\n" + "\n".join(problems)


def report(page) -> str:
    """The violations as JSON (for a quick look while fixing a page)."""
    return json.dumps(violations(page), ensure_ascii=False, indent=1)
