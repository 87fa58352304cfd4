// From an alias to an ordered list of models to try: the target chosen by weight first, then the other targets
// (heaviest first), then the fallback chain. Models not cleared for the request's data classification are
// removed before anything is sent; when the first choice was removed that is a re-route, and when none is left
// the request is refused. Both decisions are returned for the caller to audit.
import type { AliasConfig, ModelsConfig } from '../core/config-models.js';
import { StrataError } from '../core/errors.js';
import type { Classification } from '../core/types.js';
import { isCleared } from './registry.js';
import type { RegistryEntry } from './types.js';

export type CallKind = 'chat' | 'embeddings';

export interface AliasRoute {
  name: string;
  targets: { entry: RegistryEntry; weight: number }[];
  fallback: RegistryEntry[];
  retries: number;
  retryBackoffMs: number;
  timeoutMs: number;
  cache: boolean;
}

export interface Plan {
  route: AliasRoute;
  /** Cleared models, in the order to try them. */
  candidates: RegistryEntry[];
  rerouted?: { from: string; to: string; reason: string };
}

/** Settings of a registry id asked for directly (no alias): one target, no fallback. */
const DIRECT: Omit<AliasConfig, 'targets' | 'fallback'> = { retries: 1, retryBackoffMs: 200, timeoutMs: 60_000 };

export function createRouter(config: Pick<ModelsConfig, 'gateway'>, registry: Map<string, RegistryEntry>) {
  const aliases = new Map<string, AliasRoute>();
  const entry = (id: string) => registry.get(id)!; // ids are checked by the config schema (checkModelsConfig)
  for (const [name, a] of Object.entries(config.gateway.aliases)) {
    aliases.set(name, {
      name,
      targets: a.targets.map((t) => ({ entry: entry(t.model), weight: t.weight })),
      fallback: a.fallback.map(entry),
      retries: a.retries,
      retryBackoffMs: a.retryBackoffMs,
      timeoutMs: a.timeoutMs,
      cache: a.cache ?? config.gateway.cache.enabled,
    });
  }

  function routeOf(name: string): AliasRoute {
    const a = aliases.get(name);
    if (a) return a;
    const e = registry.get(name);
    if (e) return { name, targets: [{ entry: e, weight: 1 }], fallback: [], ...DIRECT, cache: config.gateway.cache.enabled };
    throw new StrataError('gateway', 'not-found', `unknown model "${name}": it is neither a gateway alias nor a registry model`, {
      details: { kind: 'model-not-found', model: name },
      hint: 'GET /v1/models lists the aliases and models this key may use',
    });
  }

  const suits = (kind: CallKind) => (e: RegistryEntry) =>
    kind === 'embeddings' ? e.capabilities.includes('embeddings') : !(e.capabilities.includes('embeddings') && !e.capabilities.includes('chat'));

  /** Models to try, in order, before the classification check. `pick` in [0, 1) chooses among weighted targets. */
  function order(route: AliasRoute, pick: number, kind: CallKind): RegistryEntry[] {
    const weighted = route.targets.filter((t) => t.weight > 0 && suits(kind)(t.entry));
    const total = weighted.reduce((n, t) => n + t.weight, 0);
    let chosen = weighted[0]?.entry;
    let x = pick * total;
    for (const t of weighted) {
      if (x < t.weight) {
        chosen = t.entry;
        break;
      }
      x -= t.weight;
    }
    // Embeddings never fall back to another model: its vectors would live in another space.
    if (kind === 'embeddings') return chosen ? [chosen] : [];
    const rest = [...route.targets].sort((a, b) => b.weight - a.weight).map((t) => t.entry);
    const out: RegistryEntry[] = [];
    for (const e of [chosen, ...rest, ...route.fallback]) if (e && suits(kind)(e) && !out.includes(e)) out.push(e);
    return out;
  }

  return {
    aliasNames: () => [...aliases.keys()],
    routeOf,
    /**
     * The plan for one request. Throws `not-found` for an unknown alias, `invalid-input` when the alias has no model
     * of this kind, and `forbidden` (with `details.refused`) when no model of the alias is cleared for the data.
     */
    plan(name: string, classification: Classification | undefined, pick: number, kind: CallKind): Plan {
      const route = routeOf(name);
      const all = order(route, pick, kind);
      if (all.length === 0) {
        throw new StrataError('gateway', 'invalid-input', `"${name}" has no ${kind === 'chat' ? 'chat' : 'embedding'} model`, {
          details: { kind: 'wrong-model-kind', model: name },
          hint: kind === 'chat' ? 'use a chat model or alias' : 'use a registry model whose capabilities include "embeddings"',
        });
      }
      const candidates = all.filter((e) => isCleared(e, classification));
      const level = classification ?? 'public';
      if (candidates.length === 0) {
        throw new StrataError('gateway', 'forbidden', `no model of "${name}" is cleared for ${level} data; the request was not sent`, {
          details: { kind: 'classification', model: name, classification: level, refused: all.map((e) => e.id) },
          hint: `add "${level}" to clearedFor of a model in this alias's targets or fallback (if policy allows), or use another alias`,
        });
      }
      const first = all[0]!;
      const rerouted = candidates[0] !== first ? { from: first.id, to: candidates[0]!.id, reason: `${first.id} is not cleared for ${level} data` } : undefined;
      return { route, candidates, rerouted };
    },
  };
}

export type Router = ReturnType<typeof createRouter>;
