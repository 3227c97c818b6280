"""uvicorn's own command line with Mend's fix for ``--workers N`` sockets (app/serving.py).

    python bench/serve.py APP [uvicorn options]

Loaded by file path, not as ``app.serving``, so the benchmark can serve an older checkout's
``app`` package from its own PYTHONPATH with the same fix applied.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from uvicorn.main import main

_SERVING = Path(__file__).resolve().parents[1] / "app" / "serving.py"
_spec = importlib.util.spec_from_file_location("mend_serving", _SERVING)
assert _spec is not None and _spec.loader is not None
_serving = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_serving)
_serving.with_tcp_nodelay()

if __name__ == "__main__":
    main()
