import cliProgress from 'cli-progress';

/** Progress of a long command: a bar on a terminal's stderr; nothing when stderr is a pipe or a file (logs stay clean). */
export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

export function progressBar(label: string, quiet = false, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (quiet || !stream.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${label} [{bar}] {percentage}% | {value}/{total} | {duration_formatted} (ETA {eta_formatted})`,
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total) {
      if (!started) {
        bar.start(total, done);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
