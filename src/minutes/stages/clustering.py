"""Clustering speaker embeddings into speakers, with the count estimated or given.

Agglomerative clustering (average linkage, cosine distance) proposes a count by a
distance threshold; the count is then clamped to the user's bounds and the dendrogram
cut there. Long meetings cluster a bounded subsample and assign the rest to the nearest
centroid, so time and memory stay flat.
"""

from __future__ import annotations

import numpy as np

MAX_CLUSTERED = 2000  # windows clustered exactly; the rest are assigned to centroids
REFINE_ITERATIONS = 3


def _normalise(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.asarray(x / np.maximum(norms, 1e-9), dtype=np.float32)


def cluster(
    embeddings: np.ndarray,
    *,
    min_speakers: int = 1,
    max_speakers: int = 10,
    threshold: float = 0.4,
) -> np.ndarray:
    """Speaker label (0..k-1, ordered by first appearance) for each embedding row."""
    from scipy.cluster.hierarchy import fcluster, linkage

    n = len(embeddings)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    max_k = max(1, min(max_speakers, n))
    min_k = max(1, min(min_speakers, max_k))
    if n == 1 or max_k == 1:
        return np.zeros(n, dtype=np.int64)

    x = _normalise(embeddings)
    idx = np.linspace(0, n - 1, num=min(n, MAX_CLUSTERED)).round().astype(np.int64)
    sample = x[np.unique(idx)]
    tree = linkage(sample, method="average", metric="cosine")
    labels = fcluster(tree, t=threshold, criterion="distance")
    k = int(labels.max())
    if not min_k <= k <= max_k:
        k = min(max(k, min_k), max_k)
        labels = fcluster(tree, t=k, criterion="maxclust")
    centroids = _centroids(sample, labels - 1)
    assigned = _refine(x, centroids)
    return _order_by_appearance(assigned)


def _centroids(x: np.ndarray, labels: np.ndarray) -> np.ndarray:
    k = int(labels.max()) + 1
    return _normalise(
        np.stack([x[labels == i].mean(axis=0) for i in range(k) if (labels == i).any()])
    )


def _refine(x: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """A few k-means steps on the sphere: fixes windows AHC put on the wrong branch."""
    labels = np.argmax(x @ centroids.T, axis=1)
    for _ in range(REFINE_ITERATIONS):
        present = [i for i in range(len(centroids)) if (labels == i).any()]
        centroids = _normalise(np.stack([x[labels == i].mean(axis=0) for i in present]))
        new = np.argmax(x @ centroids.T, axis=1)
        if np.array_equal(new, labels):
            break
        labels = new
    return np.asarray(labels, dtype=np.int64)


def _order_by_appearance(labels: np.ndarray) -> np.ndarray:
    mapping: dict[int, int] = {}
    for lab in labels.tolist():
        mapping.setdefault(lab, len(mapping))
    return np.asarray([mapping[lab] for lab in labels.tolist()], dtype=np.int64)
