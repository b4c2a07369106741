"""Serve plotly.js from the installed ``plotly`` package, so no CDN and no copy in git.

Two static paths, ``plotly/plotly.min.js`` and ``plotly/plotly-basic.min.js``. Issue #7:
``scripts/bootstrap`` fetches two official partial bundles from the npm registry, at the
version the plotly package bundles, into ``var/plotly/<version>/``:

- ``plotly.js-cartesian-dist-min`` (bar, scatter, heatmap and the other cartesian traces) is
  served as ``plotly.min.js``; only the heatmap page needs it;
- ``plotly.js-basic-dist-min`` (scatter, bar, pie) is served as ``plotly-basic.min.js``. It is
  what every other dashboard loads: a cold browser evaluates it in about half the time of the
  cartesian bundle (measured: 0.3–0.55 s against 0.8–0.95 s), and that evaluation is most of the
  time until the overview's last chart is drawn.

A path whose partial bundle is missing (no npm, fetch failed) is served from the next larger
file: basic → cartesian → the full bundle of the plotly package. Every path therefore always
exists and draws at least the traces its name promises; ``PLOTLY_BUNDLES`` says which those are
and ``tests/test_dashboards.py`` checks each page's figures against the bundle it loads.
"""

from pathlib import Path

import plotly
from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage
from plotly.offline import get_plotlyjs_version

PACKAGE_BUNDLE = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"

# static path (under plotly/) → the trace types it draws (None: every type)
PLOTLY_BUNDLES = {
    "plotly-basic.min.js": frozenset({"bar", "scatter", "pie"}),
    "plotly.min.js": None,  # the cartesian partial bundle, or the full one
}


def partial_dir() -> Path:
    return Path(settings.BASE_DIR) / "var" / "plotly" / get_plotlyjs_version()


def bundle_file(name: str) -> Path:
    """The file served as ``plotly/<name>``: its partial bundle if fetched, else the next
    larger one (basic → cartesian → the plotly package's full bundle)."""
    order = list(PLOTLY_BUNDLES)
    for candidate in order[order.index(name) :]:
        path = partial_dir() / candidate
        if path.is_file():
            return path
    return PACKAGE_BUNDLE


class PlotlyFinder(BaseFinder):
    """Expose exactly the two bundle paths, and nothing else of the package."""

    prefix = "plotly"

    def check(self, **kwargs):
        return []

    def find(self, path, find_all=False, **kwargs):
        folder, _, name = path.partition("/")
        if folder == self.prefix and name in PLOTLY_BUNDLES:
            match = str(bundle_file(name))
            return [match] if find_all else match
        return [] if find_all else None

    def list(self, ignore_patterns):
        for name in PLOTLY_BUNDLES:
            yield name, _OneFile(bundle_file(name), name, self.prefix)


class _OneFile(FileSystemStorage):
    """One file listed under the name it is served as (a fallback bundle has another name)."""

    def __init__(self, source: Path, name: str, prefix: str):
        super().__init__(location=source.parent)
        self.prefix = prefix
        self._source = source
        self._name = name

    def path(self, name):
        return str(self._source) if name == self._name else super().path(name)
