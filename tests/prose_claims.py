"""What a chapter may say about a run's outcome (used by tests/test_lessons.py and tests/test_lesson_outputs.py).

A number beside a measure ("class KL 0.42", "98.3 % test accuracy", "FID 18.8", "132 nats") is an
outcome. In a chapter's prose it must either be what the chapter itself printed when it ran (then
the prose agrees with the reader's run), or sit in a sentence that names where it was measured (a
benchmark, ``benchmarks/RESULTS.md``, ``docs/REFERENCE_VALUES.md``, the paper, a published work).
A number typed into a ``print`` as an "anchor" must name its source the same way: otherwise the
reader takes one run's value, measured somewhere else, for a fact.
"""
import io
import re
import tokenize

MEASURE = (r"class KL|\bKL\b|\bFID\b|\bscores?\b|accuracy|\bclasses\b|\bnats\b|labels? kept|spread|"
           r"\banchor\b|\bParzen\b")
NUMBER = r"(?<![\w.\-/])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\w/])|(?<![\w.\-/])\d+(?:\.\d+)?(?![\w/])"
# A number and a measure within a few characters of each other, in either order.
CLAIM = re.compile(rf"(?P<m1>{MEASURE})[^\d\n.;:]{{0,12}}?(?P<n1>{NUMBER})|(?P<n2>{NUMBER})\s?%?[^\d\n.;:]{{0,14}}?(?P<m2>{MEASURE})",
                   re.IGNORECASE)
SOURCE = re.compile(r"RESULTS|REFERENCE_VALUES|bench_\w+|benchmarks/|Table\s?\d|\bthe paper\b|\bpaper's\b|"
                    r"Mirza|Osindero|Goodfellow|et al\.|\(\d{4}[,)]|published|pretrained/README", re.IGNORECASE)
NOT_AN_OUTCOME = re.compile(r"\btarget\b|\bshould\b|\bwould\b|\bideal\b|>=|<=|≥|≤", re.IGNORECASE)
SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(*\"])")


def _value(text):
    return float(text.replace(",", ""))


def _decimals(text):
    return len(text.split(".")[1]) if "." in text else 0


def printed_numbers(printed):
    """Every number the chapter printed, as floats."""
    return [_value(n) for n in re.findall(NUMBER, printed)]


def _agrees(number, printed):
    """True if the run printed ``number`` at the prose's precision (98.34 printed is 98.3 written)."""
    value, d = _value(number), _decimals(number)
    return any(round(p, d) == value for p in printed)


def _prose(markdown):
    """The sentences of ``markdown``, mathematics and code blocks removed (inline code stays: it
    may name a source)."""
    text = re.sub(r"\$\$.*?\$\$|\$[^$\n]*\$", " ", markdown, flags=re.DOTALL)
    text = re.sub(r"```.*?```|\n {4}[^\n]*", " ", text, flags=re.DOTALL)
    return [s for para in re.split(r"\n\s*\n", text) for s in SENTENCE.split(para.replace("\n", " "))]


def claims(sentence):
    """The numbers stated beside a measure in ``sentence`` (inline code aside: ``x[:1000]`` is no claim)."""
    return [m.group("n1") or m.group("n2") for m in CLAIM.finditer(re.sub(r"`[^`]*`", " ", sentence))]


def uncited_prose(cells, printed=None):
    """Sentences of markdown ``cells`` (nbformat cells or dicts) that state a measured number with no
    source and that the run did not print (``printed``: the chapter's printed text, None when it was
    not run). Returns ``[(cell index, number, sentence)]``."""
    numbers = printed_numbers(printed) if printed is not None else []
    found = []
    for i, cell in enumerate(cells):
        if cell["cell_type"] != "markdown":
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        for sentence in _prose(source):
            if SOURCE.search(sentence) or NOT_AN_OUTCOME.search(sentence) or sentence.lstrip().startswith("#"):
                continue
            for number in claims(sentence):
                if not _agrees(number, numbers):
                    found.append((i, number, sentence.strip()))
    return found


def _literal_text(source):
    """The text of a code cell's string literals, with f-strings' ``{...}`` fields removed: what a
    print shows that no computation produced."""
    parts = []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return []
    fstring = []
    for tok in tokens:
        name = tokenize.tok_name[tok.type]
        if name == "STRING":
            parts.append(re.sub(r"\{[^{}]*\}", " ", tok.string))
        elif name == "FSTRING_MIDDLE":          # Python 3.12+ splits f-strings into tokens
            fstring.append(tok.string)
        elif name == "FSTRING_END":
            parts.append(" ".join(fstring))
            fstring = []
    return parts


def uncited_literals(cells):
    """String literals of code ``cells`` that show a number beside a measure without naming a source
    or saying it is a target: a hard-coded anchor. Returns ``[(cell index, number, literal)]``."""
    found = []
    for i, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        source = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
        for text in _literal_text(source):
            if SOURCE.search(text) or NOT_AN_OUTCOME.search(text):
                continue
            for number in claims(text):
                found.append((i, number, text.strip()))
    return found


def report(name, problems, what):
    return f"{name}: {what}:\n" + "\n".join(f"  cell {i}: {n!r} in: {s[:220]}" for i, n, s in problems)
