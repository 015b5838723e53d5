#!/usr/bin/python3
"""Makes test/fixtures/jpeg-layouts/: one small JPEG per layout libjpeg can store, and PIL's references.

Run with Debian 12's /usr/bin/python3 (PIL 9.4.0 on libjpeg62-turbo 2.1.5), cjpeg/jpegtran 2.1.5
(libjpeg-turbo-progs) and gcc + libjpeg-dev (for ycck-encode.c):

    /usr/bin/python3 tools/codecs/jpeg/make-fixtures.py
    npx biome format --write test/fixtures/jpeg-layouts/manifest.json   # the repository's JSON style

For every fixture, manifest.json records how it was made, its layout, and two PIL references:
`rgb_sha256`, the sha256 of `Image.open(f).convert('RGB')`'s bytes (full size, row-major RGB), and
`keras224_sha256`, that image resized as Keras `load_img(target_size=(224, 224))` does
(`img.resize((224, 224), Image.NEAREST)`). The photos are scikit-image's CC0 / public-domain samples.
"""

import hashlib
import json
import os
import subprocess
import sys
import tempfile

from PIL import Image, features

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..', '..'))
PHOTOS = os.path.abspath(os.path.join(ROOT, '..', 'shared', 'fixtures', 'images'))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'jpeg-layouts')

# Odd sizes, so the right and bottom MCUs are partial for every subsampling.
CROPS = {
    'chelsea': ('chelsea.png', (75, 40, 376, 247)),  # 301x207
    'coffee': ('coffee.png', (131, 61, 464, 280)),  # 333x219
    'astronaut': ('astronaut.png', (127, 9, 384, 310)),  # 257x301
}


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def crop(name, tmp):
    """Writes the crop as PPM (cjpeg's input) and returns the RGB image."""
    file, box = CROPS[name]
    img = Image.open(os.path.join(PHOTOS, file)).convert('RGB').crop(box)
    img.save(os.path.join(tmp, name + '.ppm'))
    return img


def run(args, stdin=None, tmp=None):
    return subprocess.run(args, input=stdin, stdout=subprocess.PIPE, check=True, cwd=tmp).stdout


def layout(path):
    """Component count, sampling factors and SOF type, read from the markers."""
    data = open(path, 'rb').read()
    pos = 2
    while pos < len(data):
        marker = data[pos + 1]
        length = (data[pos + 2] << 8) | data[pos + 3]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            n = data[pos + 9]
            factors = ['%dx%d' % (data[pos + 11 + 3 * c] >> 4, data[pos + 11 + 3 * c] & 15) for c in range(n)]
            return {'sof': 'C%X' % (marker - 0xC0), 'components': n, 'sampling': factors}
        pos += 2 + length
    raise ValueError('no SOF in ' + path)


def main():
    if not sys.executable.startswith('/usr/bin/python3') or not Image.__version__.startswith('9.4'):
        sys.exit('run with Debian 12\'s /usr/bin/python3 (PIL 9.4)')
    os.makedirs(OUT, exist_ok=True)
    manifest = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in CROPS:
            crop(name, tmp)
        ycck = os.path.join(tmp, 'ycck-encode')
        run(['gcc', '-O2', '-o', ycck, os.path.join(HERE, 'ycck-encode.c'), '-ljpeg'])
        with open(os.path.join(tmp, 'multiscan.txt'), 'w') as f:
            f.write('0;\n1;\n2;\n')  # sequential (baseline) but one scan per component

        def cjpeg(source, *options):
            command = ['cjpeg', '-quality', '90', *options, source + '.ppm']
            return ' '.join(command), run(command, tmp=tmp)

        def pil_cmyk(source):
            img = Image.open(os.path.join(tmp, source + '.ppm')).convert('CMYK')
            path = os.path.join(tmp, 'pil-cmyk.jpg')
            img.save(path, 'JPEG', quality=90)
            return "Image.open(%s.ppm).convert('CMYK').save(f, 'JPEG', quality=90)" % source, open(path, 'rb').read()

        def ycck_jpeg(source):
            img = Image.open(os.path.join(tmp, source + '.ppm')).convert('CMYK')
            # Adobe convention: inverted samples (PIL's CMYK -> "CMYK;I").
            raw = bytes(255 - b for b in img.tobytes())
            command = [ycck, str(img.width), str(img.height), '90']
            return 'ycck-encode.c %d %d 90 < inverted CMYK of %s' % (img.width, img.height, source), run(command, stdin=raw)

        def rotated(source):
            _, base = cjpeg(source, '-sample', '2x1')
            path = os.path.join(tmp, 'base-422.jpg')
            open(path, 'wb').write(base)
            return 'cjpeg -quality 90 -sample 2x1 %s.ppm | jpegtran -rotate 90' % source, run(['jpegtran', '-rotate', '90', path])

        makers = {
            '444.jpg': ('chelsea', lambda: cjpeg('chelsea', '-sample', '1x1')),
            '422.jpg': ('coffee', lambda: cjpeg('coffee', '-sample', '2x1')),
            '420.jpg': ('astronaut', lambda: cjpeg('astronaut', '-sample', '2x2')),
            '440.jpg': ('chelsea', lambda: cjpeg('chelsea', '-sample', '1x2')),
            '411.jpg': ('coffee', lambda: cjpeg('coffee', '-sample', '4x1')),
            '410.jpg': ('astronaut', lambda: cjpeg('astronaut', '-sample', '4x2')),
            'gray.jpg': ('astronaut', lambda: cjpeg('astronaut', '-grayscale')),
            'cmyk.jpg': ('chelsea', lambda: pil_cmyk('chelsea')),
            'ycck.jpg': ('coffee', lambda: ycck_jpeg('coffee')),
            'progressive-420.jpg': ('chelsea', lambda: cjpeg('chelsea', '-progressive', '-sample', '2x2')),
            'progressive-444.jpg': ('coffee', lambda: cjpeg('coffee', '-progressive', '-sample', '1x1')),
            'multiscan.jpg': ('astronaut', lambda: cjpeg('astronaut', '-scans', 'multiscan.txt')),
            'restart.jpg': ('coffee', lambda: cjpeg('coffee', '-restart', '1')),
            'rotated-422.jpg': ('chelsea', lambda: rotated('chelsea')),
            'arithmetic.jpg': ('astronaut', lambda: cjpeg('astronaut', '-arithmetic')),
        }
        for name, (source, make) in makers.items():
            command, data = make()
            path = os.path.join(OUT, name)
            open(path, 'wb').write(data)
            img = Image.open(path)
            mode = img.mode
            rgb = img.convert('RGB')
            small = rgb.resize((224, 224), Image.NEAREST)
            manifest[name] = {
                'source': CROPS[source][0] + ' crop ' + 'x'.join(map(str, CROPS[source][1])),
                'command': command,
                'pil_mode': mode,
                'size': list(rgb.size),
                **layout(path),
                'bytes': len(data),
                'rgb_sha256': sha256(rgb.tobytes()),
                'keras224_sha256': sha256(small.tobytes()),
            }
    manifest = {
        '_': 'made by tools/codecs/jpeg/make-fixtures.py with PIL %s, libjpeg-turbo %s' % (Image.__version__, features.version('jpg')),
        **manifest,
    }
    with open(os.path.join(OUT, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=2)
        f.write('\n')
    print('\n'.join('%s %s %s' % (k, v['sampling'], v['bytes']) for k, v in manifest.items() if k != '_'))


if __name__ == '__main__':
    main()
