import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatasetRepo, type EvalQuestion, readQuestionsCsv, readQuestionsJsonl, validateQuestions } from './dataset.js';
import { importDataset } from './import.js';
import { scifactSlice } from './scifact.testkit.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'strata-eval-ds-'));

test('JSONL and CSV question sets: question, optional reference and relevant ids (lists, grades or "|"-separated)', () => {
  const dir = tmp();
  writeFileSync(
    join(dir, 'q.jsonl'),
    ['{"id":"a","question":"What is X?","answer":"X is Y.","relevant":["d1","d2"]}', '', '{"query":"Why Z?","relevant_ids":{"d3":2,"d4":0}}'].join('\n'),
  );
  assert.deepEqual(readQuestionsJsonl(join(dir, 'q.jsonl')), [
    { id: 'a', question: 'What is X?', reference: 'X is Y.', relevant: { d1: 1, d2: 1 } },
    { id: 'q2', question: 'Why Z?', relevant: { d3: 2, d4: 0 } },
  ]);
  writeFileSync(join(dir, 'q.csv'), 'Question,Reference,relevant_ids\n"What, exactly, is X?",X is Y.,d1|d2\nWhy Z?,,\n');
  assert.deepEqual(readQuestionsCsv(join(dir, 'q.csv')), [
    { id: 'q1', question: 'What, exactly, is X?', reference: 'X is Y.', relevant: { d1: 1, d2: 1 } },
    { id: 'q2', question: 'Why Z?' },
  ]);
  writeFileSync(join(dir, 'bad.jsonl'), '{"question":"ok"}\nnot json\n');
  assert.throws(() => readQuestionsJsonl(join(dir, 'bad.jsonl')), /line 2 is not valid JSON/);
  writeFileSync(join(dir, 'bad.csv'), 'text,answer\nx,y\n');
  assert.throws(() => readQuestionsCsv(join(dir, 'bad.csv')), /no "question" column/);
});

test('validation counts empty, duplicated and unknown-document problems; --strict makes them errors', () => {
  const questions: EvalQuestion[] = [
    { id: '1', question: 'What is X?', relevant: { d1: 1, ghost: 1 } },
    { id: '2', question: '   ' },
    { id: '3', question: 'what  is x?' }, // same question, other spacing and case
    { id: '1', question: 'Another?' }, // reused id
    { id: '4', question: 'Only ghosts?', relevant: { ghost: 1, phantom: 2, d1: 0 } },
    { id: '5', question: '' },
  ];
  const { questions: kept, warnings } = validateQuestions(questions, { knownIds: new Set(['d1', 'd2']) });
  assert.deepEqual(kept.map((q) => q.id), ['1', '4']);
  assert.deepEqual(
    warnings.map((w) => [w.code, w.count]),
    [['empty-question', 2], ['duplicate-id', 1], ['duplicate-question', 1], ['unknown-document', 2], ['no-known-relevant', 1]],
  );
  assert.match(warnings.find((w) => w.code === 'unknown-document')!.message, /^2 relevant document id\(s\) do not exist/);
  assert.throws(() => validateQuestions(questions, { knownIds: new Set(['d1']), strict: true }), (e: Error) => {
    assert.match(e.message, /--strict.*2 empty question.*1 duplicated question/);
    return true;
  });
});

test('datasets are stored as JSONL + manifest and read back; names are checked; no overwrite by accident', () => {
  const repo = createDatasetRepo(tmp());
  const m = repo.save({ name: 'small', source: { kind: 'jsonl' }, warnings: [] }, [{ id: 'a', question: 'Q?', reference: 'R', relevant: { d: 1 } }, { id: 'b', question: 'Q2?' }]);
  assert.equal(m.questions, 2);
  assert.equal(m.withReference, 1);
  assert.equal(m.withRelevant, 1);
  assert.deepEqual(repo.get('small').questions.map((q) => q.id), ['a', 'b']);
  assert.deepEqual(repo.list().map((d) => d.name), ['small']);
  assert.throws(() => repo.save({ name: 'small', source: { kind: 'jsonl' }, warnings: [] }, [{ id: 'a', question: 'Q?' }]), /already exists/);
  assert.throws(() => repo.get('../etc'), /invalid dataset name/);
  assert.throws(() => repo.get('nope'), /not found/);
  assert.throws(() => repo.save({ name: 'empty', source: { kind: 'jsonl' }, warnings: [] }, []), /no usable question/);
  assert.equal(repo.exists('empty'), false);
});

test('BEIR import (a SciFact slice): queries with qrels, corpus ids checked, corpus recorded', async (t) => {
  const dir = tmp();
  const slice = scifactSlice(join(dir, 'beir'), { queries: 12, extraDocs: 50 });
  if (!slice) return t.skip('../shared/datasets/scifact is missing');
  const repo = createDatasetRepo(join(dir, 'data'));
  const { manifest, warnings } = await importDataset({ repo, name: 'sf', from: slice, classification: 'public' });
  assert.equal(manifest.questions, 12);
  assert.equal(manifest.withRelevant, 12);
  assert.equal(manifest.corpus, join(slice, 'corpus.jsonl'));
  assert.deepEqual(warnings, []);
  const qrelLines = readFileSync(join(slice, 'qrels', 'test.tsv'), 'utf8').trim().split('\n').slice(1);
  assert.equal(repo.get('sf').questions.reduce((n, q) => n + Object.keys(q.relevant!).length, 0), qrelLines.length);
  const distinctDocs = new Set(qrelLines.map((l) => l.split('\t')[1])).size;
  // The same questions against a corpus missing their documents: counted, and refused with --strict.
  writeFileSync(join(dir, 'tiny.jsonl'), '{"_id":"only-doc","text":"nothing relevant"}\n');
  const loose = await importDataset({ repo, name: 'sf-loose', from: slice, corpus: join(dir, 'tiny.jsonl') });
  assert.deepEqual(loose.warnings.map((w) => [w.code, w.count]), [['unknown-document', distinctDocs], ['no-known-relevant', 12]]);
  await assert.rejects(importDataset({ repo, name: 'sf-strict', from: slice, corpus: join(dir, 'tiny.jsonl'), strict: true }), /--strict/);
  assert.equal(repo.exists('sf-strict'), false);
});
