// Tiny flag parser shared by the benchmarks: --name value, --flag.
export function benchArgs(argv = process.argv.slice(2)): {
  get(name: string, fallback: string): string;
  has(name: string): boolean;
} {
  return {
    get(name, fallback) {
      const i = argv.indexOf(`--${name}`);
      return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : fallback;
    },
    has(name) {
      return argv.includes(`--${name}`);
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;
