"""The startup baseline: the smallest FastAPI app answering /healthz, served by Uvicorn like `citybase serve`.

Run as a script (`python bench/minimal_app.py --port 8765`) so it starts the way the benchmark starts
CityBase: a fresh interpreter that imports FastAPI and Uvicorn and nothing else.
"""

from __future__ import annotations

import argparse

import uvicorn
from fastapi import FastAPI

app = FastAPI(title="baseline")


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    # The same Uvicorn options `citybase serve` uses by default.
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", access_log=False)


if __name__ == "__main__":
    main()
