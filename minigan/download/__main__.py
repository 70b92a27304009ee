"""``python -m minigan.download``: see :mod:`minigan.download`. (A package with this file, so that
running the command does not find the module already imported by ``minigan.data``.)"""
from . import main

main()
