"""Clustering speaker embeddings into speakers, with the count estimated or given.

Agglomerative clustering (average linkage, cosine distance) proposes a count by a
distance threshold; the count is then clamped to the user's bounds and the dendrogram
cut there. Long meetings cluster a bounded subsample and assign the rest to the nearest
centroid, so time and memory stay flat.

When the caller knows how long each embedding's voice was heard, embeddings of under a
second are left out of the clustering and then placed with the nearest speaker (or,
far from everyone, as a voice of their own): they spread too widely to shape the
clusters, yet a 0.5 s "Yes." still has to go to the person who said it. A cluster heard for
under three seconds in all (summed over its embeddings) joins its nearest neighbour at
a looser distance: a short embedding sits several times further from its own speaker's
centre than one of several seconds (docs/benchmarks.md, session 7), so such a cluster
is more often a stray piece of someone already found than a new person.

No single merge distance suits every meeting: how far one person's embeddings spread
changes with the room, the microphone and how long each turn is. :func:`choose_threshold`
therefore also tries distances a little either side of the usual one and keeps the
clustering whose voices stand apart best (silhouette) and whose count holds over the
widest range of distances, when it is clearly better (docs/benchmarks.md, sessions 22
and 23).
"""

from __future__ import annotations

import numpy as np

MAX_CLUSTERED = 2000  # windows clustered exactly; the rest are assigned to centroids
REFINE_ITERATIONS = 3
CLUSTER_SECONDS = 1.0  # embeddings heard alone for less are placed, not clustered
NEW_VOICE = 0.6  # a placed embedding this far (cosine) from every cluster starts its own
SHORT_SECONDS = 3.0  # a cluster heard alone for less than this in all is "short"
SHORT_MARGIN = 0.10  # added to the threshold when a short cluster joins its neighbour
# choose_threshold: distances tried either side of the base, in steps; how much better a
# neighbour's score must be to be taken; and how far it may move the count. A count's
# steadiness is how wide a run of distances gives it, looked for within STEADY_SPAN of
# the base; each unit of distance adds STEADY_WEIGHT to the silhouette.
SEARCH_SPAN = 0.09
SEARCH_STEP = 0.015
SCORE_MARGIN = 0.03
MAX_COUNT_CHANGE = 2
STEADY_SPAN = 0.21
STEADY_WEIGHT = 0.2
# anchor: an embedding is claimed by an enrolled voice when its cosine similarity to that
# print is at least CLAIM_SIMILARITY and CLAIM_MARGIN above its next-best print's; two
# prints split a cluster when each claims CLAIM_SHARE of it (and two embeddings or more);
# one print joins the clusters it claims JOIN_SHARE of (docs/benchmarks.md, session 24).
CLAIM_SIMILARITY = 0.6
CLAIM_MARGIN = 0.05
CLAIM_SHARE = 0.3
JOIN_SHARE = 0.5


def _normalise(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.asarray(x / np.maximum(norms, 1e-9), dtype=np.float32)


def cluster(
    embeddings: np.ndarray,
    *,
    min_speakers: int = 1,
    max_speakers: int = 10,
    threshold: float = 0.4,
    seconds: np.ndarray | None = None,
) -> np.ndarray:
    """Speaker label (0..k-1, ordered by first appearance) for each embedding row.

    ``seconds``, when given, is how long each row's voice was heard. Rows heard for
    under ``CLUSTER_SECONDS`` are too noisy to shape the clusters: they are placed
    afterwards (:func:`_place`). Clusters heard for under ``SHORT_SECONDS`` in all merge
    into their nearest neighbour within ``threshold + SHORT_MARGIN``, never below
    ``min_speakers``.
    """
    n = len(embeddings)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    max_k = max(1, min(max_speakers, n))
    min_k = max(1, min(min_speakers, max_k))
    if n == 1 or max_k == 1:
        return np.zeros(n, dtype=np.int64)
    x = _normalise(embeddings)
    if seconds is not None:
        long = seconds >= CLUSTER_SECONDS
        # Placing needs as many long rows as the user's minimum count; with fewer (or
        # none short), every row is clustered.
        if min_k <= long.sum() < n:
            labels = np.full(n, -1, dtype=np.int64)
            labels[long] = _cluster(x[long], min_k, max_k, threshold, seconds[long])
            labels[~long] = _place(x, labels, max_k, threshold)
            return _order_by_appearance(labels)
    return _order_by_appearance(_cluster(x, min_k, max_k, threshold, seconds))


def choose_threshold(
    embeddings: np.ndarray,
    *,
    base: float,
    min_speakers: int = 1,
    max_speakers: int = 10,
    seconds: np.ndarray | None = None,
) -> float:
    """The merge distance for these embeddings: ``base``, or a distance within
    ``SEARCH_SPAN`` of it whose clustering is clearly better.

    Each candidate is scored by its silhouette (cosine: how much nearer each embedding
    sits to its own speaker than to the next one) plus ``STEADY_WEIGHT`` times the width
    of the run of distances that give the same count: a count that holds while the
    distance moves is the meeting's own, one that holds at a single distance is a merge
    caught half-way. A neighbour wins when it beats the base by ``SCORE_MARGIN``
    and changes the count by at most ``MAX_COUNT_CHANGE``. One speaker at the base stays
    one: the silhouette cannot weigh one cluster against two.
    """
    from sklearn.metrics import silhouette_score

    n = len(embeddings)
    if n < 3 or min(max_speakers, n) == 1 or min_speakers == max_speakers:
        return base
    x = _normalise(embeddings)
    # Long meetings: score an even subsample, as _cluster clusters one.
    rows = np.unique(np.linspace(0, n - 1, num=min(n, MAX_CLUSTERED)).round().astype(np.int64))
    reach = round(STEADY_SPAN / SEARCH_STEP)
    grid = [t for i in range(-reach, reach + 1) if (t := round(base + i * SEARCH_STEP, 6)) > 0]
    labels = [
        cluster(
            x, min_speakers=min_speakers, max_speakers=max_speakers, threshold=t, seconds=seconds
        )
        for t in grid
    ]
    counts = [len(np.unique(lab)) for lab in labels]

    def steadiness(i: int) -> float:
        lo = hi = i
        while lo > 0 and counts[lo - 1] == counts[i]:
            lo -= 1
        while hi < len(grid) - 1 and counts[hi + 1] == counts[i]:
            hi += 1
        return (hi - lo + 1) * SEARCH_STEP

    def score(i: int) -> float | None:
        sample = labels[i][rows]
        if not 2 <= len(np.unique(sample)) < len(rows):
            return None
        silhouette = float(silhouette_score(x[rows], sample, metric="cosine"))
        return silhouette + STEADY_WEIGHT * steadiness(i)

    at = grid.index(round(base, 6))
    base_score = score(at)
    if base_score is None:
        return base
    best, best_score = base, base_score + SCORE_MARGIN
    for i, threshold in enumerate(grid):
        if i == at or abs(threshold - base) > SEARCH_SPAN + 1e-9:
            continue
        if abs(counts[i] - counts[at]) > MAX_COUNT_CHANGE:
            continue
        value = score(i)
        if value is not None and value > best_score:
            best, best_score = threshold, value
    return best


def anchor(
    labels: np.ndarray,
    embeddings: np.ndarray,
    prints: np.ndarray,
    *,
    min_speakers: int = 1,
    max_speakers: int = 10,
    seconds: np.ndarray | None = None,
) -> np.ndarray:
    """Labels corrected by enrolled voices (``prints``, one row each).

    Two similar people on one microphone can sit nearer one another than one far-field
    person sits from themself, so clustering alone merges them; nor can it tell that two
    clusters are one person whose voice drifted. An enrolled print can: a cluster that
    two prints each claim a good share of is split between them (the rest of it going to
    the nearer part), and clusters one print claims most of are joined. Only embeddings
    heard for ``CLUSTER_SECONDS`` or more vote. The count stays within the bounds.
    """
    if len(labels) == 0 or len(prints) == 0 or prints.shape[1] != embeddings.shape[1]:
        return labels
    x = _normalise(embeddings)
    sims = x @ _normalise(prints).T
    order = np.argsort(-sims, axis=1)
    rows = np.arange(len(x))
    best = sims[rows, order[:, 0]]
    runner_up = sims[rows, order[:, 1]] if len(prints) > 1 else np.full(len(x), -1.0)
    heard = seconds >= CLUSTER_SECONDS if seconds is not None else np.ones(len(x), bool)
    sure = heard & (best >= CLAIM_SIMILARITY) & (best - runner_up >= CLAIM_MARGIN)
    claim = np.where(sure, order[:, 0], -1)

    def claims(mine: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The prints that claim some of these rows, and how many rows each."""
        mine_claims = claim[mine]
        return np.unique(mine_claims[mine_claims >= 0], return_counts=True)

    out = labels.copy()
    k = len(np.unique(out))
    for c in np.unique(labels):
        mine = np.flatnonzero(labels == c)
        who, votes = claims(mine)
        parts = [p for p, n in zip(who, votes, strict=True) if n >= max(2, CLAIM_SHARE * len(mine))]
        if len(parts) < 2 or k >= max_speakers:
            continue
        parts = parts[: 1 + max_speakers - k]
        centres = _normalise(np.stack([x[mine[claim[mine] == p]].mean(axis=0) for p in parts]))
        nearest = np.argmax(x[mine] @ centres.T, axis=1)
        for i in range(1, len(parts)):
            out[mine[nearest == i]] = int(out.max()) + 1
        k = len(np.unique(out))
    owner: dict[int, int] = {}
    for c in np.unique(out):
        mine = np.flatnonzero(out == c)
        who, votes = claims(mine)
        if not len(who) or votes.max() < max(2, JOIN_SHARE * len(mine)):
            continue
        p = int(who[np.argmax(votes)])
        if p in owner and k > min_speakers:
            out[mine] = owner[p]
            k -= 1
        else:
            owner.setdefault(p, int(c))
    return _order_by_appearance(out)


def _cluster(
    x: np.ndarray, min_k: int, max_k: int, threshold: float, seconds: np.ndarray | None
) -> np.ndarray:
    """AHC cut at ``threshold`` (count clamped to the bounds), refined, short ones merged."""
    from scipy.cluster.hierarchy import fcluster, linkage

    n = len(x)
    max_k = min(max_k, n)
    min_k = min(min_k, max_k)
    if n == 1 or max_k == 1:
        return np.zeros(n, dtype=np.int64)
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
    if seconds is not None:
        assigned = _absorb_short(x, assigned, seconds, threshold + SHORT_MARGIN, min_k)
    return assigned


def _place(x: np.ndarray, labels: np.ndarray, max_k: int, threshold: float) -> np.ndarray:
    """Labels for the rows still at -1: the nearest cluster's, or — for rows further
    than ``NEW_VOICE`` from every cluster, while the bounds leave room — clusters of
    their own, cut at ``threshold`` among themselves."""
    present = np.unique(labels[labels >= 0])
    centroids = _normalise(np.stack([x[labels == c].mean(axis=0) for c in present]))
    todo = np.flatnonzero(labels < 0)
    sim = x[todo] @ centroids.T
    out = present[sim.argmax(axis=1)]
    far = 1.0 - sim.max(axis=1) >= NEW_VOICE
    room = max_k - len(present)
    if far.any() and room > 0:
        own = _cluster(x[todo[far]], 1, room, threshold, None)
        out[far] = int(present.max()) + 1 + own
    return np.asarray(out, dtype=np.int64)


def _absorb_short(
    x: np.ndarray, labels: np.ndarray, seconds: np.ndarray, threshold: float, min_k: int
) -> np.ndarray:
    """Merge clusters heard for under ``SHORT_SECONDS`` into their nearest neighbour
    (average cosine distance) when it is within ``threshold``; shortest first."""
    labels = labels.copy()
    while True:
        present = np.unique(labels)
        if len(present) <= min_k:
            return labels
        heard = {int(c): float(seconds[labels == c].sum()) for c in present}
        for c in sorted((c for c in heard if heard[c] < SHORT_SECONDS), key=heard.__getitem__):
            own = x[labels == c]
            dist = {int(d): float(np.mean(1.0 - own @ x[labels == d].T)) for d in present if d != c}
            nearest = min(dist, key=dist.__getitem__)
            if dist[nearest] < threshold:
                labels[labels == c] = nearest
                break  # distances changed: look again
        else:
            return labels


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
