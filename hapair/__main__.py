import os
import sys

# ``python -m hapair`` puts the working directory first on the import path: a
# ``yaml.py`` or ``tomllib.py`` beside a trace would then run when hapair imports its
# libraries.  Opening a file never runs code the user did not name: the working
# directory is not an import path here (hapair itself is already imported from its
# installed place).
sys.path[:] = [p for p in sys.path if p not in ("", ".", os.getcwd())]

from hapair.cli import main  # noqa: E402

sys.exit(main())
