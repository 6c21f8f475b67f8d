import cliProgress from 'cli-progress';

/** Progress of one file's download. */
export interface FileProgress {
  /** Bytes of the file on disk so far (a resumed download starts above 0). */
  update(bytes: number): void;
  done(): void;
}

/** Progress bars for the files of one model: one bar per file, with bytes, rate and ETA. */
export interface DownloadProgress {
  file(path: string, total: number | undefined, initial: number): FileProgress;
  /** A message line, e.g. that another process is downloading the same file. */
  note(message: string): void;
  stop(): void;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)} ${units[unit]}`;
}

const LABEL_WIDTH = 26;

const SILENT: DownloadProgress = {
  file: () => ({ update: () => undefined, done: () => undefined }),
  note: () => undefined,
  stop: () => undefined,
};

/**
 * Bars on standard error when it is a terminal; nothing at all when it is not (logs, pipes, CI)
 * or when asked to be quiet, so output that is parsed is never mixed with progress.
 */
export function createDownloadProgress(
  options: {
    quiet?: boolean;
    stream?: NodeJS.WritableStream & { isTTY?: boolean };
    /** Milliseconds for the rate; default Date.now (a test passes one that advances, so a rate is always shown). */
    clock?: () => number;
  } = {},
): DownloadProgress {
  const stream = options.stream ?? process.stderr;
  const now = options.clock ?? Date.now;
  if (options.quiet || stream.isTTY !== true) return SILENT;

  let bars: cliProgress.MultiBar | undefined;
  const multiBar = (): cliProgress.MultiBar => {
    bars ??= new cliProgress.MultiBar(
      {
        stream,
        format: '{file} |{bar}| {percentage}% {done}/{size} {rate} ETA {eta_formatted}',
        barsize: 24,
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
        etaBuffer: 64,
        fps: 10,
        autopadding: true,
      },
      cliProgress.Presets.shades_classic,
    );
    return bars;
  };

  return {
    file(path, total, initial) {
      // A fixed width keeps the bars of files with names of different lengths aligned.
      const label = path.length > LABEL_WIDTH ? `…${path.slice(-(LABEL_WIDTH - 1))}` : path.padEnd(LABEL_WIDTH);
      const started = now();
      const size = total ?? 0;
      const payload = (bytes: number): Record<string, string> => {
        const seconds = (now() - started) / 1000;
        return { file: label, done: formatBytes(bytes), size: total === undefined ? '?' : formatBytes(size), rate: seconds > 0 ? `${formatBytes((bytes - initial) / seconds)}/s` : '' };
      };
      const bar = multiBar().create(Math.max(size, 1), initial, payload(initial));
      let last = initial;
      return {
        update: (bytes) => {
          last = bytes;
          bar.update(bytes, payload(bytes));
        },
        done: () => {
          if (total === undefined) bar.setTotal(Math.max(last, 1));
          bar.update(Math.max(total ?? last, 1), payload(total ?? last));
          bar.stop();
        },
      };
    },
    note(message) {
      multiBar().log(`${message}\n`);
    },
    stop() {
      bars?.stop();
    },
  };
}
