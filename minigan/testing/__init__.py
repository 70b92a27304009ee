"""Tools for testing minigan itself, kept apart from the paper's modules (as ``numpy.testing``).

    from minigan.testing import fakecupy as cp

:mod:`minigan.testing.fakecupy` is a stand-in for CuPy that computes with NumPy on the CPU and
refuses what CuPy 14 refuses, with CuPy's exception types, so that the GPU path (``backend="cupy"``,
``--backend cupy``) is checked on machines without a GPU. Its rules, in short (each rule, with the
line of CuPy's source it mirrors, is in that module's docstring):

* **Names.** It offers only names real CuPy 14.2 has, with CuPy's keywords (the list is
  ``minigan/testing/cupy_api.txt``, made from the real wheel by ``tests/data/make_cupy_api.py``).
  Every array function and ufunc on that list that NumPy also has is offered
  (:mod:`minigan.testing.cupy_names` lifts NumPy's onto the stand-in's arrays); a CuPy name it
  cannot imitate on the CPU (kernels, memory pools, streams, ...) raises ``AttributeError`` saying
  the *stand-in* lacks it, so a right answer is never blamed for the stand-in's gap.
* **Refusals.** Its arrays are not NumPy arrays: implicit conversion to NumPy, a NumPy array mixed
  into arithmetic, a host ``out=``, a non-scalar host value assigned into an array, and keywords
  CuPy lacks all raise, as on CuPy. Random generators have only CuPy's methods (no ``normal``,
  ``permutation``, ``choice``), and seeds are cut to 32 bits.
* **Counts.** Device-to-host syncs are counted in ``fakecupy.syncs``, host-to-device copies in
  ``fakecupy.copies_to_device``.
* **Limits.** It cannot catch numerics inside kernels, memory, streams or speed: the probe
  ``benchmarks/cupy_probe.py`` run on a GPU bounds its own mistakes.

It takes the place of ``cupy`` with ``fakecupy.install()``, ``with fakecupy.installed():``, the
``fake_cupy`` fixture of ``tests/conftest.py``, or ``MINIGAN_FAKE_CUPY=1`` for a command line.
``minigan.fakecupy``, its old path, still works until 0.2.0, with a ``DeprecationWarning``.
"""
