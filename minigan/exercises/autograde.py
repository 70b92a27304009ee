"""What ``nbgrader autograde`` runs for the course besides its own steps (the course's
``nbgrader_config.py`` names it; needs the ``instructor`` extra, which brings nbgrader).

nbgrader gives up on a whole submission when the student's code ends the kernel (``os._exit``, a
crash, memory): no score for any cell, no feedback, and autograde fails. :class:`Execute` runs
the notebook again with that one cell replaced by an error saying so, so the cell scores 0 and
every other check is graded as usual.
"""
import copy

from nbclient.exceptions import DeadKernelError
from nbgrader.converters import Autograde
from nbgrader.preprocessors import Execute as NbgraderExecute

ENDED = ("raise RuntimeError(\"this cell ended the grading kernel (os._exit, a crash or out of "
         "memory): it is not run again and scores 0\")")


def replaced(source):
    """A cell that ended the kernel: its code kept as comments, then the one-line error."""
    return "".join(f"# {line}\n" for line in source.splitlines()) + ENDED


class Execute(NbgraderExecute):
    """nbgrader's Execute, which runs the notebook again (in a fresh kernel) with the cell that
    ended the kernel replaced by :func:`replaced`, once for each such cell."""

    def preprocess(self, nb, resources=None, km=None):
        original = copy.deepcopy(nb)
        for _ in range(len(original.cells)):
            try:
                return super().preprocess(nb, resources, km)
            except DeadKernelError:
                self.log.warning("cell %d ended the kernel; running the notebook again without it",
                                 self._running)
                cell = original.cells[self._running]
                cell.source = replaced(cell.source)
                nb = copy.deepcopy(original)
        raise DeadKernelError("every cell ended the kernel")

    def preprocess_cell(self, cell, resources, index):
        self._running = index
        return super().preprocess_cell(cell, resources, index)


def preprocessors():
    """nbgrader's autograde steps with its Execute replaced by :class:`Execute`."""
    steps = Autograde.class_traits()["autograde_preprocessors"].default()
    return [Execute if step is NbgraderExecute else step for step in steps]
