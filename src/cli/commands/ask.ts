// `strata ask "<question>" --collection <name> [--model alias] [--json]`: a cited answer from the command line.
// Without --model the answer is extractive (quoted sentences); with it, generated through the gateway built
// from the config, so classification routing, budgets and costs apply as they do on the server.
import type { Command } from 'commander';
import { answer } from '../../answer/service.js';
import { describeLocation } from '../../answer/prompt.js';
import type { AnswerResult } from '../../answer/types.js';
import { createGatewayFromConfig } from '../../gateway/from-config.js';
import { createSearcher } from '../../search/service.js';
import { requireCollection } from '../context.js';
import { printJson, type Io } from '../output.js';
import { intArg, withContext } from './shared.js';

export function registerAsk(program: Command, io: Io): void {
  program
    .command('ask')
    .description('answer a question from a collection, with checked citations')
    .argument('<question...>', 'the question')
    .requiredOption('--collection <name>', 'collection to answer from')
    .option('-m, --model <alias>', 'gateway model alias (default: answer.defaultModel, else an extractive answer, no model)')
    .option('-n, --limit <n>', 'chunks retrieved as candidate sources (default: answer.defaultLimit)', intArg('--limit', 1, 50))
    .option('--max-context-tokens <n>', 'cap on the tokens of sources sent to the model', intArg('--max-context-tokens', 16, 10_000_000))
    .option('--json', 'print the structured answer as JSON')
    .action(async (words: string[], flags, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const collection = await requireCollection(ctx, flags.collection);
        const searcher = createSearcher(ctx.store, ctx.config.search.bm25);
        // Audit entries of classification decisions go to the store, as the server's do.
        const { defaultModel, defaultLimit, maxAnswerTokens } = ctx.config.answer;
        const model: string | undefined = flags.model ?? defaultModel;
        const gateway = model ? createGatewayFromConfig(ctx.config, { store: ctx.store, audit: { record: async (e) => void (await ctx.store.appendAudit(e)) } }) : null;
        try {
          const res = await answer(
            { caller: ctx.caller, collection, question: words.join(' '), model, limit: flags.limit, maxContextTokens: flags.maxContextTokens },
            { searcher, store: ctx.store, gateway, settings: { defaultModel, defaultLimit, maxAnswerTokens } },
          );
          if (flags.json) return printJson(io, res);
          io.out.write(renderAnswer(res));
        } finally {
          await gateway?.flush();
        }
      });
    });
}

/** The answer, a note for each flagged sentence, and the numbered sources with their quoted spans. */
export function renderAnswer(res: AnswerResult): string {
  const lines = [res.answer, ''];
  const flagged = res.sentences.filter((s) => !s.supported);
  if (flagged.length) {
    lines.push('Unsupported:');
    for (const s of flagged) lines.push(`  ! ${s.text} (${s.reason === 'no-citation' ? 'no citation' : 'the cited source does not say this'})`);
    lines.push('');
  }
  if (res.citations.length) {
    lines.push('Sources:');
    for (const c of res.citations) {
      lines.push(`  [${c.marker}] ${describeLocation(c.title ?? c.sourceId, c.path, c.location)}`);
      if (c.quote) lines.push(`      “${c.quote.replace(/\s+/g, ' ')}”`);
    }
    lines.push('');
  }
  const how = res.mode === 'extractive' ? 'extractive (no model)' : `${res.route?.modelId ?? 'model'} · ${res.usage.inputTokens}+${res.usage.outputTokens} tokens · $${res.costUsd.toFixed(6)}`;
  lines.push(`— ${how}${res.removedCitations.length ? ` · ${res.removedCitations.length} invalid citation(s) removed` : ''}`);
  return `${lines.join('\n')}\n`;
}
