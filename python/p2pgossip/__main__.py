"""`python -m p2pgossip ...` is the same as the `p2pgossip` console script."""

from .cli import main

raise SystemExit(main())
