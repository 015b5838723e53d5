/**
 * @module The python3 the evaluation calls (the near-duplicate generator, the scikit-learn check): the first
 * of `EVAL_PYTHON`, Debian's /usr/bin/python3 and the `python3` on PATH that imports the modules asked for
 * (a pyenv or venv python on PATH often lacks Debian's python3-pil / python3-sklearn).
 */
import { spawnSync } from 'node:child_process';

const CANDIDATES = [process.env['EVAL_PYTHON'], '/usr/bin/python3', 'python3'].filter((p): p is string => Boolean(p));

/** A python3 that imports every module named, or undefined. */
export function findPython(modules: readonly string[]): string | undefined {
  const probe = modules.map((m) => `import ${m}`).join('; ');
  return CANDIDATES.find((python) => spawnSync(python, ['-c', probe], { stdio: 'ignore' }).status === 0);
}

/** Runs a python script with arguments and stdin; resolves its stdout, throws with its stderr on failure. */
export function runPython(python: string, args: readonly string[], input?: string): string {
  const result = spawnSync(python, args, { input, encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
  if (result.status !== 0) throw new Error(`${python} ${args.join(' ')} failed (${result.status}):\n${result.stderr}`);
  return result.stdout;
}
