"""The portal's settings for ``scripts/bench_load.py``: the same, with the two yardsticks'
addresses added (``bench_site.urls``). Never used to serve the portal."""

from pathlib import Path

from config.settings import *  # noqa: F403
from config.settings import TEMPLATES

ROOT_URLCONF = "bench_site.urls"
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], Path(__file__).parent / "templates"]
