// `strata search <query> --collection <name>`: lexical, vector or hybrid search with filters, reranking, MMR and
// highlighted snippets.
import { InvalidArgumentError, type Command } from 'commander';
import { parseFilterArgs } from '../../search/filters.js';
import { createSearcher } from '../../search/service.js';
import { semanticFromConfig } from '../../search/semantic.js';
import { requireCollection } from '../context.js';
import { printJson, renderSnippet, type Io } from '../output.js';
import { collect, intArg, withContext } from './shared.js';

export function registerSearch(program: Command, io: Io): void {
  program
    .command('search')
    .description('search a collection')
    .argument('<query...>', 'what to look for')
    .requiredOption('--collection <name>', 'collection to search')
    .option('-n, --limit <n>', 'number of results', intArg('--limit', 1, 1000))
    .option('--offset <n>', 'skip the first n results', intArg('--offset', 0, 100000), 0)
    .option('-f, --filter <expr>', 'metadata filter, repeatable: field=value, field!=v, field>v, field>=v, field<v, field<=v, field~text, field=a,b', collect)
    .option('--chunks', 'return every matching chunk instead of one result per document')
    .option('--mode <mode>', 'lexical (BM25), vector (embeddings) or hybrid (both, fused); default: search.mode in the config', choice('--mode', ['lexical', 'vector', 'hybrid']))
    .option('--embedder <name>', 'embed the query with this embedder (must be the one that built the collection index)')
    .option('--fusion <method>', 'hybrid fusion: rrf (reciprocal rank) or weighted (min-max scores)', choice('--fusion', ['rrf', 'weighted']))
    .option('--vector-weight <w>', 'weighted fusion: share of the vector ranking, 0–1', unitArg('--vector-weight'))
    .option('--rerank <name>', 're-score the top results with a configured reranker')
    .option('--rerank-top <n>', 'how many results the reranker sees', intArg('--rerank-top', 1, 1000))
    .option('--mmr <lambda>', 'diversify results with MMR (1 = relevance only, 0 = diversity only)', unitArg('--mmr'))
    .option('--facet <field>', 'count the values of a metadata field over all matching documents, repeatable', collect)
    .option('--total', 'also count all matching documents')
    .option('--json', 'print results as JSON')
    .action(async (words: string[], flags, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const collection = await requireCollection(ctx, flags.collection);
        const filter = flags.filter ? parseFilterArgs(flags.filter) : undefined;
        const { ranker } = semanticFromConfig(ctx.store, ctx.config);
        const searcher = createSearcher(ctx.store, ctx.config.search.bm25, { ranker });
        const res = await searcher.search({
          caller: ctx.caller,
          collection,
          query: words.join(' '),
          limit: flags.limit ?? ctx.config.search.defaultLimit,
          offset: flags.offset,
          filter,
          collapse: flags.chunks ? 'chunk' : 'document',
          mode: flags.mode,
          embedder: flags.embedder,
          fusion: { ...(flags.fusion ? { method: flags.fusion } : {}), ...(flags.vectorWeight !== undefined ? { vectorWeight: flags.vectorWeight } : {}) },
          rerank: flags.rerank ? { name: flags.rerank, topN: flags.rerankTop } : undefined,
          mmr: flags.mmr !== undefined ? { lambda: flags.mmr } : undefined,
          countTotal: Boolean(flags.total),
          facets: flags.facet,
        });
        if (flags.json) return printJson(io, { query: words.join(' '), collection: collection.name, ...res });
        if (res.hits.length === 0) {
          io.out.write(`no results for "${words.join(' ')}" in ${collection.name}\n`);
          return;
        }
        const tty = Boolean(io.out.isTTY);
        for (const h of res.hits) {
          const where = [h.path, h.location.pageStart ? `p. ${h.location.pageStart}` : '', h.location.headings?.join(' › ')]
            .filter(Boolean)
            .join(' · ');
          io.out.write(`${h.rank}. ${h.title ?? h.sourceId}  (${h.score.toFixed(2)})\n   ${where}\n`);
          if (h.snippet) io.out.write(`   ${renderSnippet(h.snippet, tty)}\n`);
        }
        if (res.total !== undefined) io.out.write(`\n${res.total} matching document${res.total === 1 ? '' : 's'}\n`);
        for (const [field, values] of Object.entries(res.facets ?? {})) {
          io.out.write(`${field}: ${values.map((v) => `${String(v.value)} (${v.count})`).join(', ') || '(no values)'}\n`);
        }
      });
    });
}

function choice(name: string, allowed: readonly string[]) {
  return (value: string): string => {
    if (!allowed.includes(value)) throw new InvalidArgumentError(`${name} must be one of ${allowed.join(', ')}`);
    return value;
  };
}

function unitArg(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError(`${name} must be a number from 0 to 1`);
    return n;
  };
}
