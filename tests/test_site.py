"""The course website, checked as a reader meets it: every page opened in a real headless
Chromium (Debian's ``chromium``, driven by Playwright) served from this machine.

A page fails on a request that leaves the machine, any console message or page error, an HTTP
status of 400 or more, a page that scrolls sideways at 1280 or 390 px wide, a code block without
its copy button, math left untypeset, a chapter without decoded figures, a figure whose smallest
text reads under 9 pt at the page's width, a solution in the shown code, a repository file named
without a link to its page, or a broken internal link or anchor. The site under test is ``$MINIGAN_SITE_DIR`` when set (CI
builds it first with ``MINIGAN_FAST=1 python site/build.py``); otherwise it is built here, which
takes a few minutes. Without the ``site`` extra, or without ``chromium``, these tests skip.
"""
import html
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import zipfile
from functools import partial
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "lessons").glob("*.ipynb"))
BUILD = ROOT / "site" / "build.py"
ZIP = "minigan-student-notebooks.zip"
SITE_EXTRA = 'the site needs the site extra: pip install -e ".[site]"'
for module in ("sphinx", "myst_nb", "sphinx_book_theme", "sphinx_copybutton", "nbclient",
               "nbformat", "ipykernel"):
    pytest.importorskip(module, reason=SITE_EXTRA)
pytest.importorskip("sphinx-mathjax-offline", reason=SITE_EXTRA)

from minigan.exercises import BEGIN, END, STUB, student_version  # noqa: E402

pytestmark = pytest.mark.site

# The landing page, every docs/*.md and the results as pages of their own, every chapter.
PAGES = ["index.html", "results.html"] + [
    f"{p.stem.lower()}.html" for p in sorted((ROOT / "docs").glob("*.md"))] + [
    f"lessons/{p.stem}.html" for p in LESSONS]
WIDTHS = (1280, 390)            # a laptop's browser window and a phone
SMALLEST_TEXT_CSS_PX = 12       # 9 pt


def repository_files():
    """The repository's files, as the reader would name them (tracked or new, not ignored)."""
    run = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                         cwd=ROOT, capture_output=True, text=True)
    if run.returncode != 0:
        pytest.skip("naming repository files needs a git checkout")
    return {n for n in run.stdout.splitlines() if (ROOT / n).is_file()}


def source_of(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def solution_lines(path):
    """The lines of ``path``'s solutions that appear nowhere else in its code: if the page shows
    one of them, it shows a solution."""
    cells = [source_of(c) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    inside, outside = set(), []
    for text in cells:
        in_region = False
        for line in text.splitlines():
            s = line.strip()
            if s.startswith(BEGIN) or s.startswith(END):
                in_region = s.startswith(BEGIN)
                continue
            if s and not s.startswith("#"):
                inside.add(s) if in_region else outside.append(s)
    elsewhere = "\n".join(outside)
    return {s for s in inside if s not in elsewhere}


def regions(path):
    return sum(source_of(c).count(BEGIN) for c in json.loads(path.read_text())["cells"]
               if c["cell_type"] == "code")


def build_site(out, lessons, work, env_extra):
    env = {**os.environ, **env_extra}
    run = subprocess.run([sys.executable, str(BUILD), str(out), "--lessons", str(lessons),
                          "--work", str(work)], env=env, capture_output=True, text=True)
    assert run.returncode == 0, f"site/build.py failed:\n{run.stdout}\n{run.stderr}"
    assert "Traceback" not in run.stderr, run.stderr
    # A quiet build that shows progress: one line per chapter with its time, and nothing else (no
    # kernel's warning, whatever its case: old ipykernels' debugger prints "Debugger warning: ...").
    noise = [line for line in (run.stdout + run.stderr).splitlines() if line.strip() and not
             re.match(r"\S+\.ipynb: (executed|cached) in \d+\.\d s|sphinx: .* site built in ", line)]
    assert not noise, "the build printed more than its progress:\n" + "\n".join(noise)
    for path in sorted(lessons.glob("*.ipynb")):
        assert re.search(rf"^{re.escape(path.name)}: (executed|cached) in \d+\.\d s",
                         run.stdout, re.MULTILINE), run.stdout
    return out


@pytest.fixture(scope="session")
def site(tmp_path_factory, request):
    """The built site: ``$MINIGAN_SITE_DIR``, or a FAST build made here."""
    given = os.environ.get("MINIGAN_SITE_DIR")
    if given:
        site = Path(given).resolve()
        assert (site / "index.html").is_file(), (
            f"MINIGAN_SITE_DIR={given} holds no index.html: build it first with "
            f"MINIGAN_FAST=1 python site/build.py {given}")
        return site
    data = request.getfixturevalue("shared_data_dir")   # chapters 5-7 train on MNIST
    tmp = tmp_path_factory.mktemp("site")
    return build_site(tmp / "_site", ROOT / "lessons", tmp / "work",
                      {"MINIGAN_FAST": "1", "MINIGAN_DATA_DIR": str(data)})


# ---------------------------------------------------------------- the site's files, as served

def test_the_landing_page_links_every_chapter_and_the_zip(site):
    page = (site / "index.html").read_text()
    hrefs = set(re.findall(r'href="([^"#]+)', page))
    missing = [p.name for p in LESSONS if f"lessons/{p.stem}.html" not in hrefs]
    assert not missing, f"the landing page does not link the chapters {missing}"
    assert ZIP in hrefs
    readme = (ROOT / "README.md").read_text()
    command = re.search(r"```bash\n(.*?)\n", readme).group(1)
    text = html.unescape(re.sub(r"<[^>]+>", "", page))   # the words, without highlighting
    assert command.split("&&")[-1].strip() in text, "the landing page lacks the README's commands"


def text_of(fragment):
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).replace("#", "").strip()


def test_every_chapter_is_titled_lesson_n(site):
    for path in LESSONS:
        page = (site / "lessons" / f"{path.stem}.html").read_text()
        title = text_of(re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S).group(1))
        assert title.startswith(f"Lesson {int(path.name[:2])} — "), (path.name, title)


def test_the_landing_page_says_each_heading_once_and_has_a_favicon(site):
    page = (site / "index.html").read_text()
    article = page[page.index("<article"):page.index("</article>")]
    headings = [text_of(h) for h in re.findall(
        r'<(?:h[1-6]|p class="caption)[^>]*>(.*?)</(?:h[1-6]|p)>', article, re.S)]
    assert len(headings) >= 3 and len(headings) == len(set(headings)), headings
    icon = re.search(r'<link rel="icon" href="([^"]+)"', page)
    assert icon and (site / icon.group(1)).is_file(), "no favicon: the browser asks for one and gets a 404"


def test_the_student_zip_holds_every_chapter_with_the_exercises_blank(site):
    with zipfile.ZipFile(site / ZIP) as zf:
        names = sorted(Path(n).name for n in zf.namelist())
        assert names == [p.name for p in LESSONS], "the zip must hold every chapter, no other file"
        for path in LESSONS:
            shipped = json.loads(zf.read(f"minigan-student-notebooks/{path.name}"))
            # tests/test_lessons.py runs exactly this version: every exercise "not attempted yet"
            assert shipped == student_version(json.loads(path.read_text())), path.name
            text = "\n".join(source_of(c) for c in shipped["cells"])
            assert BEGIN not in text and text.count(STUB.splitlines()[-1]) >= regions(path)
            assert not any(c.get("outputs") for c in shipped["cells"]), f"{path.name} has outputs"
            assert (site / "student" / path.name).read_bytes() == zf.read(
                f"minigan-student-notebooks/{path.name}")


def test_a_student_notebook_from_the_zip_runs_with_every_exercise_not_attempted(site, tmp_path):
    """The first chapter, as a student downloads it, run untouched: each exercise says so."""
    import nbclient
    import nbformat
    first = LESSONS[0]
    with zipfile.ZipFile(site / ZIP) as zf:
        nb = nbformat.reads(zf.read(f"minigan-student-notebooks/{first.name}").decode(), 4)
    client = nbclient.NotebookClient(nb, timeout=240, kernel_name="python3",
                                     resources={"metadata": {"path": str(ROOT / "lessons")}})
    client.execute()
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                      for o in c.outputs)
    solution_cells = sum(BEGIN in source_of(c) for c in json.loads(first.read_text())["cells"])
    assert printed.count("not attempted yet") >= solution_cells > 0, printed
    assert not re.search(r": correct\b", printed), printed


def test_no_file_of_the_site_holds_a_solution(site):
    leaks = [str(f.relative_to(site)) for f in site.rglob("*") if f.is_file()
             and f.suffix in {".html", ".ipynb", ".txt", ".js", ".json", ".md"}
             and BEGIN.encode() in f.read_bytes()]
    assert not leaks, f"solution markers published in {leaks}"
    assert not (site / "_sources").exists() or not any((site / "_sources").rglob("*.ipynb*"))


def test_a_chapter_without_the_inline_magic_shows_its_figure_under_agg(tmp_path, monkeypatch):
    """CI exports MPLBACKEND=Agg, under which plt.show() draws nothing into a notebook: the
    build must give its kernels the inline backend, or figures vanish and nothing fails."""
    import nbclient
    import nbformat
    from PIL import Image
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# A chapter\n\nThe line $y = 1 - x$ falls."),
        nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\n"
                                  "plt.plot([0, 1], [1, 0])\nplt.show()"),
        nbformat.v4.new_code_cell(f"def answer():\n    {BEGIN}\n    return 'secret-42'\n"
                                  f"    {END}"),
    ])
    lessons = tmp_path / "lessons"
    lessons.mkdir()
    nbformat.write(nb, lessons / "01_no_magic.ipynb")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    # The fault this guards against is real: the same chapter run plainly under Agg has no figure.
    plain = nbformat.read(lessons / "01_no_magic.ipynb", as_version=4)
    nbclient.NotebookClient(plain, timeout=120, kernel_name="python3").execute()
    assert not any("image/png" in o.get("data", {}) for c in plain.cells if c.cell_type == "code"
                   for o in c.outputs)

    out = build_site(tmp_path / "_site", lessons, tmp_path / "work", {"MPLBACKEND": "Agg"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_site", "lessons", "work"], (
        "the build wrote beside its output folder (myst-nb's jupyter_execute/?)")
    page = (out / "lessons" / "01_no_magic.html").read_text()
    images = [src for src in re.findall(r'<img[^>]+src="([^"]+)"', page) if "_images/" in src]
    assert len(images) == 1, f"the built chapter shows {len(images)} figures, not 1"
    with Image.open((out / "lessons" / images[0]).resolve()) as im:
        assert im.size[0] > 100 and im.size[1] > 100
    assert "secret-42" not in page and "NotImplementedError" in page


def test_the_build_links_every_repository_file_named_in_words_or_code():
    """A page's words name files as a reader writes them: a path, a name in code, or a bare
    top-level name in parentheses. Each that is a repository file becomes a link; words that
    only look like file names (np.exp, e.g.) stay as they are."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("site_build", BUILD)
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    pages = build.Pages(LESSONS)
    text = ("The marker (pyproject.toml) and `README.md` and minigan/layers.py, "
            "see docs/API.md. Not np.exp, e.g. nothing, nor minigan.train.\n\n"
            "```bash\ncat pyproject.toml\n```\n")
    out = pages.link(text, "benchmarks/RESULTS.md", "results.md")
    assert "([pyproject.toml](files/pyproject.toml.md))" in out
    assert "[`README.md`](files/README.md.md)" in out
    assert "[minigan/layers.py](files/minigan/layers.py.md)" in out
    assert "[docs/API.md](api.md)" in out
    assert "Not np.exp, e.g. nothing, nor minigan.train." in out
    assert "```bash\ncat pyproject.toml\n```" in out        # fenced code is left alone


# ---------------------------------------------------------------- in a real browser

CHECK_PAGE = """async () => {
  const r = {};
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
    r.mathjax = true;
  }
  r.math = document.querySelectorAll('.math').length;
  r.typeset = document.querySelectorAll('mjx-container').length;
  r.merror = document.querySelectorAll('mjx-merror').length;
  const body = document.querySelector('article') || document.body;
  const clone = body.cloneNode(true);
  clone.querySelectorAll('pre, code, mjx-container, .cell_output, script, style')
       .forEach(e => e.remove());
  r.prose = clone.textContent;
  const imgs = [...document.querySelectorAll('img')]
      .filter(i => !new URL(i.src).pathname.includes('/_static/'));
  await Promise.all(imgs.map(i => i.decode().catch(() => null)));
  r.images = imgs.map(i => ({src: i.src, ok: i.complete && i.naturalWidth > 0}));
  r.inputs = [...document.querySelectorAll('.cell_input')].map(e => e.innerText);
  r.links = [...document.querySelectorAll('a[href]')].map(a => a.href);
  // code blocks, and those that carry sphinx-copybutton's button
  r.blocks = document.querySelectorAll('article div.highlight').length;
  r.copyable = [...document.querySelectorAll('article div.highlight')]
      .filter(e => e.querySelector('button.copybtn')).length;
  // names in the prose (inline code and words) that are not inside a link or a code block
  const words = [];
  const walk = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const e = n.parentElement, code = e.closest('code');
    if (e.closest('a, pre, h1, script, style, mjx-container, .cell_output')) continue;
    if (code && /\\s/.test(code.textContent.trim())) continue;   // a command line, not a name
    words.push(...n.textContent.split(/[\\s,;:()"'“”‘’]+/));
  }
  r.unlinked = [...new Set(words.filter(w => /[.\\/]/.test(w)))];
  // figures: how wide each is shown against how wide it was drawn
  r.figures = [...document.querySelectorAll('article img')]
      .filter(i => new URL(i.src).pathname.includes('/_images/'))
      .map(i => ({src: new URL(i.src).pathname, shown: i.getBoundingClientRect().width,
                  natural: i.naturalWidth}));
  return r;
}"""

OVERFLOW = """() => {
  // Anything of the article reaching past the window, unless it sits in a box that scrolls
  // (a code block, an equation, a table) and that box itself fits.
  const vw = document.documentElement.clientWidth;
  const scrolls = e => {
    for (let a = e.parentElement; a; a = a.parentElement) {
      const s = getComputedStyle(a).overflowX;
      if ((s === 'auto' || s === 'scroll') && a.getBoundingClientRect().right <= vw + 1) return true;
    }
    return false;
  };
  const out = [];
  if (document.documentElement.scrollWidth > vw + 1)
    out.push(`the page is ${document.documentElement.scrollWidth} px wide`);
  for (const e of document.querySelectorAll('article *')) {
    const r = e.getBoundingClientRect();
    if (r.width > 0 && (r.right > vw + 1 || r.left < -1) && !scrolls(e))
      out.push(`${e.tagName.toLowerCase()}.${e.className} reaches ${Math.round(r.right)} px: ` +
               (e.textContent || '').trim().slice(0, 40));
  }
  return out.slice(0, 5);
}"""


def serve(directory):
    """An HTTP server for ``directory`` on 127.0.0.1, in a thread; returns (url, server)."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(directory)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{httpd.server_address[1]}", httpd


@pytest.fixture(scope="session")
def server(site):
    url, httpd = serve(site)
    yield url
    httpd.shutdown()


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason=SITE_EXTRA)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("the browser check needs Debian's chromium: apt-get install chromium")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"])
        yield b
        b.close()


def smallest_text_px(png):
    """The height of the smallest text a figure drew, in its own pixels, as site/build.py's
    kernels record it in the PNG; None when it has no such record (a picture, not a plot)."""
    from PIL import Image
    if not png.is_file():
        return None
    with Image.open(png) as im:
        value = getattr(im, "text", {}).get("minigan:smallest-text-px")
    return float(value) if value else None


def ids_of(path):
    return set(re.findall(r'\bid="([^"]+)"', path.read_text(errors="replace")))


def page_problems(browser, server, site, page, lesson=None):
    """Everything wrong with ``page`` of the site at ``server`` (files in ``site``) as a reader's
    browser sees it; ``lesson`` is the chapter's notebook when the page is a chapter."""
    problems = []
    context = browser.new_context()

    def route(r):
        url = r.request.url
        if url.startswith(server + "/") or url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            problems.append(f"request leaving the machine: {url}")
            r.abort()
    context.route("**/*", route)
    p = context.new_page()
    p.on("console", lambda m: problems.append(f"console {m.type}: {m.text}"))
    p.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    p.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))
    try:
        p.goto(f"{server}/{page}", wait_until="load")
        r = p.evaluate(CHECK_PAGE)
        for width in WIDTHS:      # the same page, in a window 1280 px wide, then a phone's
            p.set_viewport_size({"width": width, "height": 900})
            problems += [f"scrolls sideways at {width} px: {o}" for o in p.evaluate(OVERFLOW)]
        p.set_viewport_size({"width": WIDTHS[0], "height": 900})
        r["figures"] = p.evaluate(CHECK_PAGE)["figures"]     # shown widths at 1280 px
    finally:
        context.close()

    if r["copyable"] < r["blocks"]:
        problems.append(f"copy button on {r['copyable']} of {r['blocks']} code blocks")
    files = repository_files()
    names = sorted({w.rstrip(".") for w in r["unlinked"]} & files)
    if names:
        problems.append(f"repository files named without a link: {names}")
    for f in r["figures"]:
        smallest = smallest_text_px(site / unquote(f["src"]).lstrip("/"))
        if smallest is not None and f["natural"]:
            css_px = smallest * f["shown"] / f["natural"]
            if css_px < SMALLEST_TEXT_CSS_PX - 0.05:
                problems.append(f"figure text {css_px * 0.75:.1f} pt at 1280 px (under 9 pt): "
                                f"{f['src']}")

    # math: every TeX span typeset, none in error, no delimiters left in the prose
    if r["typeset"] < r["math"] or (r["math"] and not r.get("mathjax")):
        problems.append(f"untypeset math: {r['math']} TeX spans, {r['typeset']} typeset")
    if r["merror"]:
        problems.append(f"{r['merror']} MathJax errors")
    raw = re.findall(r"\$\$|\\\(|\\\[|\$[^$\n]+\$", r["prose"])
    if raw:
        problems.append(f"untypeset math in the prose: {raw[:5]}")
    problems += [f"image does not decode: {i['src']}" for i in r["images"] if not i["ok"]]
    if lesson is not None:
        # a chapter shows at least one decoded figure per cell that calls plt.show()
        cells = json.loads(lesson.read_text())["cells"]
        drawing = sum(c["cell_type"] == "code" and "plt.show()" in source_of(c) for c in cells)
        decoded = sum(i["ok"] for i in r["images"])
        if decoded < max(1, drawing):
            problems.append(f"{decoded} decoded figures, but {drawing} cells call plt.show()")
        shown = "\n".join(r["inputs"])
        leaked = sorted(s for s in solution_lines(lesson) if s in shown)
        if leaked or shown.count("raise NotImplementedError()") < regions(lesson):
            problems.append(f"visible solution: the shown code holds {leaked} and "
                            f"{shown.count('raise NotImplementedError()')} stubs for "
                            f"{regions(lesson)} exercises")
        for href in (f"{server}/student/{lesson.name}", f"{server}/{ZIP}"):
            if href not in r["links"]:
                problems.append(f"no link to {href}")
    # links within the site name existing files and anchors
    for href in r["links"]:
        if not href.startswith(server + "/"):
            continue
        parts = urlsplit(href)
        target = site / unquote(parts.path).lstrip("/")
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            problems.append(f"broken link: {href}")
        elif parts.fragment and target.suffix == ".html" and \
                unquote(parts.fragment) not in ids_of(target):
            problems.append(f"broken anchor: {href}")
    return problems


@pytest.mark.parametrize("page", PAGES)
def test_page_in_a_real_browser(page, site, server, browser):
    lesson = ROOT / "lessons" / f"{Path(page).stem}.ipynb" if page.startswith("lessons/") else None
    problems = page_problems(browser, server, site, page, lesson)
    assert not problems, f"{page}:\n" + "\n".join(problems)


FILE_PAGE = """() => {
  const vw = document.documentElement.clientWidth;
  const blocks = [...document.querySelectorAll('article div.highlight')];
  return {wide: document.documentElement.scrollWidth > vw + 1, blocks: blocks.length,
          copyable: blocks.filter(e => e.querySelector('button.copybtn')).length,
          links: [...document.querySelectorAll('a[href]')].map(a => a.href)};
}"""


def test_every_repository_file_a_page_names_has_a_page_that_passes(site, server, browser):
    """The pages under files/ show the repository files the other pages name (the link check
    of those pages proves each name leads to one). Each is opened once, on a phone's width
    (the narrower test), in one browser tab: no console message, no failed request, nothing
    wider than the phone, a copy button on its code, every link resolving."""
    pages = sorted(p.relative_to(site).as_posix() for p in (site / "files").rglob("*.html"))
    assert len(pages) >= 5, f"only {pages} show repository files: do the pages name none?"
    problems = []
    context = browser.new_context(viewport={"width": WIDTHS[-1], "height": 900})
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(server + "/")
                  else (problems.append(f"request leaving the machine: {r.request.url}"), r.abort()))
    p = context.new_page()
    p.on("console", lambda m: problems.append(f"console {m.type}: {m.text}"))
    p.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    p.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))
    try:
        for page in pages:
            p.goto(f"{server}/{page}", wait_until="load")
            r = p.evaluate(FILE_PAGE)
            if r["wide"]:
                problems.append(f"{page}: scrolls sideways at {WIDTHS[-1]} px")
            if r["copyable"] < r["blocks"]:
                problems.append(f"{page}: copy button on {r['copyable']} of {r['blocks']} code blocks")
            for href in r["links"]:
                target = site / unquote(urlsplit(href).path).lstrip("/")
                if href.startswith(server + "/") and not (target.is_file() or (target / "index.html").is_file()):
                    problems.append(f"{page}: broken link {href}")
    finally:
        context.close()
    assert not problems, "\n".join(problems)


FAULTS = {   # what is put into a good chapter page -> what the check must report
    "cdn": ('<script src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js"></script>',
            "request leaving the machine"),
    "console": ("<script>console.error('boom')</script>", "console error"),
    "console-log": ("<script>console.log('hello')</script>", "console log"),
    "overflow": ('<div style="width: 1500px">a line too wide for the page</div>', "scrolls sideways at 1280"),
    "phone": ('<div style="width: 600px">a box that fits a laptop, not a phone</div>',
              "scrolls sideways at 390"),
    "unlinked": ('<p>See <code class="docutils literal notranslate"><span class="pre">'
                 'benchmarks/RESULTS.md</span></code>.</p>', "named without a link"),
    "no-copy-button": (None, "copy button on"),
    "small-figure": (None, "under 9 pt"),
    "pageerror": ("<script>notDefinedAnywhere()</script>", "page error"),
    "missing": ('<img src="../_images/missing.png">', "HTTP 404"),
    "no-mathjax": (None, "untypeset math"),
    "link": ('<a href="nowhere.html">x</a>', "broken link"),
    "anchor": ('<a href="#no-such-section">x</a>', "broken anchor"),
    "solution": ('<div class="cell_input"><pre>{solution}</pre></div>', "visible solution"),
    "no-figures": (None, "decoded figures"),
}


def test_the_browser_check_refuses_broken_pages(site, browser, tmp_path):
    """The check is a judge: each fault put into a good chapter page must be reported, the
    same way when checked twice, and the good page must pass."""
    lesson = LESSONS[0]
    broken = tmp_path / "site"
    shutil.copytree(site, broken)
    good = (site / "lessons" / f"{lesson.stem}.html").read_text()
    solution = sorted(solution_lines(lesson), key=len)[-1]
    for name, (snippet, _) in FAULTS.items():
        if name == "no-figures":
            page = re.sub(r'<img[^>]+_images/[^>]+>', "", good)
        elif name == "no-mathjax":
            page = re.sub(r'<script[^>]+mathjax/[^>]+></script>', "", good)
        elif name == "no-copy-button":
            page = re.sub(r'<script[^>]+copybutton[^>]+></script>', "", good)
        elif name == "small-figure":      # the chapter's first figure, shown a quarter as wide
            page = re.sub(r'(<img[^>]+_images/[^>]+?)(/?>)', r'\1 style="width: 25%"\2', good, count=1)
        else:
            page = good.replace("</article>", snippet.format(solution=html.escape(solution))
                                + "</article>", 1)
        assert page != good, f"could not put the fault {name!r} into the page"
        (broken / "lessons" / f"{name}.html").write_text(page)
    url, httpd = serve(broken)
    try:
        assert page_problems(browser, url, broken, f"lessons/{lesson.stem}.html", lesson) == []
        for name, (_, expected) in FAULTS.items():
            verdicts = [page_problems(browser, url, broken, f"lessons/{name}.html", lesson)
                        for _ in range(2 if name == "cdn" else 1)]
            assert any(expected in p for p in verdicts[0]), (name, verdicts[0])
            assert all(v == verdicts[0] for v in verdicts), f"{name}: verdicts differ {verdicts}"
    finally:
        httpd.shutdown()


SEARCH_BOXES = """() => [...document.querySelectorAll(
    '.search-button__button, form.bd-search, #searchbox form')]
  .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 &&
                 getComputedStyle(e).visibility !== 'hidden'; }).length"""


def test_one_search_box_and_clean_search_snippets(site, server, browser):
    """One search box on a page, at 1280 px and on a phone; a search finds the chapters and its
    snippets are words of the page: no header buttons ("System Settings Light Dark"), no raw TeX."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    messages = []
    try:
        p = context.new_page()
        p.on("console", lambda m: messages.append(f"console {m.type}: {m.text}"))
        p.goto(f"{server}/lessons/{LESSONS[0].stem}.html", wait_until="load")
        for width in WIDTHS:
            p.set_viewport_size({"width": width, "height": 900})
            assert p.evaluate(SEARCH_BOXES) == 1, f"{p.evaluate(SEARCH_BOXES)} search boxes at {width} px"
        p.goto(f"{server}/search.html?q=discriminator", wait_until="load")
        p.wait_for_selector("#search-results p.context", timeout=30_000)
        p.wait_for_function("document.querySelector('#search-results .search-summary')"
                            " && document.querySelectorAll('#search-results li').length > 2")
        p.wait_for_timeout(1000)      # the snippets arrive one page at a time
        snippets = p.eval_on_selector_all("#search-results p.context", "ps => ps.map(p => p.textContent)")
    finally:
        context.close()
    assert len(snippets) >= 3, snippets
    dirty = [s for s in snippets if re.search(r"System Settings|Light Dark|\\\(|\\\[|\$\$", s)]
    assert not dirty, dirty
    assert not messages, messages
