// Layering, checked in CI (`npm run lint`): dependencies point one way,
// core ← (config, store, ingest, search engines) ← services (ingest/sync, search/service, eval, audit) ← interfaces (cli, server).
// See docs/ARCHITECTURE.md.
const layer = (name, path, mayNotImport, comment) => ({
  name,
  severity: 'error',
  comment,
  from: { path },
  to: { path: mayNotImport },
});

module.exports = {
  forbidden: [
    layer('core-is-the-bottom', '^src/core/', '^src/(?!core/)', 'core holds types, config schema and errors; it imports nothing of ours'),
    layer('store-below-services', '^src/(store|config)/', '^src/(ingest|search|eval|cli|audit|models|vector|gateway|answer)/', 'store and config are adapters: they know core only'),
    layer('audit-is-a-service', '^src/audit/', '^src/(?!(core|store|audit)/)', 'audit verifies and exports what the store holds: it knows core and store only; interfaces call it'),
    layer('ingest-not-search', '^src/ingest/', '^src/(search|eval|cli)/', 'ingest gets analysis injected (IndexTextFn), it does not import search'),
    layer('search-not-ingest', '^src/search/', '^src/(ingest|eval|cli|gateway|answer)/', 'search reads the store; it does not know how documents got there'),
    layer('models-are-adapters', '^src/models/', '^src/(?!(core|models)/)', 'model provider adapters (embed, rerank, chat) know core only; services wire them to the store'),
    layer('vector-is-an-engine', '^src/vector/', '^src/(?!(core|vector)/)', 'the ANN engine knows vectors and labels, nothing of collections or the store'),
    layer('gateway-is-a-service', '^src/gateway/', '^src/(?!(core|models|store|gateway)/)', 'the model gateway routes over provider adapters; it knows no retrieval'),
    layer('answer-is-a-service', '^src/answer/', '^src/(ingest|eval|cli|server)/', 'answers compose search and the gateway; interfaces call them'),
    layer('eval-below-cli', '^src/eval/', '^src/cli/', 'eval is a service; interfaces call it'),
    layer('parsers-are-leaves', '^src/ingest/parsers/', '^src/(store|ingest/(?!parsers/))', 'a parser turns bytes into blocks and nothing else'),
    layer('no-bench-in-src', '^src/', '^bench/', 'benchmarks use the product, never the other way round'),
    layer('server-is-an-interface', '^src/(?!(server|cli)/)', '^src/server/', 'the HTTP server is an interface like the CLI: it may import any layer below, and only the CLI (`strata serve`) imports it'),
    layer('server-not-cli', '^src/server/', '^src/cli/', 'server and CLI are sibling shells over the same core'),
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.(test|testkit)\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
