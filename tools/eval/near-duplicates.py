#!/usr/bin/env python3
"""Near-duplicate variants of real photos, seeded, with a manifest of which file is a copy of which.

    python3 tools/eval/near-duplicates.py --out DIR [--sources N] [--variants V] [--distinct D]
                                          [--max-side PX] [--seed S] [--fixtures ../shared/fixtures]

Photos come from <fixtures>/images (one of each scene: the chelsea format variants are left out, they are
duplicates of one another) and <fixtures>/labelled/<category>/*, in a seeded order. The first N become
sources: each is written once (scaled to --max-side) plus V variants; the next D are written once, as
distinct photos that must not be grouped with anything. Each variant is one transformation, then a JPEG save:

    crop        5-20% of the area cut from the edges (random side split)
    resize      scaled to 40-80% (then back to the longest side the others have, half the time)
    jpeg        re-encoded at quality 30-90 (the only change)
    rotate      +-2..8 degrees, cropped back to the largest upright rectangle
    tone        brightness x0.7-1.3 and contrast x0.7-1.3
    screenshot  pasted on a grey/white canvas with a title bar and a border (a screenshot of a viewer)

manifest.json: {"seed", "maxSide", "files": [{"file", "bytes", "sha256", "group", "source", "transform", "params"}],
"groups": {group: [files]}}; a distinct photo is its own group of one. Needs python3-pil (Debian).
"""
import argparse
import hashlib
import io
import json
import math
import os
import random
import sys

from PIL import Image, ImageDraw, ImageEnhance

TRANSFORMS = ["crop", "resize", "jpeg", "rotate", "tone", "screenshot"]
# One photo per scene from fixtures/images (the rest are format variants of chelsea, or not photos).
SCENES = ["astronaut.png", "camera.png", "chelsea.png", "coffee.png", "hubble_deep_field.jpg", "motorcycle_left.png", "rocket.jpg"]


def photos(fixtures):
    found = [os.path.join(fixtures, "images", name) for name in SCENES]
    labelled = os.path.join(fixtures, "labelled")
    for category in sorted(os.listdir(labelled)):
        folder = os.path.join(labelled, category)
        found += [os.path.join(folder, name) for name in sorted(os.listdir(folder))]
    return [path for path in found if os.path.isfile(path)]


def load(path, max_side):
    image = Image.open(path).convert("RGB")
    scale = max_side / max(image.size)
    if scale < 1:
        image = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))), Image.LANCZOS)
    return image


def crop(image, rng):
    area = rng.uniform(0.05, 0.20)
    keep = math.sqrt(1 - area)  # the same fraction of each side
    w, h = round(image.width * keep), round(image.height * keep)
    left = rng.randint(0, image.width - w)
    top = rng.randint(0, image.height - h)
    return image.crop((left, top, left + w, top + h)), {"area": round(area, 3), "box": [left, top, left + w, top + h]}


def resize(image, rng):
    scale = rng.uniform(0.4, 0.8)
    small = image.resize((max(8, round(image.width * scale)), max(8, round(image.height * scale))), Image.BILINEAR)
    back = rng.random() < 0.5
    return (small.resize(image.size, Image.BICUBIC) if back else small), {"scale": round(scale, 3), "upscaledBack": back}


def rotate(image, rng):
    angle = rng.choice([-1, 1]) * rng.uniform(2, 8)
    turned = image.rotate(angle, resample=Image.BICUBIC, expand=False)
    # The largest axis-aligned rectangle inside the turned image (same aspect), centred.
    a = math.radians(abs(angle))
    w, h = image.size
    factor = 1 / (math.cos(a) + max(w / h, h / w) * math.sin(a))
    cw, ch = w * factor, h * factor
    box = (round((w - cw) / 2), round((h - ch) / 2), round((w + cw) / 2), round((h + ch) / 2))
    return turned.crop(box), {"degrees": round(angle, 2)}


def tone(image, rng):
    brightness, contrast = rng.uniform(0.7, 1.3), rng.uniform(0.7, 1.3)
    out = ImageEnhance.Contrast(ImageEnhance.Brightness(image).enhance(brightness)).enhance(contrast)
    return out, {"brightness": round(brightness, 3), "contrast": round(contrast, 3)}


def screenshot(image, rng):
    border = rng.randint(8, 40)
    bar = rng.randint(16, 32)
    background = rng.choice([(255, 255, 255), (240, 240, 240), (32, 33, 36), (200, 200, 200)])
    canvas = Image.new("RGB", (image.width + 2 * border, image.height + 2 * border + bar), background)
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, 0, canvas.width, bar), fill=(rng.randint(60, 90),) * 3)
    for i in range(3):  # window buttons
        draw.ellipse((6 + i * 14, bar // 2 - 4, 14 + i * 14, bar // 2 + 4), fill=[(237, 106, 94), (245, 191, 79), (98, 197, 84)][i])
    canvas.paste(image, (border, bar + border))
    return canvas, {"border": border, "titleBar": bar}


def to_json(value, indent=0, prefix=0):
    """JSON as the project's formatter (Biome) prints it: objects one key a line, scalar arrays on one line when they fit."""
    pad = "  " * indent
    if isinstance(value, dict):
        inner = [f'{pad}  {json.dumps(k)}: {to_json(v, indent + 1, len(pad) + len(json.dumps(k)) + 4)}' for k, v in value.items()]
        return "{\n" + ",\n".join(inner) + f"\n{pad}}}" if inner else "{}"
    if isinstance(value, list):
        flat = "[" + ", ".join(json.dumps(v) for v in value) + "]"
        if all(not isinstance(v, (dict, list)) for v in value) and prefix + len(flat) + 1 <= 140:
            return flat
        return "[\n" + ",\n".join(f"{pad}  {to_json(v, indent + 1, len(pad) + 2)}" for v in value) + f"\n{pad}]"
    return json.dumps(value)


def jpeg_bytes(image, quality):
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--fixtures", default=os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "fixtures"))
    parser.add_argument("--sources", type=int, default=4)
    parser.add_argument("--variants", type=int, default=4)
    parser.add_argument("--distinct", type=int, default=4)
    parser.add_argument("--max-side", type=int, default=320)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    pool = photos(args.fixtures)
    rng.shuffle(pool)
    if args.sources + args.distinct > len(pool):
        sys.exit(f"asked for {args.sources + args.distinct} photos, {len(pool)} found under {args.fixtures}")
    os.makedirs(args.out, exist_ok=True)
    files, groups = [], {}
    source_rel = lambda path: os.path.relpath(path, args.fixtures)  # noqa: E731

    def write(name, data, group, source, transform, params):
        with open(os.path.join(args.out, name), "wb") as out:
            out.write(data)
        files.append({"file": name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(), "group": group, "source": source_rel(source), "transform": transform, "params": params})
        groups.setdefault(group, []).append(name)

    for index, path in enumerate(pool[: args.sources + args.distinct]):
        is_source = index < args.sources
        group = f"{'dup' if is_source else 'solo'}-{index:03d}"
        image = load(path, args.max_side)
        write(f"{group}-original.jpg", jpeg_bytes(image, 92), group, path, "original", {"quality": 92})
        if not is_source:
            continue
        kinds = [TRANSFORMS[(index + v) % len(TRANSFORMS)] for v in range(args.variants)]
        for v, kind in enumerate(kinds):
            changed, params = {"crop": crop, "resize": resize, "rotate": rotate, "tone": tone, "screenshot": screenshot}.get(
                kind, lambda im, _r: (im, {})
            )(image, rng)
            quality = rng.randint(30, 90)
            params["quality"] = quality
            write(f"{group}-v{v}-{kind}.jpg", jpeg_bytes(changed, quality), group, path, kind, params)

    manifest = {"seed": args.seed, "maxSide": args.max_side, "sources": args.sources, "variants": args.variants,
                "distinct": args.distinct, "files": files, "groups": groups}
    with open(os.path.join(args.out, "manifest.json"), "w") as out:
        out.write(to_json(manifest) + "\n")
    print(f"{len(files)} files in {len(groups)} groups -> {args.out}")


if __name__ == "__main__":
    main()
