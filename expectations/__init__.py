"""Great Expectations suites that gate publishing of the marts (one module per mart).

Importing the package switches Great Expectations' usage statistics off before the
library is first imported: the nightly run must not call home, and it runs offline.
"""

import os

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
