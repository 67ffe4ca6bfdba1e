import type { Logger } from './logger.js';

/** A chore that removes what is no longer needed, at most `limit` rows a run; answers how many it removed. */
export interface MaintenanceTask {
  name: string;
  run(limit: number): Promise<number>;
}

/**
 * Runs each task every `intervalMs`, one after the other, each bounded to `batch` rows a run, so that a
 * backlog (a table that grew for months) is worked off over several runs instead of in one long transaction.
 * A failure is logged and the task tried again at the next run. Returns the function that stops it.
 */
export function startMaintenance(
  tasks: MaintenanceTask[],
  options: { intervalMs: number; batch: number; logger: Logger },
) {
  const { intervalMs, batch, logger } = options;
  let running: Promise<void> | undefined;
  const runAll = async () => {
    for (const task of tasks) {
      try {
        const removed = await task.run(batch);
        if (removed > 0) logger.info({ task: task.name, removed, limit: batch }, 'maintenance');
      } catch (err) {
        logger.warn({ task: task.name, err: (err as Error).message }, 'maintenance failed; trying again next run');
      }
    }
  };
  const timer = setInterval(() => {
    running ??= runAll().finally(() => {
      running = undefined;
    });
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
