import sys

from aigov.cli import main

sys.exit(main())
