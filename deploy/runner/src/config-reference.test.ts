import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './services.js';
import { configurationReference } from './test/config-reference.js';

const target = join(ROOT, 'docs', 'configuration.md');

describe('docs/configuration.md', () => {
  it("matches the services' configuration schemas (regenerate with `npm run docs:config`)", () => {
    if (process.env.UPDATE_CONFIG_DOCS === '1') writeFileSync(target, configurationReference());
    expect(readFileSync(target, 'utf8')).toBe(configurationReference());
  });

  it('documents every variable with a meaning', () => {
    const undocumented = configurationReference()
      .split('\n')
      .filter((line) => line.startsWith('| `') && line.endsWith('|  |'));
    expect(undocumented).toEqual([]);
  });
});
