"""Serve plotly.js from the installed ``plotly`` package, so no CDN and no copy in git.

Issue #7: when ``scripts/bootstrap`` has fetched the official partial bundle
``plotly.js-cartesian-dist-min`` (bar, scatter, heatmap and the other cartesian traces; a third
of the full size) at the version the plotly package bundles, that file is served instead, at
the same URL ``plotly/plotly.min.js``. Without it the full bundle from the package is used.
"""

from pathlib import Path

import plotly
from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage
from plotly.offline import get_plotlyjs_version

PLOTLY_DIR = Path(plotly.__file__).resolve().parent / "package_data"
PLOTLY_FILE = "plotly.min.js"


def plotly_dir() -> Path:
    """The folder holding the plotly.min.js to serve: the partial bundle if fetched."""
    partial = Path(settings.BASE_DIR) / "var" / "plotly" / get_plotlyjs_version()
    return partial if (partial / PLOTLY_FILE).is_file() else PLOTLY_DIR


class PlotlyFinder(BaseFinder):
    """Expose exactly one file, ``plotly/plotly.min.js``, and nothing else of the package."""

    prefix = "plotly"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.location = plotly_dir()
        self.storage = FileSystemStorage(location=self.location)
        self.storage.prefix = self.prefix

    def check(self, **kwargs):
        return []

    def find(self, path, find_all=False, **kwargs):
        if path == f"{self.prefix}/{PLOTLY_FILE}":
            match = str(self.location / PLOTLY_FILE)
            return [match] if find_all else match
        return [] if find_all else None

    def list(self, ignore_patterns):
        yield PLOTLY_FILE, self.storage
