// Storage contract for access policies and the directory of users and groups. Implemented per driver in
// drivers/<name>-policy.ts; behaviour pinned by conformance-policy.testkit.ts.
import type { AccessPolicy } from '../core/types.js';
import type { AuditInput } from './audit.js';

export type PrincipalKind = 'user' | 'group';

/** Where a directory entry came from: the config file (re-synced at start-up) or the API. */
export type PrincipalSource = 'config' | 'api';

/** A user or group of a workspace's directory. */
export interface Principal {
  workspaceId: string;
  kind: PrincipalKind;
  id: string;
  /** Groups this principal is a direct member of (a group in a group nests). */
  groups: string[];
  displayName: string | null;
  source: PrincipalSource;
  createdAt: string;
  updatedAt: string;
}

export interface PrincipalInput {
  workspaceId: string;
  kind: PrincipalKind;
  id: string;
  groups: string[];
  displayName?: string | null;
  /** Default 'api'. */
  source?: PrincipalSource;
}

export interface PolicyChange {
  documentId: string;
  /** The collection's policy generation after the change. */
  policyGeneration: number;
}

export interface PolicyStore {
  /** Creates or replaces a user or group (its groups and display name). Ids are validated. */
  upsertPrincipal(input: PrincipalInput): Promise<Principal>;
  /**
   * Removes a user or group; removing a group also drops it from every membership list in the workspace,
   * so nobody keeps it through a stale entry. Returns whether something was removed.
   */
  deletePrincipal(workspaceId: string, kind: PrincipalKind, id: string): Promise<boolean>;
  /** Every user and group of the workspace, users first, by id. */
  listPrincipals(workspaceId: string): Promise<Principal[]>;

  /**
   * Replaces one document's policy (by id or source id) and nothing else: no chunk is rewritten, the content
   * generation is untouched (no index rebuild, no re-embedding); the collection's `policyGeneration` grows so
   * searchers refresh permissions. `audit` entries are recorded in the same transaction.
   * Throws `not-found` when the document does not exist and `invalid-input` for a malformed policy.
   */
  setAccessPolicy(collectionId: string, documentIdOrSourceId: string, policy: AccessPolicy | null, audit?: AuditInput[]): Promise<PolicyChange>;
  /** Policy of every document in the collection, by document id. */
  policies(collectionId: string): Promise<Map<string, AccessPolicy | null>>;
  /** Grows with every `setAccessPolicy` on the collection; read it before `policies` to cache safely. */
  policyGeneration(collectionId: string): Promise<number>;
}
