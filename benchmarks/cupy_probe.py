"""What CuPy does with NumPy-first idioms: one line per idiom, "ok" or the exception's type.

    python benchmarks/cupy_probe.py            # on real CuPy (needs a GPU)
    python benchmarks/cupy_probe.py --fake     # on minigan.testing.fakecupy, the CPU stand-in

Both must print ``benchmarks/cupy_probe.expected``: that file was written from CuPy's source
(the rules R1-R16 of the GPU research notes, issue 19), CI checks the stand-in against it
(``tests/test_fakecupy.py``), and ``benchmarks/gpu_check.py`` checks real CuPy against it. A
difference on a GPU means the stand-in (or the expectation) is wrong: fix it, not the probe.
"""
import sys

import numpy as np

if "--fake" in sys.argv[1:]:
    from minigan.testing import fakecupy as cp
else:
    import cupy as cp


def must(condition):
    if not condition:
        raise AssertionError


def idioms():
    a = cp.ones((2, 3), dtype=cp.float64)
    s = a[0, 0]
    g = cp.random.default_rng(0)
    b = cp.zeros((2, 6))
    return [
        ("R1 np.asarray(a)", lambda: np.asarray(a)),
        ("R1 np.array(a)", lambda: np.array(a)),
        ("R1 np.float32(a[0, 0])", lambda: np.float32(s)),
        ("R2 a + np.ones(3)", lambda: a + np.ones(3)),
        ("R2 np.ones(3) + a", lambda: np.ones(3) + a),
        ("R2 cp.maximum(a, np.zeros(3))", lambda: cp.maximum(a, np.zeros(3))),
        ("R2 a * [1.0, 2.0, 3.0]", lambda: a * [1.0, 2.0, 3.0]),
        ("R2 a > np.array(2.0)", lambda: a > np.array(2.0)),
        ("R2 a * np.float32(2)", lambda: must((a * np.float32(2)).dtype == np.float64)),
        ("R3 cp.multiply(a, 2.0, out=<numpy>)", lambda: cp.multiply(a, 2.0, out=np.empty((2, 3)))),
        ("R3 np.add(<numpy>, <numpy>, out=a[0])", lambda: np.add(np.ones(3), np.ones(3), out=a[0])),
        ("R3 cp.multiply(a, 2.0, out=<strided view>)", lambda: cp.multiply(a, 2.0, out=b[:, ::2])),
        ("R4 np.concatenate([a, <numpy>])", lambda: np.concatenate([a, np.ones((1, 3))])),
        ("R4 np.mean(a) is a cupy array", lambda: must(isinstance(np.mean(a), cp.ndarray))),
        ("R4 np.linalg.norm(a)", lambda: np.linalg.norm(a)),
        ("R5 a.sum() is a 0-d cupy array", lambda: must(isinstance(a.sum(), cp.ndarray) and a.sum().ndim == 0)),
        ("R5 a[0, 0] is a 0-d cupy array", lambda: must(isinstance(s, cp.ndarray) and s.ndim == 0)),
        ("R6 float(a[0, 0]), bool, int, .item(), .get(), asnumpy",
         lambda: (float(s), bool(s), int(s), s.item(), a.get(), cp.asnumpy(a))),
        ("R7 range(<0-d int array>)", lambda: range(cp.asarray(3))),
        ("R7 [1, 2, 3][<0-d int array>]", lambda: [1, 2, 3][cp.asarray(1)]),
        ("R8 2.0 in <2-d array>", lambda: 2.0 in a),
        ("R8 len(<0-d array>)", lambda: len(s)),
        ("R9 a[...] = <numpy>", lambda: a.__setitem__(Ellipsis, np.ones((2, 3)))),
        ("R9 a[...] = cp.asarray(<numpy>)", lambda: a.__setitem__(Ellipsis, cp.asarray(np.ones((2, 3))))),
        ("R9 a[0, 0] = np.float64(1)", lambda: a.__setitem__((0, 0), np.float64(1))),
        ("R10 a[np.array([0, 1])]", lambda: a[np.array([0, 1])]),
        ("R10 np.arange(5)[<cupy index>]", lambda: np.arange(5)[cp.asarray(np.array([1, 2]))]),
        ("R11 cp.concatenate([a, <numpy>])", lambda: cp.concatenate([a, np.ones((1, 3))])),
        ("R11 cp.min([1, 2, 3])", lambda: cp.min([1, 2, 3])),
        ("R11 cp.exp([1.0])", lambda: cp.exp([1.0])),
        ("R12 cp.asarray(<numpy>), cp.asarray([1, 2])", lambda: (cp.asarray(np.ones(3)), cp.asarray([1, 2]))),
        ("R13 a.max(initial=0)", lambda: a.max(initial=0)),
        ("R13 cp.add(a, 1, where=a > 0)", lambda: cp.add(a, 1, where=a > 0)),
        ("R13 cp.errstate", lambda: cp.errstate),
        ("R14 a.astype(cp.float32, casting='unsafe')", lambda: a.astype(cp.float32, casting="unsafe")),
        ("R15 Generator.normal", lambda: g.normal),
        ("R15 Generator.permutation", lambda: g.permutation),
        ("R15 Generator.random/standard_normal/integers(dtype=float32)",
         lambda: must(g.random((3,), dtype=cp.float32).dtype == np.float32
                      and g.standard_normal((3,), dtype=cp.float32).dtype == np.float32
                      and g.integers(0, 5, (3,)).shape == (3,))),
        ("R15 bit_generator.state is a method", lambda: must(callable(g.bit_generator.state))),
        ("R16 float32 array + cp.float64(3) is float64",
         lambda: must((cp.ones(3, dtype=cp.float32) + cp.float64(3)).dtype == np.float64)),
        ("R16 uint8 array + 300", lambda: cp.zeros(3, dtype=cp.uint8) + 300),
        ("R16 uint8 array += bool array stays uint8",
         lambda: must(cp.add(cp.zeros(3, dtype=cp.uint8), cp.ones(3, dtype=cp.bool_)).dtype == np.uint8)),
    ]


def main():
    for name, idiom in idioms():
        try:
            idiom()
            verdict = "ok"
        except Exception as err:  # the point: which exception CuPy raises
            verdict = type(err).__name__
        print(f"{name}: {verdict}")


if __name__ == "__main__":
    main()
