"""Where a trained screening model lives and what its directory holds.

Apart from runtime.py so that what only names the files (the deploy checks, the cut pages) does not import the
model's libraries: every process loads those modules at start, and scikit-learn with SciPy is a second of imports.
"""

from pathlib import Path

SHIPPED_DIR = Path(__file__).resolve().parent / "shipped"
CONFIG = "config.json"
WEIGHTS = "weights.npz"
MANIFEST = "MANIFEST.json"
