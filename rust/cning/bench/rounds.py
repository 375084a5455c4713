"""The times.json of common.sh's interleaved run, per tool in the order of a round: the median
wall time over the rounds, the fastest round, the median CPU seconds (user + system) and the
median cores used ((user + system) / wall time)."""

import collections
import json
import re
import statistics

Tool = collections.namedtuple("Tool", "name median fastest cpu cores")


def medians(path):
    by_tool = {}
    for r in json.load(open(path))["results"]:
        by_tool.setdefault(re.sub(r" #\d+$", "", r["command"]), []).append(r)
    return [
        Tool(
            name,
            statistics.median(r["median"] for r in runs),
            min(r["median"] for r in runs),
            statistics.median(r["user"] + r["system"] for r in runs),
            statistics.median((r["user"] + r["system"]) / r["median"] for r in runs),
        )
        for name, runs in by_tool.items()
    ]
