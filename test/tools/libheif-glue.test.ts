import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { buildGlue } from '../../tools/codecs/heif/build-libheif-glue.ts';

const require = createRequire(import.meta.url);

describe('the generated libheif glue', () => {
  it('is what tools/codecs/heif/build-libheif-glue.ts makes from the installed libheif-js', () => {
    const source = readFileSync(require.resolve('libheif-js/libheif-wasm/libheif.js'), 'utf8');
    const committed = readFileSync(new URL('../../src/core/image/vendor/libheif/libheif-glue.js', import.meta.url), 'utf8');
    expect(buildGlue(source) === committed).toBe(true);
  });

  it('has no Node branch left: no require() and no __dirname', () => {
    const committed = readFileSync(new URL('../../src/core/image/vendor/libheif/libheif-glue.js', import.meta.url), 'utf8');
    expect(committed).not.toMatch(/\brequire\(/);
    expect(committed).not.toMatch(/\b__dirname\b/);
    expect(committed).toMatch(/export default libheif;\s*$/);
  });

  it('refuses an input it does not know', () => {
    expect(() => buildGlue('var libheif = 1;')).toThrow(/sha256/);
  });
});
