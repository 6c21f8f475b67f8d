import type { RerankResult } from '../rerank/crossEncoder.js';
import type { RerankDocument } from '../rerank/documents.js';

/** The start of a text on one line, cut with an ellipsis to `width` characters. */
export function preview(text: string, width: number): string {
  // Only a start of the text is flattened, grown until it holds more than `width` characters: a
  // huge document costs what is shown, not its length.
  for (let length = width * 2 + 64; ; length *= 4) {
    const flat = text.slice(0, length).replace(/\s+/g, ' ').trim();
    if (flat.length > width) return `${flat.slice(0, Math.max(0, width - 1))}…`;
    if (length >= text.length) return flat;
  }
}

/** A human-readable ranking: rank, input index, score and the start of each document. */
export function formatRankedTable(results: RerankResult<RerankDocument>[], texts: readonly string[], columns: number): string {
  const indexWidth = Math.max(5, String(texts.length - 1).length);
  const header = `${'rank'.padStart(4)}  ${'index'.padStart(indexWidth)}  ${'score'.padStart(10)}  document`;
  const textWidth = Math.max(20, columns - header.length + 'document'.length);
  const rows = results.map((result, rank) =>
    [
      String(rank + 1).padStart(4),
      String(result.index).padStart(indexWidth),
      result.score.toFixed(6).padStart(10),
      preview(texts[result.index], textWidth),
    ].join('  '),
  );
  return [header, ...rows].join('\n');
}
