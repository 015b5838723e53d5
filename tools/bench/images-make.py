#!/usr/bin/env python3
"""Makes the phone-sized photos `npm run bench:images` measures (Debian: python3-pil python3-numpy
libavif-bin libheif-examples).

usage: images-make.py SHARED_IMAGES_DIR OUT_DIR

From scikit-image's astronaut.png (public domain), upscaled with LANCZOS and given Gaussian grain (sigma 4,
seeded) so the files code like camera output rather than flat upscales:
  jpeg-12mp.jpg  4032x3024, quality 90, 4:2:0 (a 12 MP phone photo)
  jpeg-48mp.jpg  8000x6000, quality 90, 4:2:0 (a 48 MP phone photo)
  png-12mp.png   4032x3024, PIL's default compression
  avif-12mp.avif 4032x3024, avifenc 8-bit 4:2:0, quantizer 20-30 (speed 8): over the AVIF limit (refused)
  heic-12mp.heic 4032x3024, heif-enc quality 60: over the HEIC limit (refused)
  avif-2mp.avif  1632x1224 (2.0 MP, the AVIF limit), as avif-12mp
  heic-4mp.heic  2304x1728 (4.0 MP, the HEIC limit), as heic-12mp
Prints one JSON line: {name: {"path", "width", "height", "bytes"}}.
"""
import json
import os
import subprocess
import sys

import numpy as np
from PIL import Image

src_dir, out_dir = sys.argv[1], sys.argv[2]
os.makedirs(out_dir, exist_ok=True)
base = Image.open(os.path.join(src_dir, "astronaut.png")).convert("RGB")
rng = np.random.default_rng(20261207)


def photo(width, height):
    big = np.asarray(base.resize((width, height), Image.LANCZOS), dtype=np.float32)
    big += rng.normal(0, 4, big.shape).astype(np.float32)
    return Image.fromarray(np.clip(big + 0.5, 0, 255).astype(np.uint8))


made = {}


def record(name, path, size):
    made[name] = {"path": path, "width": size[0], "height": size[1], "bytes": os.path.getsize(path)}


p12 = photo(4032, 3024)
path = os.path.join(out_dir, "jpeg-12mp.jpg")
p12.save(path, "JPEG", quality=90, subsampling=2)
record("jpeg-12mp", path, p12.size)
path = os.path.join(out_dir, "png-12mp.png")
p12.save(path, "PNG")
record("png-12mp", path, p12.size)
path = os.path.join(out_dir, "avif-12mp.avif")
subprocess.run(["avifenc", "-s", "8", "--min", "20", "--max", "30", "-y", "420", "-d", "8", made["png-12mp"]["path"], path], check=True, capture_output=True)
record("avif-12mp", path, p12.size)
path = os.path.join(out_dir, "heic-12mp.heic")
subprocess.run(["heif-enc", "-q", "60", "-o", path, made["png-12mp"]["path"]], check=True, capture_output=True)
record("heic-12mp", path, p12.size)
for name, size, ext in (("avif-2mp", (1632, 1224), "avif"), ("heic-4mp", (2304, 1728), "heic")):
    png = os.path.join(out_dir, f"{name}.png")
    p12.resize(size, Image.LANCZOS).save(png, "PNG")
    path = os.path.join(out_dir, f"{name}.{ext}")
    if ext == "avif":
        subprocess.run(["avifenc", "-s", "8", "--min", "20", "--max", "30", "-y", "420", "-d", "8", png, path], check=True, capture_output=True)
    else:
        subprocess.run(["heif-enc", "-q", "60", "-o", path, png], check=True, capture_output=True)
    os.remove(png)
    record(name, path, size)
del p12
p48 = photo(8000, 6000)
path = os.path.join(out_dir, "jpeg-48mp.jpg")
p48.save(path, "JPEG", quality=90, subsampling=2)
record("jpeg-48mp", path, p48.size)
print(json.dumps(made))
