/** docs/configuration.md is what `npm run docs:config` writes from the schema: editing one without the other fails. */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { VARIABLES } from '../../src/config/index.ts';
import { CONFIGURATION_DOC, renderConfigurationDoc } from '../../tools/config/docs.ts';

describe('docs/configuration.md', () => {
  it('matches what npm run docs:config generates (run it after changing src/config)', async () => {
    expect(await readFile(CONFIGURATION_DOC, 'utf8')).toBe(renderConfigurationDoc());
  });

  it('has a row for every variable, with its default', () => {
    const doc = renderConfigurationDoc();
    for (const [name, spec] of Object.entries(VARIABLES)) {
      expect(doc).toMatch(new RegExp(`^\\| \`${name}\`.*?\\| ${spec.default === '' ? 'blank' : `\`${spec.default}\``} \\|`, 'm'));
    }
  });
});
