/** CPU and memory of processes on this machine, read from /proc (Linux). */
import { readFile } from 'node:fs/promises';

const CLOCK_TICKS_PER_SECOND = 100;

/** User + system CPU seconds a process has used so far (0 once it is gone). */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // Fields after the command name, which may itself hold spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) / CLOCK_TICKS_PER_SECOND;
}

export async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

/** CPU used by a set of processes over a window, as a fraction of one core. */
export class CpuMeter {
  #start = new Map<number, number>();
  #startedAt = 0;

  constructor(private readonly pids: () => number[]) {}

  async begin(): Promise<void> {
    this.#startedAt = performance.now();
    this.#start = new Map(await Promise.all(this.pids().map(async (pid) => [pid, await cpuSeconds(pid)] as const)));
  }

  /** Cores busy since begin(): 1.0 is one core fully used. */
  async cores(): Promise<number> {
    const seconds = (performance.now() - this.#startedAt) / 1000;
    let used = 0;
    for (const pid of this.pids()) used += (await cpuSeconds(pid)) - (this.#start.get(pid) ?? 0);
    return used / seconds;
  }
}
