"""The installed version of pairmatch, read from the package metadata (one place: the
``version`` in ``pyproject.toml``)."""

from importlib.metadata import PackageNotFoundError, version

#: The distribution pairmatch is installed as (``pip install pairmatch-care``).
DISTRIBUTION = "pairmatch-care"

try:
    __version__ = version(DISTRIBUTION)
except PackageNotFoundError:  # a source tree on sys.path without an install
    __version__ = "0+unknown"
