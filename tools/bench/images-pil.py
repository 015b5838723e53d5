#!/usr/bin/env python3
"""The native anchor of `npm run bench:images`: what Keras's load_img does, timed in PIL (Debian's 9.4).

usage: images-pil.py RUNS WARMUP FILE...
For each file PIL can open: open, convert('RGB'), resize to 224x224 NEAREST; RUNS timed runs after WARMUP.
Prints one JSON line: {file: [ms, ...]} (files PIL cannot open map to null).
"""
import json
import sys
import time

from PIL import Image

runs, warmup, files = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
result = {}
for path in files:
    try:
        Image.open(path).size
    except Exception:
        result[path] = None
        continue
    times = []
    for i in range(warmup + runs):
        start = time.perf_counter()
        Image.open(path).convert("RGB").resize((224, 224), Image.NEAREST)
        if i >= warmup:
            times.append((time.perf_counter() - start) * 1000)
    result[path] = times
print(json.dumps(result))
