/**
 * The bench's results: each figure beside the baseline measured in the same run, the ratio, and
 * the target it is held to. Written as bench/results/results.json and a markdown table in
 * bench/results/results.md.
 */
import { cpus } from 'node:os';
import { readFileSync, writeFileSync } from 'node:fs';

/** One measured figure. */
export interface Figure {
  scenario: string;
  figure: string;
  value: number;
  unit: string;
  /** The baseline measured in the same run, if the figure has one. */
  baseline?: { name: string; value: number; unit: string };
  /** value / baseline.value. */
  ratio?: number;
  /** The target in words, and whether this run met it. */
  target?: string;
  met?: boolean;
  note?: string;
  /** The target is an absolute rate or time (not a ratio), so the machine factor bears on it. */
  absolute?: boolean;
}

/** The machine a run came from. */
export interface Machine {
  nproc: number;
  cpu: string;
  node: string;
  loadAverage: string;
  memory: string;
}

/** machine describes this machine (nproc, CPU model from /proc/cpuinfo, Node version, load). */
export function machine(): Machine {
  let cpu = cpus()[0]?.model ?? 'unknown';
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu;
  } catch {
    // not Linux: keep os.cpus()
  }
  let loadAverage = '';
  try {
    loadAverage = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    loadAverage = 'unknown';
  }
  let memory = '';
  try {
    memory = /^MemTotal:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? '';
    memory = `${(Number(memory) / 1024 / 1024).toFixed(1)} GiB`;
  } catch {
    memory = 'unknown';
  }
  return { nproc: cpus().length, cpu, node: process.version, loadAverage, memory };
}

/** withRatio fills in `ratio` from value and baseline. */
export function withRatio(f: Figure): Figure {
  return f.baseline !== undefined && f.baseline.value > 0 ? { ...f, ratio: f.value / f.baseline.value } : f;
}

function fmt(n: number, unit: string): string {
  if (!Number.isFinite(n)) return String(n);
  const digits = Math.abs(n) >= 100 ? 0 : Math.abs(n) >= 10 ? 1 : 2;
  return `${n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 })} ${unit}`.trim();
}

/**
 * machineFactor is the geometric mean of the calibration ratios (this run ÷ the quiet
 * machine): 1 on a quiet machine, 0.1 when this run got a tenth of it.
 */
export function machineFactor(figures: Figure[]): number | undefined {
  const r = figures.filter((f) => f.scenario === 'machine calibration' && f.ratio !== undefined).map((f) => f.ratio!);
  if (r.length === 0) return undefined;
  return Math.exp(r.reduce((a, x) => a + Math.log(x), 0) / r.length);
}

/** adjusted is what an absolute figure would be on the quiet reference machine (÷ factor, × for times). */
function adjusted(f: Figure, factor: number | undefined): string {
  if (!f.absolute || factor === undefined) return '—';
  const v = f.unit === 'ms' || f.unit === 'µs' ? f.value * factor : f.value / factor;
  return fmt(v, f.unit);
}

/** markdown renders the results table and the machine line. */
export function markdown(figures: Figure[], m: Machine, info: { started: string; seconds: number; mode: string }): string {
  const factor = machineFactor(figures);
  const rows = figures.map((f) =>
    [
      f.scenario,
      f.figure,
      fmt(f.value, f.unit),
      f.baseline ? `${f.baseline.name}: ${fmt(f.baseline.value, f.baseline.unit)}` : '—',
      f.ratio !== undefined ? `${f.ratio.toFixed(2)}×` : '—',
      f.target ?? '—',
      adjusted(f, factor),
      f.met === undefined ? '—' : f.met ? '**met**' : '**not met**',
    ].join(' | '),
  );
  const notes = figures.filter((f) => f.note).map((f) => `- *${f.scenario} / ${f.figure}*: ${f.note}`);
  return [
    '# runproof benchmark results',
    '',
    `Run ${info.started} (${info.mode}, ${info.seconds.toFixed(0)} s) on ${m.nproc} × ${m.cpu}, ${m.memory}, Node ${m.node}; load average at the end: ${m.loadAverage}.`,
    'Every figure stands beside a baseline measured in the same run on the same machine; compare the ratios.',
    factor === undefined
      ? ''
      : `Machine factor ${factor.toFixed(2)}: this run got ${(factor * 100).toFixed(0)}% of the quiet machine the issue's reference figures came from (geometric mean of the calibration rows). "Adjusted" divides absolute rates by it (multiplies times) — an estimate for a quiet machine; "result" judges the raw figure.`,
    '',
    '| scenario | figure | value | baseline (same run) | ratio | target | adjusted | result |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r} |`),
    '',
    ...(notes.length > 0 ? ['Notes:', '', ...notes, ''] : []),
  ].join('\n');
}

/** writeResults writes results.json and results.md into `dir`. */
export function writeResults(dir: string, figures: Figure[], info: { started: string; seconds: number; mode: string }): string {
  const m = machine();
  const md = markdown(figures, m, info);
  writeFileSync(`${dir}/results.json`, JSON.stringify({ ...info, machine: m, machineFactor: machineFactor(figures), figures }, null, 2) + '\n');
  writeFileSync(`${dir}/results.md`, md);
  return md;
}
