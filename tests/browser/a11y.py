"""Accessibility checks with axe-core, injected into the page from the vendored copy.

    from .a11y import assert_accessible
    assert_accessible(page)                      # whole page
    assert_accessible(page, include="#content")  # a part of it

axe-core comes from ``vendor/axe-core/axe.min.js`` (the npm package, with its licence):
nothing is fetched at test time.
"""
from __future__ import annotations

import os

AXE_JS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vendor", "axe-core",
                      "axe.min.js")
# violations of these impacts fail the check; "minor" and "moderate" are reported only
# by axe_violations()
FAILING_IMPACTS = ("serious", "critical")

_source = None


def _axe_source() -> str:
    global _source
    if _source is None:
        with open(AXE_JS, encoding="utf-8") as f:
            _source = f.read()
    return _source


def axe_violations(page, include: str | None = None, rules: dict | None = None) -> list:
    """Every axe-core violation on the page as it is now (after scripts ran).

    ``include``: a CSS selector to check only that part; ``rules``: axe's per-rule
    options, e.g. ``{"color-contrast": {"enabled": False}}`` (say why where you use it).
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # evaluated through the DevTools protocol: no Content-Security-Policy can block it
        page.evaluate("(src) => { (0, eval)(src); }", _axe_source())
    options = {"resultTypes": ["violations"]}
    if rules:
        options["rules"] = rules
    return page.evaluate(
        """async ([include, options]) => {
               const context = include ? {include: [include]} : document;
               const result = await window.axe.run(context, options);
               return result.violations.map(v => ({
                   id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                   nodes: v.nodes.map(n => ({target: n.target, html: n.html,
                                             summary: n.failureSummary}))}));
           }""",
        [include, options])


def format_violations(violations: list) -> str:
    lines = []
    for v in violations:
        lines.append("%s [%s]: %s (%s)" % (v["id"], v["impact"], v["help"], v["helpUrl"]))
        for node in v["nodes"]:
            lines.append("    %s  %s" % (" ".join(str(t) for t in node["target"]),
                                          node["html"][:160]))
            if node.get("summary"):
                lines.append("      " + node["summary"].replace("\n", "\n      "))
    return "\n".join(lines)


def assert_accessible(page, include: str | None = None, rules: dict | None = None):
    """Fail on any axe-core violation of impact serious or critical, listing each with
    its rule id, impact and the selectors of the elements concerned."""
    violations = [v for v in axe_violations(page, include, rules)
                  if v["impact"] in FAILING_IMPACTS]
    assert not violations, "axe-core: %d serious/critical violation(s) on %s\n%s" % (
        len(violations), page.url, format_violations(violations))
