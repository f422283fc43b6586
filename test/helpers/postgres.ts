/**
 * The throwaway PostgreSQL 15 cluster of the tests (and of the bench, which owns the code:
 * bench/lib/postgres.ts, so the built bench can start one too).
 */
export * from '../../bench/lib/postgres.js';
