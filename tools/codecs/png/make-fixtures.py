#!/usr/bin/python3
"""Makes the PNG decoder's fixtures and their references with Debian's PIL 9.4 (run with /usr/bin/python3).

Every colour type x bit depth, interlaced variants, palettes with and without tRNS, odd sizes and 1-pixel
images, cut from real photos (../shared/fixtures/images, public domain). PIL writes what it can (1-bit and
8-bit grey, 16-bit grey, grey+alpha, RGB, RGBA, 1/2/4/8-bit palettes); the rest (2 and 4-bit grey, 16-bit
RGB/RGBA/grey+alpha, every interlaced file) is written here chunk by chunk with zlib, cycling through the five
row filters so each is exercised. Each reference is PIL's `Image.open(f).convert('RGB')` bytes, and
manifest.json records PIL's mode and the size. Usage: /usr/bin/python3 tools/codecs/png/make-fixtures.py
"""

import io
import json
import os
import struct
import warnings
import zlib

import numpy as np
import PIL
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
IMAGES = os.path.join(ROOT, '..', 'shared', 'fixtures', 'images')
OUT = os.path.join(ROOT, 'test', 'fixtures', 'png')

ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def chunk(kind, data):
    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xFFFFFFFF)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def filter_row(kind, row, prev, bpp):
    out = bytearray(len(row))
    for i in range(len(row)):
        a = row[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        pred = [0, a, b, (a + b) >> 1, paeth(a, b, c)][kind]
        out[i] = (row[i] - pred) & 0xFF
    return bytes([kind]) + bytes(out)


def pack_rows(samples, depth):
    """samples: (h, w, channels) integer array -> list of packed row bytes."""
    h, w, ch = samples.shape
    rows = []
    for y in range(h):
        flat = samples[y].reshape(-1)
        if depth == 16:
            rows.append(flat.astype('>u2').tobytes())
        elif depth == 8:
            rows.append(flat.astype(np.uint8).tobytes())
        else:
            per = 8 // depth
            padded = np.zeros(((len(flat) + per - 1) // per) * per, dtype=np.uint8)
            padded[: len(flat)] = flat
            packed = np.zeros(len(padded) // per, dtype=np.uint8)
            for k in range(per):
                packed |= (padded[k::per] << (8 - depth * (k + 1))).astype(np.uint8)
            rows.append(packed.tobytes())
    return rows


def image_data(samples, depth, interlace):
    h, w, ch = samples.shape
    bpp = max(1, ch * depth // 8)
    parts = []
    subimages = [samples] if not interlace else [samples[y0::dy, x0::dx] for x0, y0, dx, dy in ADAM7]
    n = 0
    for sub in subimages:
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue
        rows = pack_rows(sub, depth)
        prev = bytes(len(rows[0]))
        for row in rows:
            parts.append(filter_row(n % 5, row, prev, bpp))
            prev = row
            n += 1
    return b''.join(parts)


def write_png(samples, depth, color_type, interlace=False, palette=None, trns=None):
    h, w, _ = samples.shape
    out = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, depth, color_type, 0, 0, int(interlace)))
    if palette is not None:
        out += chunk(b'PLTE', bytes(palette))
    if trns is not None:
        out += chunk(b'tRNS', bytes(trns))
    data = zlib.compress(image_data(samples, depth, interlace), 9)
    # Two IDAT chunks, split at an odd place, so readers must join them.
    cut = len(data) // 3
    out += chunk(b'IDAT', data[:cut]) + chunk(b'IDAT', data[cut:]) + chunk(b'IEND', b'')
    return out


def photo(name, box):
    return Image.open(os.path.join(IMAGES, name)).convert('RGB').crop(box)


def pil_png(im, **params):
    buf = io.BytesIO()
    im.save(buf, 'PNG', **params)
    return buf.getvalue()


def main():
    assert PIL.__version__ == '9.4.0', PIL.__version__
    os.makedirs(OUT, exist_ok=True)
    for old in os.listdir(OUT):
        os.remove(os.path.join(OUT, old))
    warnings.simplefilter('ignore')  # PIL's advice to convert P + bytes transparency to RGBA: not wanted here
    files = {}
    crops = {
        '37x23': photo('chelsea.png', (200, 80, 237, 103)),
        '1x1': photo('chelsea.png', (220, 90, 221, 91)),
        '61x47': photo('astronaut.png', (180, 90, 241, 137)),
    }
    for size, rgb in crops.items():
        arr = np.asarray(rgb).astype(np.int64)
        grey = np.asarray(rgb.convert('L')).astype(np.int64)
        alpha = (np.arange(grey.size).reshape(grey.shape) * 37) % 256
        quant = rgb.quantize(colors=256)  # P, photo colours
        whole = size != '61x47'  # the larger crop only for interlacing (every Adam7 pass non-empty, several rows)
        # PIL writes these.
        pil_files = {}
        pil_files[f'gray1-{size}'] = pil_png(rgb.convert('1'))
        pil_files[f'gray8-{size}'] = pil_png(rgb.convert('L'))
        pil_files[f'gray16-{size}'] = pil_png(Image.fromarray((grey * 2 + 3).astype(np.uint16), 'I;16'))
        pil_files[f'graya8-{size}'] = pil_png(Image.merge('LA', [rgb.convert('L'), Image.fromarray(alpha.astype(np.uint8), 'L')]))
        pil_files[f'rgb8-{size}'] = pil_png(rgb)
        pil_files[f'rgba8-{size}'] = pil_png(Image.merge('RGBA', [*rgb.split(), Image.fromarray(alpha.astype(np.uint8), 'L')]))
        for bits in (1, 2, 4):
            pil_files[f'pal{bits}-{size}'] = pil_png(rgb.quantize(colors=2**bits), bits=bits)
        pil_files[f'pal8-{size}'] = pil_png(quant)
        pil_files[f'pal8-trns-{size}'] = pil_png(quant, transparency=bytes(range(0, 256, 2)))
        if whole:
            files.update(pil_files)
        # Written here: depths and layouts PIL does not write, and every interlaced variant.
        g = grey[:, :, None]
        lo = (np.arange(arr.size).reshape(arr.shape) * 29) % 256
        a16 = (alpha * 257 + 11)[:, :, None]
        raw = {
            'gray2': (g >> 6, 2, 0, None, None),
            'gray4': (g >> 4, 4, 0, None, None),
            'gray16w': (g * 256 + lo[:, :, :1], 16, 0, None, None),  # mostly above 255: PIL's clip
            'graya16': (np.concatenate([g * 256 + lo[:, :, :1], a16], axis=2), 16, 4, None, None),
            'rgb16': (arr * 256 + lo, 16, 2, None, None),
            'rgba16': (np.concatenate([arr * 256 + lo, a16], axis=2), 16, 6, None, None),
        }
        pal = np.asarray(quant.getpalette()[: 3 * 256], dtype=np.uint8)
        idx = np.asarray(quant).astype(np.int64)[:, :, None]
        for bits in (1, 2, 4, 8):
            # Palettes shorter than the index range: indices past the end read PIL's grey ramp.
            entries = max(1, (2**bits) * 3 // 4)
            raw[f'pal{bits}-short'] = (idx % (2**bits), bits, 3, pal[: 3 * entries], None)
        raw['pal8-trns'] = (idx, 8, 3, pal, bytes(range(255, 0, -3)))
        for name, (samples, depth, ct, plte, trns) in raw.items():
            if whole:
                files[f'{name}-{size}'] = write_png(samples, depth, ct, palette=plte, trns=trns)
        for name, (samples, depth, ct, plte, trns) in {
            'gray1': ((g >> 7), 1, 0, None, None),
            'gray8': (g, 8, 0, None, None),
            'rgb8': (arr, 8, 2, None, None),
            'rgba16': raw['rgba16'],
            'graya8': (np.concatenate([g, alpha[:, :, None]], axis=2), 8, 4, None, None),
            'pal4-short': raw['pal4-short'],
            'pal8-trns': raw['pal8-trns'],
            'gray16w': raw['gray16w'],
        }.items():
            files[f'{name}-adam7-{size}'] = write_png(samples, depth, ct, interlace=True, palette=plte, trns=trns)

    manifest = {}
    for name, data in sorted(files.items()):
        im = Image.open(io.BytesIO(data))
        mode, size, interlaced = im.mode, list(im.size), bool(im.info.get('interlace'))
        rgb = im.convert('RGB').tobytes()
        with open(os.path.join(OUT, f'{name}.png'), 'wb') as f:
            f.write(data)
        with open(os.path.join(OUT, f'{name}.rgb'), 'wb') as f:
            f.write(rgb)
        manifest[f'{name}.png'] = {'pil_mode': mode, 'size': size, 'interlaced': interlaced, 'reference': f'{name}.rgb'}
    with open(os.path.join(OUT, 'manifest.json'), 'w') as f:
        # One entry per line, as the repository's formatter (Biome) writes it.
        lines = [f'  {json.dumps(name)}: {{ {json.dumps(entry, sort_keys=True)[1:-1]} }}' for name, entry in sorted(manifest.items())]
        f.write('{\n' + ',\n'.join(lines) + '\n}\n')
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print(f'{len(manifest)} fixtures, {total} bytes in {OUT}')


if __name__ == '__main__':
    main()
