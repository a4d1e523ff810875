"""The pure core: the domain's values and the rules that make alerts of pages.

Holds the frozen values (`model`), the error tree (`errors`), the ports the
edges implement (`ports`), extraction (`extract/`), diffing, filtering,
summarising, routing, the polling cadence, digest planning, send pacing and
rendering (`render/`). It may import only the standard library's pure parts,
parsing libraries and itself: never an edge, storage, a platform, the app, an
I/O library or a clock. Time comes in as `now`; `tests/test_layers.py` holds it to that.
"""
