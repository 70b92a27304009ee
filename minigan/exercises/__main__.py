"""``python -m minigan.exercises``: write the student version of lessons (see :mod:`.student`);
``python -m minigan.exercises course``: make an nbgrader course folder (see :mod:`.course`)."""
import sys

if sys.argv[1:2] == ["course"]:
    from .course import main
    main(sys.argv[2:])
else:
    from .student import main
    main()
