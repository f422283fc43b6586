/** What every scenario gets: the run mode, durations, where to keep data, and how to report. */
import type { Figure } from './report.js';

/** The settings of one bench run. */
export interface BenchContext {
  quick: boolean;
  /** Seconds of measured load per run. */
  seconds: number;
  /** Seconds of discarded warm-up load before each measured run. */
  warmup: number;
  /** Alternating rounds of figure and baseline; the best of each is kept. */
  rounds: number;
  /** Connections of the HTTP load generator. */
  connections: number;
  /** Scratch and cached-log directory (under data/, which git ignores). */
  dataDir: string;
  /** Entries of the log the read, lookup, audit and verify scenarios use. */
  auditEntries: number;
  /** Entries of the large-log scenario. */
  largeEntries: number;
  /** Longest the large log's build may take in this run (it resumes in the next). */
  largeBudgetSeconds: number;
  /** Another build's checkout to compare this one against (`--against DIR`), if given. */
  against?: string;
  /** Print a progress line. */
  say(line: string): void;
  /** Record a figure. */
  record(f: Figure): void;
}

/** A scenario: a name for `--only`, and what it does. */
export interface Scenario {
  name: string;
  run(ctx: BenchContext): Promise<void>;
}
