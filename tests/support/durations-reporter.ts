import { mkdirSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

const ROOT = resolve(import.meta.dirname, '../..');
const OUT = resolve(ROOT, 'test-results/durations.json');
const SHOWN = 10;

/**
 * Records every test's and every file's duration in test-results/durations.json and prints the slowest, so
 * that the suite's cost stays visible (CI has a 15-minute budget on a 2-core machine).
 */
export default class DurationsReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const files = modules.map((m) => ({
      file: relative(ROOT, m.moduleId),
      project: m.project.name,
      ms: Math.round(m.diagnostic().duration),
    }));
    const tests = modules.flatMap((m) =>
      [...m.children.allTests()].map((t) => ({
        file: relative(ROOT, m.moduleId),
        test: t.fullName,
        state: t.result().state,
        ms: Math.round(t.diagnostic()?.duration ?? 0),
      })),
    );
    files.sort((a, b) => b.ms - a.ms);
    tests.sort((a, b) => b.ms - a.ms);
    mkdirSync(resolve(OUT, '..'), { recursive: true });
    writeFileSync(OUT, `${JSON.stringify({ files, tests }, null, 2)}\n`);
    if (tests.length === 0) return;
    const seconds = (ms: number) => `${(ms / 1000).toFixed(1).padStart(6)} s`;
    const lines = [
      `Slowest files (all ${files.length} in ${relative(ROOT, OUT)}):`,
      ...files.slice(0, SHOWN).map((f) => `${seconds(f.ms)}  ${f.file}`),
      `Slowest tests:`,
      ...tests.slice(0, SHOWN).map((t) => `${seconds(t.ms)}  ${t.file} › ${t.test}`),
    ];
    process.stdout.write(`\n${lines.join('\n')}\n`);
  }
}
