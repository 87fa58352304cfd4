// A small BEIR slice of SciFact for tests, written to a temporary folder (the dataset is never copied into the
// repo): the first `queries` test queries with their qrels, and a corpus of their relevant documents plus the
// first `extraDocs` other documents. Undefined when ../shared/datasets/scifact is missing (tests then skip).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const SCIFACT = resolve(import.meta.dirname, '../../../shared/datasets/scifact');

export function scifactSlice(dir: string, { queries = 30, extraDocs = 400 } = {}): string | undefined {
  if (!existsSync(join(SCIFACT, 'corpus.jsonl'))) return undefined;
  const qrelLines = readFileSync(join(SCIFACT, 'qrels', 'test.tsv'), 'utf8').split('\n');
  const header = qrelLines[0]!;
  const byQuery = new Map<string, string[]>();
  for (const line of qrelLines.slice(1)) {
    const [q] = line.split('\t');
    if (!q || !line.trim()) continue;
    byQuery.set(q, [...(byQuery.get(q) ?? []), line]);
  }
  const picked = [...byQuery.keys()].slice(0, queries);
  const relevant = new Set(picked.flatMap((q) => byQuery.get(q)!.map((l) => l.split('\t')[1]!)));
  const corpus = readFileSync(join(SCIFACT, 'corpus.jsonl'), 'utf8').split('\n').filter(Boolean);
  let extra = 0;
  const kept = corpus.filter((line) => {
    const id = String((JSON.parse(line) as { _id: unknown })._id);
    if (relevant.has(id)) return true;
    return extra++ < extraDocs;
  });
  const wanted = new Set(picked);
  const queryLines = readFileSync(join(SCIFACT, 'queries.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() && wanted.has(String((JSON.parse(l) as { _id: unknown })._id)));
  mkdirSync(join(dir, 'qrels'), { recursive: true });
  writeFileSync(join(dir, 'corpus.jsonl'), kept.join('\n') + '\n');
  writeFileSync(join(dir, 'queries.jsonl'), queryLines.join('\n') + '\n');
  writeFileSync(join(dir, 'qrels', 'test.tsv'), [header, ...picked.flatMap((q) => byQuery.get(q)!)].join('\n') + '\n');
  return dir;
}
