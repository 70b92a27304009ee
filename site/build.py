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
3. Copies ``docs/API.md``, ``docs/PAPER.md`` and ``benchmarks/RESULTS.md`` (with its figures).
4. Runs Sphinx (myst-nb, sphinx-book-theme, MathJax served from the site) with warnings as errors.
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))           # this checkout's minigan, as the tests use it

from minigan.exercises import strip_hidden_tests, strip_solutions, student_version  # noqa: E402

INLINE = "module://matplotlib_inline.backend_inline"
ZIP = "minigan-student-notebooks.zip"
DOCS = {"docs/API.md": "api.md", "docs/PAPER.md": "paper.md", "benchmarks/RESULTS.md": "results.md"}
LINK = re.compile(r"(?<!!)\[([^\]]+)\]\(([^)\s]+)\)")   # a Markdown link, not an image

# Run first in the kernel, then removed: the chapters must import *this* minigan.
SAME_PYTHON = f"""
import sys
assert sys.prefix == {sys.prefix!r}, (
    f"the 'python3' Jupyter kernel runs {{sys.executable}}, not {sys.executable!r}: "
    "reinstall it from this environment: python -m ipykernel install --sys-prefix")
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
    return h.hexdigest()[:16]


def execute(path, cache_dir):
    """The notebook at ``path`` executed with its solutions, as nbformat 4 JSON (a dict)."""
    import nbclient
    import nbformat
    cached = cache_dir / f"{path.stem}-{cache_key(path)}.ipynb"
    if cached.exists():
        return json.loads(cached.read_text()), True
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(SAME_PYTHON.strip()))
    client = nbclient.NotebookClient(nb, timeout=3600, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as err:
        failed = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code" and any(
            o.output_type == "error" for o in c.outputs)), None)
        where = "a cell" if failed is None else f"cell {failed - 1} (0-based, markdown included)"
        message = re.sub(r"\x1b\[[0-9;]*m", "", str(err))
        raise BuildError(f"{path.name}: {where} raised\n{message}") from None
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


def landing_page():
    """site/index.md with the README's two commands put in, so the two never disagree."""
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```bash\n.*?```", readme, re.DOTALL)
    if block is None:
        raise BuildError("README.md has no ```bash block with the two commands to quote")
    return (HERE / "index.md").read_text().replace("{{ readme_commands }}", block.group(0))


def doc_page(src, figures):
    """A Markdown page of the repository, with links to pages of the site renamed and links to
    other repository files turned into plain text (they are not part of the site)."""
    text = (ROOT / src).read_text()
    names = {Path(k).name: v for k, v in DOCS.items()}

    def relink(m):
        label, target = m.groups()
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            return m.group(0)
        file, _, anchor = target.partition("#")
        page = names.get(Path(file).name)
        if page is None:
            return label
        return f"[{label}]({page}{'#' + anchor if anchor else ''})"
    text = LINK.sub(relink, text)
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
    (src / "index.md").write_text(landing_page())
    figures = sorted((ROOT / "benchmarks" / "figures").glob("*.png"))
    for repo_path, page in DOCS.items():
        (src / page).write_text(doc_page(repo_path, figures if page == "results.md" else []))
    if figures:
        shutil.copytree(ROOT / "benchmarks" / "figures", src / "figures")

    with zipfile.ZipFile(src / "_extra" / ZIP, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in paths:
            t = time.perf_counter()
            solved = json.loads(path.read_text())
            student = json.dumps(student_version(solved), indent=1) + "\n"
            (src / "_extra" / "student" / path.name).write_text(student)
            zf.writestr(f"minigan-student-notebooks/{path.name}", student)
            executed, hit = execute(path, work / "cache")
            shown = shown_version(executed, path.name)
            (src / "lessons" / path.name).write_text(json.dumps(shown))
            images = sum("image/png" in o.get("data", {}) for c in shown["cells"]
                         if c["cell_type"] == "code" for o in c["outputs"])
            jobs_log(f"{path.name}: {'cached' if hit else 'executed'} in "
                     f"{time.perf_counter() - t:.1f} s, {images} figure(s)")

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
