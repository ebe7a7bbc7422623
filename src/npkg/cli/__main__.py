import sys

from npkg.cli import main

sys.exit(main())
