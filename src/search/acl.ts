// The searcher's permission state per collection: every document's policy (reloaded when the collection's
// content or policy generation moves — never by rebuilding the text index) and, per distinct principal set,
// a bitmap over the in-memory index's documents, so the ACL is one array read inside the BM25 loop.
import { canRead, principalsKey } from '../core/access.js';
import { StrataError } from '../core/errors.js';
import type { AccessPolicy, Caller, Collection } from '../core/types.js';
import type { Store } from '../store/types.js';

/** Least-recently-used map with a size bound (Map keeps insertion order; a hit re-inserts). */
export interface Lru<V> {
  get(key: string): V | undefined;
  set(key: string, value: V): void;
  /** Drops every entry whose key matches. */
  deleteWhere(match: (key: string) => boolean): void;
  readonly size: number;
}

export function lru<V>(max: number): Lru<V> {
  const m = new Map<string, V>();
  return {
    get(key) {
      const v = m.get(key);
      if (v !== undefined) {
        m.delete(key);
        m.set(key, v);
      }
      return v;
    },
    set(key, value) {
      m.delete(key);
      m.set(key, value);
      if (m.size > max) m.delete(m.keys().next().value!);
    },
    deleteWhere(match) {
      for (const k of [...m.keys()]) if (match(k)) m.delete(k);
    },
    get size() {
      return m.size;
    },
  };
}

/** Policies of a collection's documents as of (generation, policyGeneration), or fresher. */
export interface PolicySnapshot {
  readonly generation: number;
  readonly policyGeneration: number;
  readonly policies: ReadonlyMap<string, AccessPolicy | null>;
  /** Readable-document counts per principals key. */
  readonly counts: Lru<number>;
}

/** Which of an index's documents (by position in its docIds) one principal set may read. */
export interface AclBitmap {
  readonly bits: Uint8Array;
  /** Every document is readable: the search needs no ACL check at all. */
  readonly all: boolean;
}

/** Where an index keeps its bitmaps; reset whenever the snapshot they were built from is replaced. */
export interface AclSlot {
  acl?: { snapshot: PolicySnapshot; bitmaps: Lru<AclBitmap> };
}

export interface PolicyCacheStats {
  policyLoads: number;
  bitmapBuilds: number;
}

export interface PolicyCache {
  snapshot(collectionId: string, generation: number, policyGeneration: number): Promise<PolicySnapshot>;
  bitmap(slot: AclSlot, docIds: readonly string[], snapshot: PolicySnapshot, caller: Caller): AclBitmap;
  count(snapshot: PolicySnapshot, caller: Caller): number;
  readonly stats: PolicyCacheStats;
}

/**
 * `principalSets` bounds the bitmaps kept per index and the counts kept per snapshot: a server with many
 * distinct callers rebuilds bitmaps (one pass over the documents) instead of growing without limit.
 */
export function createPolicyCache(store: Store, principalSets = 32): PolicyCache {
  const snapshots = new Map<string, Promise<PolicySnapshot>>();
  const stats: PolicyCacheStats = { policyLoads: 0, bitmapBuilds: 0 };
  return {
    stats,
    async snapshot(collectionId, generation, policyGeneration) {
      const cached = await snapshots.get(collectionId)?.catch(() => undefined);
      if (cached && cached.generation === generation && cached.policyGeneration === policyGeneration) return cached;
      // The generations were read before the policies, so the snapshot is never older than its key.
      stats.policyLoads++;
      const loading = store
        .policies(collectionId)
        .then((policies): PolicySnapshot => ({ generation, policyGeneration, policies, counts: lru(principalSets) }));
      snapshots.set(collectionId, loading);
      loading.catch(() => snapshots.delete(collectionId));
      return loading;
    },
    bitmap(slot, docIds, snapshot, caller) {
      if (slot.acl?.snapshot !== snapshot) slot.acl = { snapshot, bitmaps: lru(principalSets) };
      const key = principalsKey(caller.principals);
      let bitmap = slot.acl.bitmaps.get(key);
      if (!bitmap) {
        stats.bitmapBuilds++;
        const principals = new Set(caller.principals);
        const bits = new Uint8Array(docIds.length);
        let all = true;
        docIds.forEach((id, i) => {
          // A document missing from the snapshot was deleted after the index loaded: nobody reads it.
          const ok = snapshot.policies.has(id) && canRead(snapshot.policies.get(id)!, principals);
          bits[i] = ok ? 1 : 0;
          all &&= ok;
        });
        bitmap = { bits, all };
        slot.acl.bitmaps.set(key, bitmap);
      }
      return bitmap;
    },
    count(snapshot, caller) {
      const key = principalsKey(caller.principals);
      let n = snapshot.counts.get(key);
      if (n === undefined) {
        const principals = new Set(caller.principals);
        n = 0;
        for (const policy of snapshot.policies.values()) if (canRead(policy, principals)) n++;
        snapshot.counts.set(key, n);
      }
      return n;
    },
  };
}

/**
 * Workspaces are isolated: a collection of another workspace does not exist for the caller, so the error is
 * the same "not found" a missing collection gives.
 */
export function assertSameWorkspace(caller: Caller, collection: Collection): void {
  if (caller.workspaceId !== collection.workspaceId) {
    throw new StrataError('search', 'not-found', `collection "${collection.name}" not found`, {
      hint: 'list the collections of your workspace',
    });
  }
}
