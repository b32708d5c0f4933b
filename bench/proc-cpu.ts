import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ on Linux: /proc counts CPU time in these ticks. */
const TICK = 100;

/** CPU seconds (user + system) used so far by every process `pick` chooses, from /proc/<pid>/stat. */
export function processCpuSeconds(pick: (p: { pid: number; ppid: number; comm: string }) => boolean): number {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // gone
    }
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    if (!pick({ pid: Number(pid), ppid: Number(f[1]), comm: text.slice(text.indexOf('(') + 1, text.lastIndexOf(')')) })) continue;
    total += (Number(f[11]) + Number(f[12])) / TICK;
  }
  return total;
}

/** CPU seconds every process of the machine has used so far (user nice system irq softirq steal), from /proc/stat. */
export function machineCpuSeconds(): number {
  const stat = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return (stat[0] + stat[1] + stat[2] + stat[5] + stat[6] + stat[7]) / TICK;
}

/** Every PostgreSQL server process. */
export const isPostgres = (p: { comm: string }) => p.comm.startsWith('postgres');
