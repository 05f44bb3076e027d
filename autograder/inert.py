"""Student HTML made inert in the autograded notebook, which the formgrader and `nbgrader
generate_feedback` render into pages on the instructor's Jupyter server.

nbconvert's own switch (`HTMLExporter.sanitize_html`) removes JavaScript outputs and cleans HTML with
bleach's short default list, which escapes headings, paragraphs, images and tables: honest markdown
would show as tags. So instead the notebook is checked here, after nbgrader has saved the grades:
a markdown cell or an HTML output holding anything outside a list of inert elements, attributes
and URL schemes (script, event handlers, `javascript:` links, frames, forms, SVG, styles, comments,
links to HTML files handed in beside the notebook) is shown as text; outputs of other kinds than
text, images, LaTeX and JSON (JavaScript, widgets, unknown types) are removed, as nbconvert's
`SanitizeHTML` removes them, and so is the notebook's widget state. Honest cells are left unchanged.
"""

import html
import re
from html.parser import HTMLParser

from nbconvert.filters import markdown2html
from nbgrader.preprocessors import NbGraderPreprocessor

INERT_TAGS = {
    *("a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "div", "dl", "dt"),
    *("em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre"),
    *("q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th"),
    *("thead", "tr", "u", "ul", "var"),
}
INERT_ATTRIBUTES = {
    "*": {"class", "id", "title", "align", "style"},
    "a": {"href", "name"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "ol": {"start", "type"},
}
URL_ATTRIBUTES = {"href", "src"}
WEB_SCHEMES = {"http", "https", "mailto"}
# an image source may also be an image itself, or a markdown cell's attachment
IMAGE_SOURCE = re.compile(r"(?:data:image/(?:png|jpeg|gif|webp)[;,]|attachment:)", re.IGNORECASE)
# files a browser would render as a page (or run) if a link to one handed in beside the notebook
# were followed: the formgrader serves them from the instructor's server
PAGE_SUFFIX = re.compile(r"\.(?:s?html?|xht(?:ml)?|svgz?|xml|xsl|js|mjs)$", re.IGNORECASE)
SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):")
# layout only: a declaration whose value could load or run something (url(), expression()) is not
INERT_STYLE = re.compile(
    r"^\s*(?:(?:text-align|color|background-color|font-weight|font-style|vertical-align)"
    r"\s*:\s*[#\w\s.,%-]*;?\s*)*$",
    re.IGNORECASE,
)
INERT_OUTPUTS = {"text/plain", "text/latex", "application/json", "image/png", "image/jpeg"}
SVG_ACTIVE = re.compile(
    r"<\s*(?:script|foreignobject|iframe|object|embed|handler|a\b)|javascript:|\bon[a-z]+\s*="
    r"|\bhref\s*=\s*[\"']?(?!#)",
    re.IGNORECASE,
)


class ActiveContent(HTMLParser):
    """The first thing in a piece of HTML that is not on the inert lists ("" if there is none).

    Anything this parser does not read as plain text or a known tag counts as active: a comment,
    a declaration, or a `<` left in the text (where a browser's parser might see a tag)."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.found = ""

    def note(self, what: str) -> None:
        self.found = self.found or what

    def handle_starttag(self, tag, attrs):
        if tag not in INERT_TAGS:
            self.note(f"{tag} element")
        allowed = INERT_ATTRIBUTES["*"] | INERT_ATTRIBUTES.get(tag, set())
        for name, value in attrs:
            if name not in allowed:
                self.note(f"{name} attribute")
            elif name == "style" and not INERT_STYLE.match(value or ""):
                self.note("style attribute")
            elif name in URL_ATTRIBUTES and not inert_url(tag, value or ""):
                self.note(f"{name} {value[:40]}")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag not in INERT_TAGS:
            self.note(f"{tag} element")

    def handle_data(self, data):
        if "<" in data:
            self.note("markup that is not plain HTML")

    def handle_comment(self, data):
        self.note("HTML comment")

    def handle_decl(self, decl):
        self.note("declaration")

    handle_pi = unknown_decl = handle_decl


def inert_url(tag: str, value: str) -> bool:
    # browsers ignore whitespace and control characters in a URL's scheme: "java\tscript:" runs
    url = re.sub(r"[\x00-\x20\x7f]", "", html.unescape(value)).lower()
    if tag == "img" and IMAGE_SOURCE.match(url):
        return True
    scheme = SCHEME.match(url)
    if scheme:
        return scheme.group(1) in WEB_SCHEMES
    return not PAGE_SUFFIX.search(re.split(r"[?#]", url, maxsplit=1)[0])


def active_in_html(text: str) -> str:
    """What makes this HTML active, in a few words ("" if it is inert)."""
    parser = ActiveContent()
    parser.feed(text)
    parser.close()
    return re.sub(r"[^\w :./-]", "?", parser.found)


def active_in_markdown(text: str) -> str:
    """What makes this markdown active once nbconvert renders it, as the formgrader does."""
    return active_in_html(markdown2html(text))


def active_in_svg(text: str) -> str:
    # nbconvert shows SVG as an image, where scripts do not run; other viewers embed it
    return "scripting in SVG" if SVG_ACTIVE.search(text) else ""


CHECKED_OUTPUTS = {"text/html": active_in_html, "text/markdown": active_in_markdown, "image/svg+xml": active_in_svg}


def as_text(source: str, reason: str) -> str:
    """A markdown cell that shows `source` verbatim, in a code block, and says why."""
    runs = re.findall(r"~+|`+", source)
    fence = "~" * max(4, *(len(run) + 1 for run in runs)) if runs else "~~~~"
    note = f"*The autograder shows this cell as text: it held active content ({html.escape(reason)}).*"
    return f"{note}\n\n{fence}text\n{source}\n{fence}"


def inert_output(output: dict) -> None:
    """Remove from a display or result output whatever could run in a browser."""
    data = output.get("data")
    if not isinstance(data, dict):
        return
    removed = []
    for key in list(data):
        check = CHECKED_OUTPUTS.get(key)
        source = data[key] if isinstance(data[key], str) else "".join(data[key])
        if key in INERT_OUTPUTS or (check and not check(source)):
            continue
        removed.append(key)
        del data[key]
    if removed and not data:
        data["text/plain"] = f"[output not shown: it held active content ({', '.join(removed)})]"


class InertContent(NbGraderPreprocessor):
    """The last step of the autograde chain: markdown and outputs that would run in a browser are
    shown as text or removed, after nbgrader has computed and saved the grades."""

    def preprocess(self, nb, resources):
        nb.metadata.pop("widgets", None)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown":
            reason = active_in_markdown(cell.source)
            if reason:
                cell.source = as_text(cell.source, reason)
        for output in cell.get("outputs", []):
            inert_output(output)
        return cell, resources
