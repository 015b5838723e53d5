/** The one problem catalogue: every kind has an error status and a title, and every kind is one a route documents. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROBLEM_KINDS, PROBLEMS, ProblemError, problemKindOf, problemType } from '../../src/contract/problems.ts';
import { createApp } from '../../src/http/app.ts';
import { knownProblem } from '../../src/http/errors.ts';
import { DEFAULT_LIMITS } from '../../src/http/limits.ts';
import { problemResponse } from '../../src/http/problem.ts';
import { MODELS } from '../../src/models.ts';

describe('problem catalogue', () => {
  it('is the table in docs/api.md: every kind with its status and title, and no other', () => {
    const rows = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8').matchAll(/^\| `([a-z-]+)` \| (\d{3}) \| ([^|]+) \|/gm);
    const documented = Object.fromEntries(
      [...rows].map(([, kind, status, title]) => [kind, { status: Number(status), title: title!.trim() }]),
    );
    expect(documented).toEqual(
      Object.fromEntries(PROBLEM_KINDS.map((kind) => [kind, { status: PROBLEMS[kind].status, title: PROBLEMS[kind].title }])),
    );
  });

  it('gives each kind an error status, a title and a type URL that names it', () => {
    expect(PROBLEM_KINDS.length).toBeGreaterThan(20);
    for (const kind of PROBLEM_KINDS) {
      const { status, title } = PROBLEMS[kind];
      expect(status >= 400 && status < 600, kind).toBe(true);
      expect(title.length, kind).toBeGreaterThan(5);
      expect(problemKindOf(problemType(kind))).toBe(kind);
    }
    expect(problemKindOf('https://example.com/problems/busy')).toBeUndefined();
    expect(problemKindOf(`${problemType('busy')}-not`)).toBeUndefined();
  });

  it('answers a kind with its status and title, and a ProblemError from a service the same way', async () => {
    const response = problemResponse('k-too-large', 'k is 200', { limit: 100 });
    expect(response.status).toBe(422);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toEqual({
      type: problemType('k-too-large'),
      status: 422,
      title: PROBLEMS['k-too-large'].title,
      detail: 'k is 200',
      limit: 100,
    });
    const fromService = knownProblem(new ProblemError('busy', 'try later', {}, { 'retry-after': '2' }))!;
    expect(fromService.status).toBe(503);
    expect(fromService.headers.get('retry-after')).toBe('2');
    expect(((await fromService.json()) as { title: string }).title).toBe(PROBLEMS.busy.title);
  });

  it('every kind but the no-route 404 is documented on some route of /openapi.json', async () => {
    const model = MODELS.find((m) => m.id === 'vgg16-narrow-synthetic')!;
    const app = createApp({ model, models: MODELS, extractor: () => Promise.reject(new Error('unused')), limits: DEFAULT_LIMITS });
    const text = await (await app.request('/openapi.json')).text();
    const documented = new Set([...text.matchAll(/`([a-z-]+)`: /g)].map((m) => m[1]));
    expect(PROBLEM_KINDS.filter((kind) => !documented.has(kind))).toEqual(['not-found']);
  });
});
