/** The configuration schema: every variable's default, a good value, a bad value and what the error says. */
import { describe, expect, it } from 'vitest';
import * as defaults from '../../src/config/defaults.ts';
import { ConfigError, readConfig, VARIABLES, type Config, type ConfigInput, type VariableName } from '../../src/config/index.ts';
import { AUTO_PREFERENCE, MODELS } from '../../src/models.ts';

const KEY = 'edge-features-test-key-0123456789';

interface Case {
  /** What an unset variable reads as. */
  readonly unset: (config: Config) => unknown;
  readonly expectedDefault: unknown;
  readonly good: string;
  readonly goodReads: unknown;
  readonly bad: string;
  /** The whole line the error gives for `bad`. */
  readonly message: string;
}

const autoModel = AUTO_PREFERENCE.find((id) => MODELS.some((m) => m.id === id));

const CASES: { readonly [K in VariableName]: Case } = {
  JOB_MAX_ITEMS: {
    unset: (c) => c.JOB_MAX_ITEMS,
    expectedDefault: 100_000,
    good: '500',
    goodReads: 500,
    bad: '0',
    message: 'JOB_MAX_ITEMS must be a positive integer (items), got "0"',
  },
  KEEP_ORIGINALS: {
    unset: (c) => c.KEEP_ORIGINALS,
    expectedDefault: true,
    good: 'false',
    goodReads: false,
    bad: 'yes',
    message: 'KEEP_ORIGINALS must be "true" or "false", got "yes"',
  },
  ORIGINALS_EVENTS: {
    unset: (c) => c.ORIGINALS_EVENTS,
    expectedDefault: 'worker',
    good: 'r2',
    goodReads: 'r2',
    bad: 'bucket',
    message: 'ORIGINALS_EVENTS must be "worker" or "r2", got "bucket"',
  },
  FETCH_TIMEOUT_MS: {
    unset: (c) => c.FETCH_TIMEOUT_MS,
    expectedDefault: 10_000,
    good: '500',
    goodReads: 500,
    bad: '-1',
    message: 'FETCH_TIMEOUT_MS must be a positive integer (milliseconds), got "-1"',
  },
  FETCH_MAX_REDIRECTS: {
    unset: (c) => c.FETCH_MAX_REDIRECTS,
    expectedDefault: 3,
    good: '0',
    goodReads: 0,
    bad: 'x',
    message: 'FETCH_MAX_REDIRECTS must be a non-negative integer (redirects), got "x"',
  },
  JOB_RETRY_DELAY_SECONDS: {
    unset: (c) => c.JOB_RETRY_DELAY_SECONDS,
    expectedDefault: 5,
    good: '0',
    goodReads: 0,
    bad: '2.5',
    message: 'JOB_RETRY_DELAY_SECONDS must be a non-negative integer (seconds), got "2.5"',
  },
  JOB_STALL_SECONDS: {
    unset: (c) => c.JOB_STALL_SECONDS,
    expectedDefault: 1800,
    good: '3',
    goodReads: 3,
    bad: '0',
    message: 'JOB_STALL_SECONDS must be a positive integer (seconds), got "0"',
  },
  MODEL_ID: {
    unset: (c) => c.MODEL_ID.model.id,
    expectedDefault: autoModel,
    good: 'vgg16-narrow-synthetic',
    goodReads: 'vgg16-narrow-synthetic',
    bad: 'vgg17',
    message: `MODEL_ID must be "auto" or a model id from models/index.json, got "vgg17": this build knows ${MODELS.map((m) => m.id).join(', ')}`,
  },
  MAX_BODY_BYTES: {
    unset: (c) => c.MAX_BODY_BYTES,
    expectedDefault: 24 * 1024 * 1024,
    good: '1048576',
    goodReads: 1048576,
    bad: '1.5',
    message: 'MAX_BODY_BYTES must be a positive integer (bytes), got "1.5"',
  },
  IMPORT_MAX_BYTES: {
    unset: (c) => c.IMPORT_MAX_BYTES,
    expectedDefault: 96 * 1024 * 1024,
    good: '1048576',
    goodReads: 1048576,
    bad: '0',
    message: 'IMPORT_MAX_BYTES must be a positive integer (bytes), got "0"',
  },
  IMPORT_MAX_ITEMS: {
    unset: (c) => c.IMPORT_MAX_ITEMS,
    expectedDefault: 200,
    good: '50',
    goodReads: 50,
    bad: 'many',
    message: 'IMPORT_MAX_ITEMS must be a positive integer (items), got "many"',
  },
  MAX_PIXELS: {
    unset: (c) => c.MAX_PIXELS,
    expectedDefault: 50_331_648,
    good: '12000000',
    goodReads: 12_000_000,
    bad: 'abc',
    message: 'MAX_PIXELS must be a positive integer (pixels), got "abc"',
  },
  MAX_BATCH: {
    unset: (c) => c.MAX_BATCH,
    expectedDefault: 8,
    good: '3',
    goodReads: 3,
    bad: '0',
    message: 'MAX_BATCH must be a positive integer (images), got "0"',
  },
  VECTOR_STORE: {
    unset: (c) => c.VECTOR_STORE,
    expectedDefault: 'kv',
    good: 'vectorize',
    goodReads: 'vectorize',
    bad: 'redis',
    message: 'VECTOR_STORE must be "kv" or "vectorize", got "redis"',
  },
  VECTORIZE_METRIC: {
    unset: (c) => c.VECTORIZE_METRIC,
    expectedDefault: 'cosine',
    good: 'euclidean',
    goodReads: 'euclidean',
    bad: 'l2',
    message: 'VECTORIZE_METRIC must be "cosine", "euclidean" or "dot", got "l2"',
  },
  EMBED_CACHE_MAX_BYTES: {
    unset: (c) => c.EMBED_CACHE_MAX_BYTES,
    expectedDefault: 8 * 1024 * 1024,
    good: '0',
    goodReads: 0,
    bad: '-1',
    message: 'EMBED_CACHE_MAX_BYTES must be a non-negative integer (bytes; 0 turns the cache off), got "-1"',
  },
  API_KEYS: {
    unset: (c) => c.API_KEYS.size,
    expectedDefault: 0,
    good: `ci:read+write:${KEY},site:read:${KEY}-2`,
    goodReads: [
      { name: 'ci', scopes: ['read', 'write'] },
      { name: 'site', scopes: ['read'] },
    ],
    bad: `ops:admin:${KEY}`,
    message:
      'API_KEYS must be comma-separated name:scope+scope:key entries (scopes: read, write; a key is at least 16 of ' +
      'A-Z a-z 0-9 - . _ ~ + /), got a value not shown here (a secret): API_KEYS entry 1 ("ops"): unknown scope "admin" (scopes: read, write, joined with +)',
  },
  READ_AUTH: {
    unset: (c) => c.READ_AUTH,
    expectedDefault: 'open',
    good: 'required',
    goodReads: 'required',
    bad: 'sometimes',
    message: 'READ_AUTH must be "open" or "required", got "sometimes"',
  },
  CORS_ORIGINS: {
    unset: (c) => c.CORS_ORIGINS,
    expectedDefault: [],
    good: 'https://app.example.com, http://localhost:5173',
    goodReads: ['https://app.example.com', 'http://localhost:5173'],
    bad: 'app.example.com',
    message:
      'CORS_ORIGINS must be comma-separated origins like https://app.example.com, or "*", got "app.example.com": ' +
      '"app.example.com" is not an origin like https://app.example.com (or *)',
  },
  INFERENCE_CONCURRENCY: {
    unset: (c) => c.INFERENCE_CONCURRENCY,
    expectedDefault: 1,
    good: '2',
    goodReads: 2,
    bad: 'two',
    message: 'INFERENCE_CONCURRENCY must be a positive integer (embeds), got "two"',
  },
  INFERENCE_QUEUE: {
    unset: (c) => c.INFERENCE_QUEUE,
    expectedDefault: 32,
    good: '64',
    goodReads: 64,
    bad: '9007199254740993',
    message: 'INFERENCE_QUEUE must be a positive integer (embeds), got "9007199254740993"',
  },
  ANALYTICS_MAX_ITEMS: {
    unset: (c) => c.ANALYTICS_MAX_ITEMS,
    expectedDefault: 10_000,
    good: '100000',
    goodReads: 100_000,
    bad: '0',
    message: 'ANALYTICS_MAX_ITEMS must be a positive integer (items), got "0"',
  },
};

/** The one problem line `readConfig` gives for a single bad variable. */
function problemsOf(input: ConfigInput): readonly string[] {
  try {
    readConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error(`readConfig accepted ${JSON.stringify(input)}`);
}

/** What the parsed value reads as, for comparing: keys by name and scopes only. */
function reads(name: VariableName, config: Config): unknown {
  if (name === 'API_KEYS') return config.API_KEYS.identities;
  if (name === 'MODEL_ID') return config.MODEL_ID.model.id;
  return config[name];
}

describe('the configuration schema', () => {
  it('has a test case for every variable', () => {
    expect(Object.keys(CASES).sort()).toEqual(Object.keys(VARIABLES).sort());
  });

  describe.each(Object.entries(CASES) as Array<[VariableName, Case]>)('%s', (name, c) => {
    it('unset and blank read as the default, the one the docs show', () => {
      expect(c.unset(readConfig({}))).toEqual(c.expectedDefault);
      expect(c.unset(readConfig({ [name]: '' }))).toEqual(c.expectedDefault);
      expect(readConfig({ [name]: VARIABLES[name].default })).toEqual(readConfig({}));
    });

    it('reads a good value', () => {
      expect(reads(name, readConfig({ [name]: c.good }))).toEqual(c.goodReads);
    });

    it('refuses a bad value, naming the variable, the value and what it accepts', () => {
      expect(problemsOf({ [name]: c.bad })).toEqual([c.message]);
    });
  });

  it('names every wrong variable in one error', () => {
    const error = (() => {
      try {
        return readConfig({ MAX_PIXELS: 'abc', READ_AUTH: 'sometimes', MAX_BATCH: '8' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(String(error)).toBe(
      'ConfigError: Invalid configuration (wrangler.toml [vars], secrets, .dev.vars or --var):\n' +
        '  MAX_PIXELS must be a positive integer (pixels), got "abc"\n' +
        '  READ_AUTH must be "open" or "required", got "sometimes"',
    );
  });

  it('never shows a secret, even when the bad part is the key itself', () => {
    const secret = 'VeryS3cretButTooWeird!!';
    const [line] = problemsOf({ API_KEYS: `ops:read+write:${secret}` });
    expect(line).toMatch(/^API_KEYS must be .*: API_KEYS entry 1 \("ops"\)/);
    expect(line).not.toContain(secret);
  });

  it('reads TOML numbers and ignores bindings and names it does not know', () => {
    const env = { MAX_PIXELS: 5_000_000, ITEMS: {}, SOMETHING_ELSE: 'x' } as unknown as ConfigInput;
    const config = readConfig(env);
    expect(config.MAX_PIXELS).toBe(5_000_000);
    expect(Object.keys(config).sort()).toEqual(Object.keys(VARIABLES).sort());
  });

  it('refuses a value that is not text (a JSON var)', () => {
    expect(problemsOf({ MAX_BATCH: { n: 3 } } as unknown as ConfigInput)).toEqual([
      'MAX_BATCH must be a positive integer (images), got a value that is not text',
    ]);
  });

  it('takes its defaults from the defaults module', () => {
    expect(VARIABLES.MAX_PIXELS.default).toBe(String(defaults.DEFAULT_MAX_PIXELS));
    expect(VARIABLES.MAX_BODY_BYTES.default).toBe(String(defaults.DEFAULT_MAX_BODY_BYTES));
    expect(VARIABLES.EMBED_CACHE_MAX_BYTES.default).toBe(String(defaults.DEFAULT_EMBED_CACHE_MAX_BYTES));
    expect(VARIABLES.INFERENCE_QUEUE.default).toBe(String(defaults.DEFAULT_INFERENCE_QUEUE));
  });
});
