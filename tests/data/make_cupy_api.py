"""Write the public API of the installed CuPy to cupy_api.txt (run with a real CuPy; no GPU needed).

    python3 -m venv /tmp/venv-cupy && /tmp/venv-cupy/bin/pip install cupy-cuda12x numpy
    /tmp/venv-cupy/bin/python tests/data/make_cupy_api.py > minigan/testing/cupy_api.txt

One line per public name: ``qualified-name<TAB>kind<TAB>signature`` (the signature from
``inspect`` or, for Cython functions, from the docstring's first line; ``?`` when neither has one).
minigan's CuPy stand-in (``minigan/testing/fakecupy.py``) may expose only names listed here, with
keywords listed here, and offers every array function on it that NumPy also has (it reads the list
at import, so the list ships in the package): ``tests/test_fakecupy.py`` checks it. Regenerate when the CuPy pin changes.
"""
import inspect
import re

import cupy
import numpy

SPACES = {"cupy": cupy, "cupy.linalg": cupy.linalg, "cupy.random": cupy.random,
          "cupy.cuda.runtime": cupy.cuda.runtime, "cupy.ndarray": cupy.ndarray,
          "cupy.random.Generator": cupy.random.Generator}


def signature(obj, name):
    try:
        return str(inspect.signature(obj)).replace("\n", " ")
    except (TypeError, ValueError):
        pass
    first = (getattr(obj, "__doc__", None) or "").strip().split("\n")[0]
    m = re.match(r"[\w.]*?(\w+)(\(.*\))", first)
    return m.group(2).replace("\\*", "*") if m else "?"


def kind(obj):
    if isinstance(obj, cupy.ufunc):
        return "ufunc"
    if isinstance(obj, type):
        return "type"
    if callable(obj):
        return "function"
    if inspect.ismodule(obj):
        return "module"
    return "value"


print(f"# CuPy {cupy.__version__} (NumPy {numpy.__version__}): public names, from tests/data/make_cupy_api.py")
for space, obj in SPACES.items():
    for name in sorted(dir(obj)):
        if name.startswith("_") and not (space == "cupy.ndarray" and name.startswith("__")):
            continue
        try:
            value = getattr(obj, name)
        except Exception:  # a name that needs a GPU to read
            print(f"{space}.{name}\t?\t?")
            continue
        k = kind(value)
        sig = signature(value, name) if k in ("function", "ufunc") else ""
        extra = f"\ttypes={','.join(value.types)}" if k == "ufunc" else ""
        print(f"{space}.{name}\t{k}\t{sig}{extra}")
