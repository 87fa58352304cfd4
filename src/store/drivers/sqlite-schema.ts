// Schema of the embedded store, applied in order by version; each step runs in one transaction.
import { AUDIT_DDL } from './sqlite-audit.js';
import { POLICY_DDL } from './sqlite-policy.js';
import { KEYS_DDL } from './sqlite-keys.js';
import { VECTORS_DDL } from './sqlite-vectors.js';
import { SPEND_DDL, USAGE_DDL } from './sqlite-usage.js';

export const MIGRATIONS: string[] = [
  `
  CREATE TABLE workspaces (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
  );
  CREATE TABLE collections (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    settings TEXT NOT NULL,
    classification TEXT NOT NULL,
    generation INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    UNIQUE (workspace_id, name)
  );
  CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    collection_id TEXT NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    source_id TEXT NOT NULL,
    source_path TEXT NOT NULL,
    version INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    metadata TEXT NOT NULL,
    access_policy TEXT,
    classification TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (collection_id, source_id)
  );
  CREATE INDEX documents_by_source_path ON documents (collection_id, source_path);
  CREATE TABLE chunks (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    collection_id TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    text TEXT NOT NULL,
    token_count INTEGER NOT NULL,
    location TEXT NOT NULL,
    terms TEXT NOT NULL,
    term_count INTEGER NOT NULL
  );
  CREATE INDEX chunks_by_document ON chunks (document_id, ordinal);
  CREATE INDEX chunks_by_collection ON chunks (collection_id, seq);
  CREATE TABLE file_states (
    collection_id TEXT NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    status TEXT NOT NULL,
    file_hash TEXT,
    size INTEGER,
    modified_at TEXT,
    reason TEXT,
    document_count INTEGER NOT NULL DEFAULT 0,
    job_id TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (collection_id, path)
  ) WITHOUT ROWID;
  CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    collection_id TEXT REFERENCES collections(id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    stats TEXT NOT NULL DEFAULT '{}',
    error TEXT,
    pid INTEGER
  );
  CREATE INDEX jobs_by_collection ON jobs (collection_id, started_at);
  `,
  AUDIT_DDL,
  POLICY_DDL,
  KEYS_DDL,
  USAGE_DDL,
  VECTORS_DDL,
  SPEND_DDL,
];
