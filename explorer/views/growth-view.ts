/**
 * Growth: a small SVG chart of entries over time, from entry timestamps sampled across the tree
 * (each sample proven included), and the latest entries, paged backwards, each proven included
 * in the verified checkpoint.
 */
import { formatIdentity } from '../../src/declaration/identity.js';
import { byId, describeError, formatTime, h, replace, svg } from '../dom.js';
import type { LogSession, ProvenEntry, VerifiedCheckpoint } from '../session.js';

/** Rows per page of the entry list. */
const PAGE = 10;
/** Samples for the chart. */
const SAMPLES = 40;

/** GrowthView renders the chart and the entry list for the current checkpoint. */
export class GrowthView {
  private readonly chart = byId('chart');
  private readonly rows = byId('entries-rows');
  private readonly older = byId<HTMLButtonElement>('entries-older');
  private readonly newer = byId<HTMLButtonElement>('entries-newer');
  private readonly range = byId('entries-range');
  /** Index of the newest row shown; undefined follows the head of the log. */
  private top: number | undefined;
  private cp: VerifiedCheckpoint | undefined;
  private generation = 0;

  constructor(private readonly session: () => LogSession | undefined, private readonly onPick: (identity: string) => void) {
    this.older.addEventListener('click', () => this.page(-PAGE));
    this.newer.addEventListener('click', () => this.page(PAGE));
  }

  /** update redraws for a new verified checkpoint. */
  update(cp: VerifiedCheckpoint, redrawChart: boolean): void {
    this.cp = cp;
    void this.renderRows();
    if (redrawChart) void this.renderChart();
  }

  private page(delta: number): void {
    const size = this.cp?.opened.checkpoint.size ?? 0;
    const top = (this.top ?? size - 1) + delta;
    this.top = top >= size - 1 ? undefined : Math.max(top, Math.min(PAGE - 1, size - 1));
    void this.renderRows();
  }

  private async renderRows(): Promise<void> {
    const cp = this.cp;
    const session = this.session();
    if (cp === undefined || session === undefined) return;
    const gen = ++this.generation;
    const size = cp.opened.checkpoint.size;
    const top = this.top ?? size - 1;
    const indexes: number[] = [];
    for (let i = top; i >= 0 && i > top - PAGE; i--) indexes.push(i);
    this.older.disabled = indexes.length === 0 || indexes[indexes.length - 1] === 0;
    this.newer.disabled = this.top === undefined;
    this.range.textContent = size === 0 ? 'The log is empty.' : `Entries ${indexes[indexes.length - 1]}–${top} of ${size}${this.top === undefined ? ' (newest, follows the log)' : ''}`;
    const results = await Promise.allSettled(indexes.map((i) => session.entry(i, cp)));
    if (gen !== this.generation) return;
    replace(
      this.rows,
      ...results.map((r, k) => (r.status === 'fulfilled' ? this.row(r.value) : failedRow(indexes[k]!, r.reason))),
    );
  }

  private row(e: ProvenEntry): HTMLTableRowElement {
    const id = formatIdentity(e.identity);
    return h(
      'tr',
      {},
      h('td', { class: 'num' }, String(e.index)),
      h('td', {}, formatTime(e.timestamp)),
      h('td', {}, h('button', { type: 'button', class: 'link hash', title: `Look up ${id}`, onclick: () => this.onPick(id) }, id)),
      h('td', {}, h('span', { class: 'ok', title: 'proven included in the verified checkpoint' }, '✓ proven')),
    );
  }

  private async renderChart(): Promise<void> {
    const cp = this.cp;
    const session = this.session();
    if (cp === undefined || session === undefined) return;
    const size = cp.opened.checkpoint.size;
    if (size === 0) {
      replace(this.chart, h('p', { class: 'muted' }, 'No entries yet.'));
      return;
    }
    const n = Math.min(SAMPLES, size);
    const indexes = [...new Set(Array.from({ length: n }, (_, j) => (n === 1 ? 0 : Math.round((j * (size - 1)) / (n - 1)))))];
    const results = await Promise.allSettled(indexes.map((i) => session.entry(i, cp)));
    if (cp !== this.cp && this.cp !== undefined && this.cp.opened.checkpoint.size !== size) return;
    const points = results.flatMap((r) => (r.status === 'fulfilled' ? [{ t: r.value.timestamp, count: r.value.index + 1 }] : []));
    const failed = results.length - points.length;
    replace(this.chart, drawChart(points, size), failed > 0 ? h('p', { class: 'warn' }, `${failed} of ${results.length} samples failed to verify and are left out.`) : null);
  }
}

function failedRow(index: number, reason: unknown): HTMLTableRowElement {
  const { code, message } = describeError(reason);
  return h('tr', { class: 'bad' }, h('td', { class: 'num' }, String(index)), h('td', { colspan: 2 }, message), h('td', {}, h('span', { class: 'bad', title: message }, `✗ ${code}`)));
}

/** drawChart plots cumulative entries against time as a plain SVG line with labelled axes. */
function drawChart(points: { t: number; count: number }[], size: number): Element {
  const W = 600;
  const H = 220;
  const left = 64;
  const bottom = 36;
  const top = 12;
  const right = 16;
  if (points.length === 0) return h('p', { class: 'muted' }, 'No sample could be verified.');
  const t0 = points[0]!.t;
  const t1 = Math.max(points[points.length - 1]!.t, t0 + 1);
  const x = (t: number) => left + ((t - t0) / (t1 - t0)) * (W - left - right);
  const y = (c: number) => H - bottom - (c / size) * (H - top - bottom);
  const line = points.map((p) => `${x(p.t).toFixed(1)},${y(p.count).toFixed(1)}`).join(' ');
  const label = `Entries over time: ${size} entries from ${formatTime(t0)} to ${formatTime(t1)}`;
  return svg(
    'svg',
    { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': label, class: 'chart', 'data-testid': 'growth-chart' },
    svg('title', {}, label),
    svg('line', { x1: left, y1: H - bottom, x2: W - right, y2: H - bottom, class: 'axis' }),
    svg('line', { x1: left, y1: top, x2: left, y2: H - bottom, class: 'axis' }),
    svg('polyline', { points: line, class: 'series' }),
    svg('text', { x: left - 6, y: top + 10, 'text-anchor': 'end', class: 'tick' }, String(size)),
    svg('text', { x: left - 6, y: H - bottom, 'text-anchor': 'end', class: 'tick' }, '0'),
    svg('text', { x: left, y: H - 10, 'text-anchor': 'start', class: 'tick' }, formatTime(t0).slice(0, t1 - t0 < 86_400_000 ? 19 : 16)),
    svg('text', { x: W - right, y: H - 10, 'text-anchor': 'end', class: 'tick' }, formatTime(t1).slice(0, t1 - t0 < 86_400_000 ? 19 : 16)),
  );
}
