"""A submission carrying each kind of active content a notebook can hold, for the tests of
autograder.inert (tests/test_security_inert.py, tests/test_formgrader_inert.py).

Each payload, if it runs, logs `inert-marker <kind>` to the console, requests `/inert-marker/<kind>`,
asks the instructor's Jupyter server for a terminal (with the XSRF token of the page's cookie) and
opens a dialog: the browser test watches for all four.
"""

import base64
import json
import shutil
from pathlib import Path

import nbformat

MARKER = "inert-marker"
STUDENT = "mallory"
LINK_TEXT = "click me"  # the links a person might follow: the browser test clicks every one


def script(kind: str) -> str:
    return (
        "(function(){"
        f"var k='{kind}';console.log('{MARKER} '+k);fetch('/{MARKER}/'+k).catch(function(){{}});"
        "var m=document.cookie.match(/_xsrf=([^;]+)/);"
        "fetch('/api/terminals',{method:'POST',credentials:'same-origin',"
        "headers:{'X-XSRFToken':m?decodeURIComponent(m[1]):''}}).catch(function(){});"
        f"alert('{MARKER} '+k);"
        "})()"
    )


def run(kind: str) -> str:
    """An expression that runs the payload, for an attribute or a URL (no quotes, spaces or brackets to escape)."""
    return f"eval(atob('{base64.b64encode(script(kind).encode()).decode()}'))"


MARKDOWN = {
    "md-script": f"<script>\n{script('md-script')}\n</script>",
    "md-img-onerror": f'<img src="missing.png" onerror="{run("md-img-onerror")}">',
    "md-javascript-link": f"[{LINK_TEXT}](javascript:{run('md-javascript-link')})",
    "md-iframe-srcdoc": f'<iframe srcdoc="<script>{script("md-iframe-srcdoc")}</script>"></iframe>',
    "md-svg": f'<svg width="10" height="10" onload="{run("md-svg")}"><script>{script("md-svg-script")}</script></svg>',
    "md-link-to-html-file": f"[{LINK_TEXT}](derivation.htm)",
}
SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20" onload="{run}">'
    '<script>{script}</script><circle cx="10" cy="10" r="5"/></svg>'
)
OUTPUTS = {
    "out-html": {
        "text/html": f'<b>hi</b><img src="x" onerror="{run("out-html")}"><script>{script("out-html-script")}</script>'
    },
    "out-javascript": {"application/javascript": script("out-javascript")},
    "out-svg": {"image/svg+xml": SVG.format(run=run("out-svg"), script=script("out-svg-script"))},
    "out-markdown": {"text/markdown": f'<img src="x" onerror="{run("out-markdown")}">'},
    "out-widget": {
        "application/vnd.jupyter.widget-view+json": {"model_id": "x", "version_major": 2, "version_minor": 0}
    },
}
DERIVATION = f"<!DOCTYPE html><html><body><script>{script('html-file')}</script></body></html>"


def display_cell() -> str:
    """A code cell that displays every active output when it runs (the stored outputs are cleared)."""
    lines = ["from IPython.display import display", f"for data in {json.dumps(list(OUTPUTS.values()))}:"]
    lines.append("    display(data, raw=True)")
    return "\n".join(lines)


def hostile_notebook(honest: Path) -> nbformat.NotebookNode:
    """The honest notebook with the payloads added after its first cell, where they are run and shown."""
    nb = nbformat.read(honest, as_version=4)
    added = [nbformat.v4.new_markdown_cell(source) for source in MARKDOWN.values()]
    added.append(nbformat.v4.new_code_cell(display_cell()))
    nb.cells[1:1] = added
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}, "version_major": 2}}
    return nb


def hand_in(course: Path, assignment: str, notebook: str, honest_student: str) -> None:
    """STUDENT's submission: an honest student's, with the payloads in `notebook` and an HTML file beside it."""
    honest = course / "submitted" / honest_student / assignment
    folder = course / "submitted" / STUDENT / assignment
    shutil.copytree(honest, folder)
    nbformat.write(hostile_notebook(honest / f"{notebook}.ipynb"), folder / f"{notebook}.ipynb")
    (folder / "derivation.htm").write_text(DERIVATION)
