/** Where a bar draws, and how a count reads (`1,000`). */
const n = (x: number) => x.toLocaleString('en');
const WIDTH = 30;
/** Without a total (an export), a plain line each this many. */
const COUNT_STEP = 100_000;

/**
 * A progress bar on stderr: redrawn in place on a terminal; where stderr is no terminal (CI, a log file), a plain
 * line each time another tenth is done (or, without a total, another 100,000), so that logs stay readable.
 */
export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr) {
  const tty = stream.isTTY === true;
  let lastStep = -1;
  const line = (done: number, total: number | undefined, detail: string) => {
    const counts = `${n(done)}${total === undefined ? '' : `/${n(total)}`}${detail ? ` ${detail}` : ''}`;
    if (total === undefined) return { text: `${label}: ${counts}`, step: Math.floor(done / COUNT_STEP) };
    const share = total > 0 ? Math.min(1, done / total) : 1;
    const filled = Math.round(share * WIDTH);
    const bar = tty ? ` [${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}]` : ':';
    return { text: `${label}${bar} ${Math.floor(share * 100)}% ${counts}`, step: Math.floor(share * 10) };
  };
  return {
    update(done: number, total?: number, detail = '') {
      const { text, step } = line(done, total, detail);
      if (tty) stream.write(`\r${text}\u001b[K`);
      else if (step !== lastStep) stream.write(`${text}\n`);
      lastStep = step;
    },
    /** Ends the bar's line on a terminal. */
    done() {
      if (tty) stream.write('\n');
    },
  };
}
