"""Prophet, the peer of bench/forecast.py: reads a JSON job on stdin, writes JSON results on stdout.

Runs inside its own virtualenv (bench/.venv-prophet, from bench/requirements-prophet.txt): Prophet is not a
steadyops dependency. The job holds the daily history (`ds`, `y`), the holidays (`holiday`, `ds`,
`lower_window`, `upper_window`, as in Prophet's documentation) and the cutoffs; for each cutoff Prophet is fitted
on the history before it and predicts `horizon` days from it. Like Prophet's own Peyton Manning example, it
models log(y) and the answer is exp of the prediction. Each fit + predict is timed here, so the timings are
Prophet's own and carry none of the process start or JSON costs.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import warnings

import numpy as np
import pandas as pd
from prophet import Prophet


def run(job: dict) -> dict:
    history = pd.DataFrame({"ds": pd.to_datetime(job["ds"]), "y": np.log(np.asarray(job["y"], dtype=float))})
    holidays = pd.DataFrame(job["holidays"]) if job.get("holidays") else None
    if holidays is not None:
        holidays["ds"] = pd.to_datetime(holidays["ds"])
    results = []
    for cutoff in job["cutoffs"]:
        training = history[history["ds"] < pd.Timestamp(cutoff)]
        future = pd.DataFrame({"ds": pd.date_range(cutoff, periods=job["horizon"], freq="D")})
        began = time.perf_counter()
        model = Prophet(holidays=holidays)
        model.fit(training)
        predicted = model.predict(future)
        seconds = time.perf_counter() - began
        results.append(
            {
                "cutoff": cutoff,
                "seconds": seconds,
                "ds": [d.strftime("%Y-%m-%d") for d in predicted["ds"]],
                "yhat": np.exp(predicted["yhat"]).tolist(),
            }
        )
    return {"results": results}


def main() -> None:
    logging.getLogger("cmdstanpy").setLevel(logging.WARNING)
    logging.getLogger("prophet").setLevel(logging.WARNING)
    warnings.simplefilter("ignore")
    job = json.load(sys.stdin)
    json.dump(run(job), sys.stdout)


if __name__ == "__main__":
    main()
