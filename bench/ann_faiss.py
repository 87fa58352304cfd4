#!/usr/bin/env python3
"""Reference engine for bench/ann.ts: faiss (Debian python3-faiss) HNSW and flat inner-product search on
the same L2-normalised vectors. Reads <dir>/base.f32, <dir>/queries.f32 (row-major float32) and
<dir>/truth.i32 (exact top-10 labels per query, from our exact scan), prints one JSON object on stdout.

    python3 bench/ann_faiss.py <dir> <dims> <M> <efConstruction> <ef,ef,...> <build_threads>
"""
import json
import os
import resource
import sys
import time

import numpy as np
import faiss


def rss_mb():
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) / 1024
    return 0.0


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def timed_queries(index, queries, k):
    lat = []
    found = []
    for q in queries:
        t = time.perf_counter()
        _, ids = index.search(q.reshape(1, -1), k)
        lat.append((time.perf_counter() - t) * 1000)
        found.append(ids[0])
    return lat, found


def recall(found, truth, k):
    hits = 0
    for f, t in zip(found, truth):
        hits += len(set(int(x) for x in f[:k]) & set(int(x) for x in t[:k]))
    return hits / (len(truth) * k)


def main():
    d, dims, m, efc, efs, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], int(sys.argv[6])
    base = np.fromfile(os.path.join(d, 'base.f32'), dtype=np.float32).reshape(-1, dims)
    queries = np.fromfile(os.path.join(d, 'queries.f32'), dtype=np.float32).reshape(-1, dims)
    truth = np.fromfile(os.path.join(d, 'truth.i32'), dtype=np.int32).reshape(len(queries), -1)
    k = truth.shape[1]

    # Searches are single queries on one thread, as a request handler would run them.
    faiss.omp_set_num_threads(threads)
    rss0 = rss_mb()
    index = faiss.IndexHNSWFlat(dims, m, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = efc
    t = time.perf_counter()
    index.add(base)
    build_ms = (time.perf_counter() - t) * 1000
    rss1 = rss_mb()
    faiss.omp_set_num_threads(1)
    path = os.path.join(d, 'faiss.index')
    faiss.write_index(index, path)
    out = {
        'engine': f'faiss {faiss.__version__} IndexHNSWFlat (inner product)',
        'm': m,
        'efConstruction': efc,
        'build_threads': threads,
        'build_ms': round(build_ms),
        'rss_delta_mb': round(rss1 - rss0, 1),
        'index_file_mb': round(os.path.getsize(path) / 2**20, 1),
        'ef': [],
    }
    for ef in [int(x) for x in efs.split(',')]:
        index.hnsw.efSearch = ef
        timed_queries(index, queries[:100], k)  # warm-up
        lat, found = timed_queries(index, queries, k)
        out['ef'].append({'ef': ef, 'recall_at_10': round(recall(found, truth, k), 4), 'p50_ms': round(pct(lat, 50), 4), 'p95_ms': round(pct(lat, 95), 4)})
    flat = faiss.IndexFlatIP(dims)
    flat.add(base)
    timed_queries(flat, queries[:100], k)
    lat, found = timed_queries(flat, queries, k)
    out['exact'] = {'engine': 'faiss IndexFlatIP', 'recall_at_10': round(recall(found, truth, k), 4), 'p50_ms': round(pct(lat, 50), 4), 'p95_ms': round(pct(lat, 95), 4)}
    out['max_rss_mb'] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(out))


if __name__ == '__main__':
    main()
