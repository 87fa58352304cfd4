// Small helpers the route files share: resolving a collection in the caller's workspace, and the public
// shape of a document (no server paths).
import type { Context } from 'hono';
import { StrataError } from '../../core/errors.js';
import type { Collection, Document } from '../../core/types.js';
import type { AppEnv, RouteDeps } from '../types.js';

/** The collection of the caller's workspace with this name; 404 otherwise (another workspace's is never seen). */
export async function collectionOf(deps: RouteDeps, c: Context<AppEnv>, name: string): Promise<Collection> {
  const col = await deps.store.getCollection(c.get('caller').workspaceId, name);
  if (!col) throw new StrataError('server', 'not-found', `collection "${name}" not found`, { hint: 'list collections with GET /v1/collections' });
  return col;
}

/** A document as the API shows it: `sourcePath` is left out (for folder sources it is a path on the server). */
export function publicDocument(d: Document) {
  return {
    id: d.id,
    collectionId: d.collectionId,
    sourceId: d.sourceId,
    version: d.version,
    contentHash: d.contentHash,
    metadata: d.metadata as Record<string, unknown>,
    accessPolicy: d.accessPolicy,
    classification: d.classification,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
}
