"""Every test session gets a proof cache of its own (``checker.cache``): no verdict of a
test depends on what an earlier run left in the user's cache."""

from __future__ import annotations

import os
import tempfile

os.environ["HAPAIR_CACHE_DIR"] = tempfile.mkdtemp(prefix="hapair-test-cache-")
