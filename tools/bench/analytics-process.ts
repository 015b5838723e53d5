/**
 * @module The workerd process behind a `wrangler dev` (Linux /proc): which one runs the Worker, its memory
 * (VmRSS, VmHWM: the peak since it started) and its CPU time (utime + stime of all its threads, the clock
 * tick is 10 ms), so a bench can measure a request's CPU and its memory high-water mark from outside.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICK_S = 0.01; // getconf CLK_TCK = 100 on Linux

export interface ProcessSample {
  readonly rss: number;
  readonly hwm: number;
  /** CPU seconds used so far (user + system). */
  readonly cpuS: number;
}

export function sampleProcess(pid: number): ProcessSample {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1]) * 1024;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields after the command: state is [0], utime [11], stime [12].
  const cpuS = (Number(fields[11]) + Number(fields[12])) * TICK_S;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM'), cpuS };
}

function children(): Map<number, number[]> {
  const map = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      map.set(ppid, [...(map.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended meanwhile
    }
  }
  return map;
}

/**
 * The workerd below `wranglerPid` that runs the Worker: wrangler starts two, a proxy whose entry socket is
 * the public port, and the Worker's own (entry on an internal port).
 */
export function findWorkerd(wranglerPid: number, publicPort: string): number | undefined {
  const tree = children();
  const queue = [wranglerPid];
  const found: number[] = [];
  while (queue.length > 0) {
    for (const child of tree.get(queue.shift()!) ?? []) {
      queue.push(child);
      try {
        const args = readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0');
        if (args[0]!.endsWith('workerd') && args[1] === 'serve' && !args.includes(`--socket-addr=entry=127.0.0.1:${publicPort}`))
          found.push(child);
      } catch {
        // ended meanwhile
      }
    }
  }
  return found.sort((a, b) => sampleProcess(b).rss - sampleProcess(a).rss)[0];
}
