/**
 * @module Reads the Worker's configuration once, at start-up: every variable is checked, and all the wrong
 * ones are named in one error, each with its value (a secret's is never shown) and what it accepts.
 */
import type * as z from 'zod';
import { configSchema, VARIABLES, type Config, type ConfigInput, type VariableName } from './schema.ts';

export { VARIABLES, configSchema, type Config, type ConfigInput, type Variable, type VariableName } from './schema.ts';

/** One or more variables hold values the Worker does not accept; the message names each. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** One line per wrong variable, e.g. `MAX_PIXELS must be a positive integer (pixels), got "abc"`. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid configuration (wrangler.toml [vars], secrets, .dev.vars or --var):\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}

function isVariableName(name: unknown): name is VariableName {
  return typeof name === 'string' && Object.hasOwn(VARIABLES, name);
}

/** The value as an error may show it: quoted and cut short; a secret only by its length. */
function shown(name: VariableName, value: unknown): string {
  if (VARIABLES[name].secret) return 'a value not shown here (a secret)';
  const text = JSON.stringify(String(value));
  return text.length > 102 ? `${text.slice(0, 100)}…"` : text;
}

function describe(issue: z.core.$ZodIssue, env: ConfigInput): string {
  const name = issue.path[0];
  if (!isVariableName(name)) return issue.message;
  const detail = issue.code === 'custom' && typeof issue.params?.detail === 'string' ? `: ${issue.params.detail}` : '';
  const value = (env as Record<string, unknown>)[name];
  const got =
    typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? shown(name, value) : 'a value that is not text';
  return `${name} must be ${VARIABLES[name].accepts}, got ${got}${detail}`;
}

/** Reads every variable from the env (bindings are ignored); throws {@link ConfigError} naming all the wrong ones. */
export function readConfig(env: ConfigInput): Config {
  const parsed = configSchema.safeParse(env);
  if (parsed.success) return parsed.data;
  throw new ConfigError([...new Set(parsed.error.issues.map((issue) => describe(issue, env)))]);
}
