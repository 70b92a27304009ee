"""Build the course website: ``python site/build.py`` writes it into ``_site/``.

    MINIGAN_FAST=1 python site/build.py          # what CI builds: short training runs (~2-3 min)
    python site/build.py                         # full length: the figures a reader should see
    python -m http.server -d _site               # then open http://127.0.0.1:8000

Needs the ``site`` extra (``pip install -e ".[site]"``) and MNIST (``MINIGAN_DATA_DIR``).

What it does, in order:

1. Executes every ``lessons/*.ipynb`` with its solutions, headless, in this interpreter's
   ``python3`` kernel, so the pages show the figures and numbers the prose talks about. The
   kernel always gets the inline matplotlib backend: under ``MPLBACKEND=Agg`` (which CI exports) a
   chapter that does not say ``%matplotlib inline`` would otherwise show no figure at all.
   Results are cached in ``_build/site/cache`` under a key of the notebook, the library's source
   and the environment variables the chapters read.
2. Replaces every solution (``### BEGIN SOLUTION`` ... ``### END SOLUTION``) in the shown code
   by the stub the student gets (:func:`minigan.exercises.strip_solutions`), and adds a link to
   the chapter's student notebook and to all of them as one zip.
3. Copies every ``docs/*.md`` and ``benchmarks/RESULTS.md`` (with its figures), and makes a page
   for every other repository file that a page names, so that each name is a link to the site.
4. Runs Sphinx (myst-nb, sphinx-book-theme, sphinx-copybutton, MathJax served from the site) with
   warnings as errors.

It prints one line per chapter, with its time, as it goes.
"""
import argparse
import hashlib
import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))           # this checkout's minigan, as the tests use it

from minigan.exercises import (  # noqa: E402
    BEGIN, strip_hidden_tests, strip_solutions, student_version)

INLINE = "module://matplotlib_inline.backend_inline"
ZIP = "minigan-student-notebooks.zip"
LINK = re.compile(r"(?<!!)\[([^\]]+)\]\(([^)\s]+)\)")   # a Markdown link, not an image
CODE = re.compile(r"`([^`\n]+)`")                          # inline code
PATH = re.compile(r"(?<![\w/.:@-])(?:[\w.-]+/)*[\w-]+\.\w+(?![\w/])")  # a file's path in words
FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.MULTILINE | re.DOTALL)
LANGUAGES = {".py": "python", ".json": "json", ".toml": "toml", ".sh": "bash", ".cfg": "ini",
             ".yml": "yaml", ".yaml": "yaml", ".ipynb": "json", ".md": "markdown"}

# Run first in the kernel, then removed: the chapters must import *this* minigan.
SAME_PYTHON = f"""
import sys
assert sys.prefix == {sys.prefix!r}, (
    f"the 'python3' Jupyter kernel runs {{sys.executable}}, not {sys.executable!r}: "
    "reinstall it from this environment: python -m ipykernel install --sys-prefix")

# Every PNG a chapter draws records the height of its smallest text, in the PNG's pixels:
# tests/test_site.py checks that it reads as 9 pt or more at the width the page shows it.
import matplotlib.text
from matplotlib.backends.backend_agg import FigureCanvasAgg as _Agg
_png, _text_draw, _print_png = [None], matplotlib.text.Text.draw, _Agg.print_png
def _text_draw_recorded(self, renderer):
    if _png[0] is not None and self.get_visible() and self.get_text().strip():
        px = renderer.points_to_pixels(self.get_fontsize())
        if px < float(_png[0].get("minigan:smallest-text-px", "inf")):
            _png[0]["minigan:smallest-text-px"] = f"{{px:.2f}}"
    return _text_draw(self, renderer)
_text_draw_recorded._supports_rasterization = True
def _print_png_with_text_size(self, filename_or_obj, *, metadata=None, pil_kwargs=None,
                              **_ignored):     # dpi, orientation...: what Agg's print_png drops
    outer, _png[0] = _png[0], dict(metadata or {{}})     # filled while the figure is drawn
    try:
        return _print_png(self, filename_or_obj, metadata=_png[0], pil_kwargs=pil_kwargs)
    finally:
        _png[0] = outer
matplotlib.text.Text.draw = _text_draw_recorded
_Agg.print_png = _print_png_with_text_size
"""


class BuildError(Exception):
    """A chapter failed or the site is inconsistent; the message says which and why."""


def source_of(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def cache_key(path):
    """Changes when the notebook, the library or anything the chapters read from the
    environment changes (jupyter-cache would only hash the notebook)."""
    h = hashlib.sha256(path.read_bytes())
    for f in sorted((ROOT / "minigan").rglob("*.py")):
        h.update(f.read_bytes())
    for var in ("MINIGAN_FAST", "MINIGAN_DATA_DIR"):
        h.update(f"{var}={os.environ.get(var)}".encode())
    h.update(sys.prefix.encode())
    h.update(SAME_PYTHON.encode())       # what the kernel runs first (the figures' text sizes)
    return h.hexdigest()[:16]


def execute(path, cache_dir):
    """The notebook at ``path`` executed with its solutions, as nbformat 4 JSON (a dict)."""
    import nbclient
    import nbformat
    cached = cache_dir / f"{path.stem}-{cache_key(path)}.ipynb"
    if cached.exists():
        return json.loads(cached.read_text()), True
    from traitlets.config import Config
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(SAME_PYTHON.strip()))
    # The kernel talks over local sockets (IPC) in a folder of its own: over TCP it would print a
    # warning about unencrypted traffic for every chapter.
    sockets = tempfile.mkdtemp(prefix="minigan-kernel-")
    # The debugger of older ipykernels (6.5.1, the floor) prints four lines about frozen modules for
    # every kernel it starts; this makes them debug lines, which are not shown.
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    ipc = Config({"KernelManager": {"transport": "ipc", "ip": os.path.join(sockets, "kernel")}})
    client = nbclient.NotebookClient(nb, timeout=3600, kernel_name="python3", config=ipc,
                                     resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as err:
        failed = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code" and any(
            o.output_type == "error" for o in c.outputs)), None)
        where = "a cell" if failed is None else f"cell {failed - 1} (0-based, markdown included)"
        message = re.sub(r"\x1b\[[0-9;]*m", "", str(err))
        raise BuildError(f"{path.name}: {where} raised\n{message}") from None
    finally:
        shutil.rmtree(sockets, ignore_errors=True)
    nb.cells.pop(0)
    cache_dir.mkdir(parents=True, exist_ok=True)
    data = json.loads(nbformat.writes(nb))
    cached.write_text(json.dumps(data))
    return data, False


def shown_version(executed, name):
    """The executed chapter as the site shows it: every solution replaced by the student's stub
    (outputs kept), and a paragraph linking the student notebooks after the title."""
    nb = json.loads(json.dumps(executed))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":     # the student's stub; no grader's hidden test
            cell["source"] = strip_hidden_tests(strip_solutions(source_of(cell)))
    links = (f'<p class="student-links">Work through this chapter yourself: download '
             f'<a href="../student/{name}" download>its student notebook</a>, or '
             f'<a href="../{ZIP}" download>every chapter as one zip</a>. The exercises there are '
             'blank, as they are in the code below; this page was run with the course\'s own '
             'answers, so its checks print "correct".</p>')
    at = next((i + 1 for i, c in enumerate(nb["cells"]) if c["cell_type"] == "markdown"), 0)
    nb["cells"].insert(at, {"cell_type": "markdown", "id": "student-links", "metadata": {},
                           "source": links})
    return nb


def repository_files():
    """Every file of the repository (tracked, or new and not ignored), as posix paths."""
    try:
        run = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                             cwd=ROOT, capture_output=True, text=True, check=True)
        names = set(run.stdout.splitlines())
    except (OSError, subprocess.CalledProcessError):   # not a git checkout: every file but builds
        names = {f.relative_to(ROOT).as_posix() for f in ROOT.rglob("*") if f.is_file()
                 and not any(part.startswith((".", "_")) or part in {"runs", "student"}
                             for part in f.relative_to(ROOT).parts[:-1])}
    return {n for n in names if (ROOT / n).is_file()}


class Pages:
    """Where each repository file is shown on the site: every ``docs/*.md`` and
    ``benchmarks/RESULTS.md`` as a page of its own, every chapter as itself, and any other file a
    page names as a page under ``files/`` (made by :meth:`write_file_pages`)."""

    def __init__(self, lessons):
        self.files = repository_files()
        self.docs = {f"docs/{p.name}": p.stem.lower() + ".md"
                     for p in sorted((ROOT / "docs").glob("*.md"))}
        self.docs["benchmarks/RESULTS.md"] = "results.md"
        self.chapters = {f"lessons/{p.name}": f"lessons/{p.name}" for p in lessons}
        self.named = set()           # files that need a page under files/

    def resolve(self, name, base):
        """The repository file that ``name`` (as written in the file at ``base``) means, or None."""
        name = name.strip()
        if not name or " " in name or name.endswith("/"):
            return None
        for candidate in (posixpath.normpath(posixpath.join(posixpath.dirname(base), name)),
                          name, name + ".ipynb", "minigan/" + name):
            if candidate in self.files or candidate in self.chapters:
                return candidate
        return None

    def page_of(self, repo_path):
        """The source path (under the site's source folder) of the page showing ``repo_path``."""
        if repo_path in self.docs:
            return self.docs[repo_path]
        if repo_path in self.chapters:
            return self.chapters[repo_path]
        self.named.add(repo_path)
        return f"files/{repo_path}.md"

    def link(self, text, base, page):
        """``text`` (Markdown of the repository file ``base``, shown as the page ``page``) with
        every link to a repository file and every file named in inline code pointed at its page
        of the site. Fenced code is left alone."""
        here = posixpath.dirname(page)

        def url(repo_path, anchor=""):
            return posixpath.relpath(self.page_of(repo_path), here or ".") + (
                "#" + anchor if anchor else "")

        def relink(m):
            label, target = m.groups()
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                return m.group(0)
            file, _, anchor = target.partition("#")
            found = self.resolve(file, base)
            return f"[{label}]({url(found, anchor)})" if found else label

        def code(m):
            found = self.resolve(m.group(1), base)
            return f"[{m.group(0)}]({url(found)})" if found else m.group(0)

        def bare(m):
            # a path in words, or the bare name of a file at the top (pyproject.toml)
            name = m.group(0)
            found = self.resolve(name, base) if "/" in name else (name if name in self.files else None)
            return f"[{name}]({url(found)})" if found else name

        def prose(part):
            kept = []

            def keep(done):
                kept.append(done)
                return f"\0{len(kept) - 1}\0"
            # links first (their labels stay as they are), then names in inline code, then
            # names in the words (docs/PAPER.md); nothing is linked twice
            part = LINK.sub(lambda m: keep(relink(m)), part)
            part = CODE.sub(lambda m: keep(code(m)), part)
            part = PATH.sub(bare, part)
            while "\0" in part:
                part = re.sub(r"\0(\d+)\0", lambda m: kept[int(m.group(1))], part)
            return part

        out, at = [], 0
        for fence in FENCE.finditer(text):
            out += [prose(text[at:fence.start()]), fence.group(0)]
            at = fence.end()
        return "".join(out + [prose(text[at:])])

    def write_file_pages(self, src):
        """A page for every file named so far (and for those the new pages name in turn)."""
        done = set()
        while self.named - done:
            for repo_path in sorted(self.named - done):
                done.add(repo_path)
                dest = src / "files" / f"{repo_path}.md"
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_text(self.file_page(repo_path, f"files/{repo_path}.md", src))

    def file_page(self, repo_path, page, src):
        f = ROOT / repo_path
        head = (f"---\norphan: true\n---\n\n# `{repo_path}`\n\n"     # reached by links only
                "A file of the minigan repository, as it was when this site was built.\n\n")
        if f.suffix == ".md":
            return head + "---\n\n" + self.link(f.read_text(), repo_path, page)
        if f.suffix in {".png", ".jpg", ".gif", ".svg"}:
            shutil.copy(f, src / page.replace(".md", ""))
            return head + f"![{repo_path}]({Path(repo_path).name})\n"
        data = f.read_bytes()
        if b"\0" in data[:8000]:
            return head + f"It is a binary file of {len(data):,} bytes, not shown here.\n"
        text = data.decode("utf-8", errors="replace")
        if BEGIN in text:      # the site never publishes a solution region, even a test's
            return head + ("It holds the course's solution markers, so it is not shown here; "
                           "read it in the repository.\n")
        ticks = "`" * max(3, 1 + max((len(r) for r in re.findall(r"`+", text)), default=0))
        language = LANGUAGES.get(f.suffix, "text")
        return head + f"{ticks}{language}\n{text.rstrip()}\n{ticks}\n"


def title_of(text):
    found = re.search(r"^# (.+)$", text, re.MULTILINE)
    return found.group(1).strip() if found else None


def landing_page(pages, chapters):
    """site/index.md with the README's two commands put in (so the two never disagree) and the
    lists of chapters and of reference pages, each entry named by its page's title."""
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```bash\n.*?```", readme, re.DOTALL)
    if block is None:
        raise BuildError("README.md has no ```bash block with the two commands to quote")
    course = "\n".join(f"- [{title}](lessons/{path.name})" for path, title in chapters)
    reference = "\n".join(
        f"- [{title_of((ROOT / repo).read_text()) or page}]({page})"
        for repo, page in pages.docs.items())
    toc = "\n".join(page[:-3] for page in pages.docs.values())
    return ((HERE / "index.md").read_text().replace("{{ readme_commands }}", block.group(0))
            .replace("{{ chapters }}", course).replace("{{ reference }}", reference)
            .replace("{{ reference_toc }}", toc))


def doc_page(pages, repo_path, page, figures):
    """A Markdown page of the repository with every repository file it names linked to its page
    of the site (and, for the results, the figures shown)."""
    text = pages.link((ROOT / repo_path).read_text(), repo_path, page)
    if figures:
        text += "\n\n## The figures\n\n" + "\n\n".join(
            f"`figures/{f.name}`\n\n![{f.stem}](figures/{f.name})" for f in figures) + "\n"
    return text


def build(out, lessons, work, jobs_log=print):
    t0 = time.perf_counter()
    paths = sorted(lessons.glob("*.ipynb"))
    if not paths:
        raise BuildError(f"no chapters: {lessons} holds no .ipynb file")
    # The kernels inherit this environment: the inline backend whatever MPLBACKEND says.
    os.environ["MPLBACKEND"] = INLINE
    src = work / "src"
    shutil.rmtree(src, ignore_errors=True)
    (src / "lessons").mkdir(parents=True)
    (src / "_extra" / "student").mkdir(parents=True)
    shutil.copy(HERE / "conf.py", src / "conf.py")
    shutil.copytree(HERE / "_static", src / "_static")   # favicon, CSS, console, search snippets
    pages = Pages(paths)
    figures = sorted((ROOT / "benchmarks" / "figures").glob("*.png"))
    for repo_path, page in pages.docs.items():
        (src / page).write_text(doc_page(pages, repo_path, page,
                                         figures if page == "results.md" else []))
    if figures:
        shutil.copytree(ROOT / "benchmarks" / "figures", src / "figures")
    if (ROOT / "docs" / "images").is_dir():
        shutil.copytree(ROOT / "docs" / "images", src / "images")

    chapters = []
    with zipfile.ZipFile(src / "_extra" / ZIP, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in paths:
            t = time.perf_counter()
            jobs_log(f"{path.name}: ", end="", flush=True)     # the time follows when it is done
            solved = json.loads(path.read_text())
            student = json.dumps(student_version(solved), indent=1) + "\n"
            (src / "_extra" / "student" / path.name).write_text(student)
            zf.writestr(f"minigan-student-notebooks/{path.name}", student)
            executed, hit = execute(path, work / "cache")
            shown = shown_version(executed, path.name)
            page = f"lessons/{path.name}"
            for cell in shown["cells"]:
                if cell["cell_type"] == "markdown" and cell.get("id") != "student-links":
                    cell["source"] = pages.link(source_of(cell), page, page)
            chapters.append((path, title_of("\n".join(
                source_of(c) for c in shown["cells"] if c["cell_type"] == "markdown"))
                or path.stem))
            (src / page).write_text(json.dumps(shown))
            images = sum("image/png" in o.get("data", {}) for c in shown["cells"]
                         if c["cell_type"] == "code" for o in c["outputs"])
            jobs_log(f"{'cached' if hit else 'executed'} in {time.perf_counter() - t:.1f} s, "
                     f"{images} figure(s)")
    (src / "index.md").write_text(landing_page(pages, chapters))
    pages.write_file_pages(src)

    t = time.perf_counter()
    if out.exists() and any(out.iterdir()) and not (out / ".buildinfo").exists():
        raise BuildError(f"{out} exists and is not a site built before; "
                         "name an empty or new folder")
    # Sphinx writes into work/html: myst-nb puts a jupyter_execute/ folder beside its output.
    html = work / "html"
    shutil.rmtree(html, ignore_errors=True)
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W", "--keep-going", "-E",
           "-d", str(work / "doctrees"), str(src), str(html)]
    if subprocess.run(cmd).returncode != 0:
        raise BuildError("Sphinx reported the warnings above (they count as errors)")
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(html, out)
    jobs_log(f"sphinx: {time.perf_counter() - t:.1f} s; site built in "
             f"{time.perf_counter() - t0:.0f} s: open {out / 'index.html'} "
             f"(or: python -m http.server -d {out})")


def main(argv=None):
    p = argparse.ArgumentParser(prog="python site/build.py", description=__doc__.splitlines()[0])
    p.add_argument("out", nargs="?", type=Path, default=ROOT / "_site",
                   help="folder for the site (default: _site/ at the repository's root)")
    p.add_argument("--lessons", type=Path, default=ROOT / "lessons",
                   help="folder of the chapters, every *.ipynb in it (default: lessons/)")
    p.add_argument("--work", type=Path, default=ROOT / "_build" / "site",
                   help="folder for the assembled sources and the execution cache")
    args = p.parse_args(argv)
    try:
        build(args.out.resolve(), args.lessons.resolve(), args.work.resolve())
    except BuildError as err:
        print(f"python site/build.py: error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
