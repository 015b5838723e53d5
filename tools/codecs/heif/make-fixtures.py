#!/usr/bin/python3
"""Makes the AVIF / HEIC fixtures in test/fixtures/heif/ and their references (run with Debian's /usr/bin/python3).

Sources: chelsea.png and chelsea-rgba.png from ../shared/fixtures/images (scikit-image, CC0), scaled with PIL.
Encoders: avifenc (libavif 0.11.1, aom) and heif-enc (libheif 1.15.1, x265). References: avifdec --depth 8
(AVIF) and heif-convert (HEIC; it applies irot/imir) to PNG, then PIL 9.4 `Image.open(png).convert('RGB')`,
stored as raw row-major RGB bytes (`<name>.rgb`), plus for two fixtures PIL's 224x224 NEAREST array
(`<name>.224.rgb.gz`). heif-enc cannot write irot/imir, so this script inserts those boxes itself.
Writes manifest.json (sizes, sha256 of every file, tool versions). CI never runs this: the outputs are committed.

Usage: /usr/bin/python3 tools/codecs/heif/make-fixtures.py [shared-images-dir]
"""
import gzip
import hashlib
import json
import os
import struct
import subprocess
import sys
import tempfile

from PIL import Image

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'heif')
SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, '..', 'shared', 'fixtures', 'images')
SIZE = (121, 81)  # odd on purpose: chroma subsampling of the last column / row


def run(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def version(*args):
    out = subprocess.run(args, capture_output=True, text=True)
    lines = (out.stdout + out.stderr).splitlines()
    return next(line.strip() for line in lines if 'ersion' in line)


# ---- ISO-BMFF editing: add irot / imir to the primary item of a HEIF file ----------------------------------

def boxes(data, start, end):
    at = start
    while at < end:
        size, kind = struct.unpack('>I4s', data[at:at + 8])
        yield kind.decode('latin1'), at, size
        at += size


def find(data, start, end, kind):
    for k, at, size in boxes(data, start, end):
        if k == kind:
            return at, size
    raise KeyError(kind)


def add_transforms(data, props):
    """Appends `props` (encoded boxes) to ipco and associates them with the primary item; shifts iloc offsets."""
    meta_at, meta_size = find(data, 0, len(data), 'meta')
    inner = meta_at + 12
    pitm_at, _ = find(data, inner, meta_at + meta_size, 'pitm')
    primary = struct.unpack('>H', data[pitm_at + 12:pitm_at + 14])[0]
    iprp_at, iprp_size = find(data, inner, meta_at + meta_size, 'iprp')
    ipco_at, ipco_size = find(data, iprp_at + 8, iprp_at + iprp_size, 'ipco')
    ipma_at, ipma_size = find(data, iprp_at + 8, iprp_at + iprp_size, 'ipma')
    assert data[ipma_at + 8] == 0 and data[ipma_at + 11] & 1 == 0, 'ipma version 0, 7-bit indices only'
    n_props = sum(1 for _ in boxes(data, ipco_at + 8, ipco_at + ipco_size))
    added = b''.join(props)
    # Rebuild ipma with the new property indices (1-based, essential bit set) on the primary item.
    count = struct.unpack('>I', data[ipma_at + 12:ipma_at + 16])[0]
    at = ipma_at + 16
    entries = b''
    for _ in range(count):
        item, n = struct.unpack('>HB', data[at:at + 3])
        assoc = data[at + 3:at + 3 + n]
        if item == primary:
            assoc += bytes(0x80 | (n_props + 1 + i) for i in range(len(props)))
        entries += struct.pack('>HB', item, len(assoc)) + assoc
        at += 3 + n
    ipma = struct.pack('>I4sI', 0, b'ipma', 0) + struct.pack('>I', count) + entries
    ipma = struct.pack('>I', len(ipma)) + ipma[4:]
    ipco = struct.pack('>I4s', ipco_size + len(added), b'ipco') + data[ipco_at + 8:ipco_at + ipco_size] + added
    between = data[ipco_at + ipco_size:ipma_at]
    iprp_body = data[iprp_at + 8:ipco_at] + ipco + between + ipma + data[ipma_at + ipma_size:iprp_at + iprp_size]
    iprp = struct.pack('>I4s', 8 + len(iprp_body), b'iprp') + iprp_body
    grow = len(iprp) - iprp_size
    meta = bytearray(data[meta_at:iprp_at] + iprp + data[iprp_at + iprp_size:meta_at + meta_size])
    struct.pack_into('>I', meta, 0, meta_size + grow)
    # iloc (version 0/1, offset_size 4) holds absolute offsets into mdat, which now moves by `grow`.
    iloc_rel, _ = find(bytes(meta), 12, len(meta), 'iloc')
    version_ = meta[iloc_rel + 8]
    sizes = meta[iloc_rel + 12]
    offset_size, length_size, base_size = sizes >> 4, sizes & 15, meta[iloc_rel + 13] >> 4
    assert offset_size == 4 and base_size in (0, 4) and version_ in (0, 1)
    at = iloc_rel + 14
    n_items = struct.unpack('>H', meta[at:at + 2])[0]
    at += 2
    for _ in range(n_items):
        at += 2
        method = 0
        if version_ == 1:
            method = struct.unpack('>H', meta[at:at + 2])[0] & 15
            at += 2
        shift = grow if method == 0 else 0  # method 1 (idat) offsets are relative to the idat box
        at += 2  # data_reference_index
        if base_size:
            base = struct.unpack('>I', meta[at:at + 4])[0]
            struct.pack_into('>I', meta, at, base + shift)
            at += 4
        extents = struct.unpack('>H', meta[at:at + 2])[0]
        at += 2
        for _ in range(extents):
            if not base_size:
                off = struct.unpack('>I', meta[at:at + 4])[0]
                struct.pack_into('>I', meta, at, off + shift)
            at += offset_size + length_size
    return data[:meta_at] + bytes(meta) + data[meta_at + meta_size:]


def irot(angle):
    return struct.pack('>I4sB', 9, b'irot', angle & 3)


def imir(mode):
    return struct.pack('>I4sB', 9, b'imir', mode & 1)


# ---- references ------------------------------------------------------------------------------------------

def reference(png_path, name, nearest224=False):
    img = Image.open(png_path).convert('RGB')
    with open(os.path.join(OUT, name + '.rgb'), 'wb') as f:
        f.write(img.tobytes())
    entry = {'width': img.width, 'height': img.height}
    if nearest224:
        small = img.resize((224, 224), Image.NEAREST)
        with gzip.GzipFile(os.path.join(OUT, name + '.224.rgb.gz'), 'wb', mtime=0) as f:
            f.write(small.tobytes())
    return entry


def main():
    os.makedirs(OUT, exist_ok=True)
    tmp = tempfile.mkdtemp()
    def scaled(name, mode):
        # No ICC profile in the sources: libpng in heif-convert refuses the one chelsea.png carries.
        img = Image.open(os.path.join(SRC, name)).convert(mode).resize(SIZE, Image.LANCZOS)
        img.info = {}
        path = os.path.join(tmp, name)
        img.save(path)
        return path

    src = scaled('chelsea.png', 'RGB')
    src_rgba = scaled('chelsea-rgba.png', 'RGBA')
    src2 = scaled('coffee.png', 'RGB')  # second frame of the sequence, same size

    manifest = {'tools': {}, 'fixtures': {}}
    manifest['tools']['avifenc'] = version('avifenc', '--version')
    manifest['tools']['heif-enc'] = version('heif-enc', '--help')
    manifest['tools']['heif-convert'] = version('heif-convert', '--help')
    manifest['tools']['PIL'] = Image.__version__

    def avif(name, args, inputs, ref_args=(), nearest=False, display=None):
        path = os.path.join(OUT, name + '.avif')
        run('avifenc', '-s', '6', '--min', '20', '--max', '30', *args, *inputs, path)
        png = os.path.join(tmp, name + '.png')
        run('avifdec', '--depth', '8', *ref_args, path, png)
        manifest['fixtures'][name + '.avif'] = {'stored': reference(png, name, nearest)}
        if display:  # the displayed image (irot/imir applied): heif-convert (libheif + dav1d) applies them
            png2 = os.path.join(tmp, name + '-display.png')
            run('heif-convert', path, png2)
            manifest['fixtures'][name + '.avif']['display'] = reference(png2, name + '.display')

    avif('avif-8bit-420', ['-d', '8', '-y', '420'], [src], nearest=True)
    avif('avif-10bit-420', ['-d', '10', '-y', '420'], [src])
    avif('avif-12bit-444', ['-d', '12', '-y', '444'], [src])
    avif('avif-8bit-444', ['-d', '8', '-y', '444'], [src])
    avif('avif-alpha', ['-d', '8', '-y', '420'], [src_rgba])
    avif('avif-irot1-imir1', ['-d', '8', '-y', '420', '--irot', '1', '--imir', '1'], [src], display=True)
    avif('avif-sequence', ['-d', '8', '-y', '420', '--fps', '2'], [src, src2])

    def heic(name, args, source, props=None, nearest=False):
        path = os.path.join(OUT, name + '.heic')
        run('heif-enc', '-q', '60', *args, '-o', path, source)
        png = os.path.join(tmp, name + '.png')
        run('heif-convert', path, png)
        entry = {'stored': reference(png, name, nearest)}
        if props:
            with open(path, 'rb') as f:
                edited = add_transforms(f.read(), props)
            with open(path, 'wb') as f:
                f.write(edited)
            png2 = os.path.join(tmp, name + '-display.png')
            run('heif-convert', path, png2)
            entry['display'] = reference(png2, name + '.display')
        manifest['fixtures'][name + '.heic'] = entry

    heic('heic-8bit', [], src, nearest=True)
    src16 = os.path.join(tmp, 'chelsea16.png')  # a 16-bit RGB PNG for a 10-bit HEIC (PIL cannot write one)
    run('avifenc', '-l', '-d', '12', src, os.path.join(tmp, 'lossless.avif'))
    run('avifdec', '--depth', '16', os.path.join(tmp, 'lossless.avif'), src16)
    heic('heic-10bit', ['-b', '10'], src16)
    heic('heic-alpha', [], src_rgba)
    heic('heic-irot3-imir0', [], src, props=[irot(3), imir(0)])

    # Large but tiny files (a smooth gradient, 2400x1800 = 4.3 MP): tests rewrite their ispe to a small size to
    # check that a decoder is stopped when the coded image is far larger than the header says. No references.
    grad = os.path.join(tmp, 'gradient.png')
    Image.linear_gradient('L').resize((2400, 1800), Image.BILINEAR).convert('RGB').save(grad)
    run('avifenc', '-s', '8', '--min', '40', '--max', '63', '-d', '8', '-y', '420', grad, os.path.join(OUT, 'gradient-4mp.avif'))
    run('heif-enc', '-q', '10', '-o', os.path.join(OUT, 'gradient-4mp.heic'), grad)

    total = 0
    for name in sorted(os.listdir(OUT)):
        if name in ('manifest.json', 'README.md'):
            continue
        with open(os.path.join(OUT, name), 'rb') as f:
            data = f.read()
        total += len(data)
        manifest.setdefault('sha256', {})[name] = hashlib.sha256(data).hexdigest()
    manifest['totalBytes'] = total
    with open(os.path.join(OUT, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=2, sort_keys=True)
        f.write('\n')
    print(f'{len(manifest["sha256"])} files, {total} bytes')


if __name__ == '__main__':
    main()
