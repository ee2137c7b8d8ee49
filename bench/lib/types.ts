/**
 * The contract between the runner (bench/run.ts) and a benchmark module
 * (bench/<name>.ts). A benchmark measures; the runner owns temp dirs, the
 * machine description, the command line and BENCHMARKS.md.
 */

/** What the runner hands a benchmark. */
export interface BenchContext {
  /** Scratch folder for this benchmark only; the runner removes it afterwards, pass or fail. */
  tmpDir: string;
  /** Persistent, git-ignored cache (`.bench/`) for generated data sets that are slow to build. */
  cacheDir: string;
  /** The repository root (where `src/main.ts` lives). */
  rootDir: string;
  /** Smoke mode (`--quick`): tiny data, few iterations, nothing written to BENCHMARKS.md. */
  quick: boolean;
  /** Progress for the person watching (stderr); not part of the report. */
  log: (message: string) => void;
  /**
   * Waits (bounded) until other work on the machine has calmed down; call it
   * between iterations. Resolves with the busy fraction seen (0–1), or null
   * when waiting is off (`--no-wait`, `--quick`).
   */
  quiet(): Promise<number | null>;
}

/** One target the benchmark checks, with the value it measured. */
export interface TargetResult {
  /** The target in words, e.g. `API ÷ raw (median) ≤ 1.05`. */
  target: string;
  /** The measured value, formatted, e.g. `1.012`. */
  measured: string;
  met: boolean;
}

/** What a benchmark returns; the runner adds date, command and machine. */
export interface BenchReport {
  /** Markdown: the data the benchmark ran on (sizes, counts, how it was made). */
  data: string;
  /** Markdown: the figures (tables), ready to paste under a heading. */
  figures: string;
  /** Every target with its verdict; empty when the benchmark has no target yet. */
  targets: TargetResult[];
  /** Markdown bullet texts: method details, caveats, findings. */
  notes?: string[];
}

/**
 * A benchmark module. Register it in bench/benchmarks.ts; `npm run bench --
 * <name>` then runs it and replaces the `## <name>` section of BENCHMARKS.md.
 */
export interface Benchmark {
  /** CLI name and BENCHMARKS.md heading: lower-case letters, digits and `-`. */
  name: string;
  /** One or two sentences: what is measured and against what. */
  description: string;
  /** The goal in words (the acceptance criterion). */
  target: string;
  run(ctx: BenchContext): Promise<BenchReport>;
}
