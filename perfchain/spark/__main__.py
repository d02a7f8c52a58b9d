"""`python -m perfchain.spark [--select ...]`: what `make test-spark` runs."""

import sys

from perfchain.spark.harness import main

sys.exit(main())
