"""``python -m minigan.exercises``: write the student version of lessons (see :mod:`.student`)."""
from .student import main

main()
