// Storage contract for what the HTTP server keeps: API keys (stored as sha256 hashes, never in clear), folder
// sources the server may sync, and feedback on search results. Implemented per driver in
// drivers/<name>-keys.ts; behaviour pinned by conformance-keys.testkit.ts.
import type { Role } from '../core/types.js';

/** An API key as stored: everything but the secret. */
export interface ApiKey {
  id: string;
  workspaceId: string;
  /** Name of the workspace (joined in, so authentication needs one lookup). */
  workspace: string;
  /** A label for people ("ci pipeline", "alice laptop"). */
  name: string;
  role: Role;
  /** The user the key acts for; its principals come from the directory. */
  subject: string;
  /** The first characters of the key, safe to show so people can tell keys apart. */
  prefix: string;
  createdAt: string;
  createdBy: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface ApiKeyInput {
  workspaceId: string;
  name: string;
  role: Role;
  subject: string;
  prefix: string;
  /** sha256 (hex) of the full key. Keys are random and high-entropy, so a fast hash is enough. */
  hash: string;
  createdBy?: string | null;
}

/** A server-side folder a collection is synced from. */
export interface FolderSource {
  id: string;
  workspaceId: string;
  collectionId: string;
  kind: 'folder';
  /** Absolute path on the server. */
  path: string;
  createdAt: string;
}

export interface FeedbackInput {
  workspaceId: string;
  /** The trace id of the search the feedback is about (the `x-request-id` of that request). */
  traceId: string;
  subject: string;
  /** -1 (bad), 0 (neutral) or 1 (good). */
  rating: -1 | 0 | 1;
  documentId?: string | null;
  comment?: string | null;
}

export interface Feedback extends Required<FeedbackInput> {
  id: string;
  createdAt: string;
}

export interface KeyStore {
  createApiKey(input: ApiKeyInput): Promise<ApiKey>;
  /** The key with this hash, revoked or not (callers decide; a revoked key must still say "revoked"). */
  findApiKeyByHash(hash: string): Promise<ApiKey | null>;
  /** Keys of one workspace (revoked ones included), newest first; every workspace's when `workspaceId` is omitted. */
  listApiKeys(workspaceId?: string): Promise<ApiKey[]>;
  /** Revokes a key of the workspace; false when there is no such key there or it was already revoked. */
  revokeApiKey(workspaceId: string, id: string): Promise<boolean>;
  /** Records that a key was used (callers throttle this; it is a write). */
  touchApiKey(id: string, at?: string): Promise<void>;

  createSource(input: Omit<FolderSource, 'id' | 'createdAt'>): Promise<FolderSource>;
  listSources(workspaceId: string, collectionId?: string): Promise<FolderSource[]>;
  getSource(workspaceId: string, id: string): Promise<FolderSource | null>;
  deleteSource(workspaceId: string, id: string): Promise<boolean>;

  addFeedback(input: FeedbackInput): Promise<Feedback>;
  /** Feedback of a workspace, newest first, optionally for one trace. */
  listFeedback(workspaceId: string, options?: { traceId?: string; limit?: number }): Promise<Feedback[]>;
}
