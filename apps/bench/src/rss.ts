import fs from 'node:fs';

/** Resident memory of a process in bytes (VmRSS of /proc/<pid>/status), or undefined once it is gone. */
function rssOf(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The direct children of a process (the cluster's workers). */
function childrenOf(pid: number): number[] {
  try {
    const listed = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return listed ? listed.split(/\s+/).map(Number) : [];
  } catch {
    // Kernels without that file: read every process's parent.
    const found: number[] = [];
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (ppid === pid) found.push(Number(entry));
      } catch {
        // gone meanwhile
      }
    }
    return found;
  }
}

export interface PeakRss {
  /** Bytes, the process started (the cluster primary with workers). */
  primary: number;
  /** Bytes, per worker, in pid order. */
  workers: number[];
}

export const rssSupported = fs.existsSync('/proc/self/status');

/** Samples the memory of a process and its children every `everyMs` until stopped; reports each one's peak. */
export function sampleRss(pid: number, everyMs = 200) {
  const peaks = new Map<number, number>();
  const sample = () => {
    for (const p of [pid, ...childrenOf(pid)]) {
      const rss = rssOf(p);
      if (rss !== undefined && rss > (peaks.get(p) ?? 0)) peaks.set(p, rss);
    }
  };
  if (!rssSupported) return { stop: (): PeakRss | undefined => undefined };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop(): PeakRss {
      clearInterval(timer);
      sample();
      return {
        primary: peaks.get(pid) ?? 0,
        workers: [...peaks.entries()]
          .filter(([p]) => p !== pid)
          .sort(([a], [b]) => a - b)
          .map(([, v]) => v),
      };
    },
  };
}

/** CPU time used so far by a process and its children, in clock ticks (utime + stime of /proc/<pid>/stat). */
export function cpuTicks(pid: number): number {
  let total = 0;
  for (const p of [pid, ...childrenOf(pid)]) {
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/**
 * Waits until a process and its children are idle (under 5% of a CPU over 400 ms), at most `maxMs`: when the
 * load stops, a slow server still works through the requests it had queued, which must not overlap the next
 * measurement. Returns the milliseconds waited.
 */
export async function waitForIdle(pid: number, maxMs = 60_000): Promise<number> {
  if (!rssSupported) return 0;
  const started = Date.now();
  let before = cpuTicks(pid);
  while (Date.now() - started < maxMs) {
    await new Promise((r) => setTimeout(r, 400));
    const now = cpuTicks(pid);
    // 100 ticks a second on Linux: 2 ticks in 400 ms is 5% of a CPU.
    if (now - before <= 2) break;
    before = now;
  }
  return Date.now() - started;
}
