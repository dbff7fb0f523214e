"""Clustering synthetic speaker embeddings: count estimation and bounds."""

from __future__ import annotations

import numpy as np
import pytest

from minutes.stages.clustering import cluster


def blobs(k: int, per: int, dim: int = 64, spread: float = 0.15, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, dim))
    rows = [
        c + spread * rng.normal(size=(per, dim)) * np.linalg.norm(c) / np.sqrt(dim) for c in centres
    ]
    return np.concatenate(rows).astype(np.float32)


@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_estimates_the_number_of_speakers(k: int) -> None:
    labels = cluster(blobs(k, 30))
    assert len(set(labels.tolist())) == k
    # Every blob is one cluster.
    for i in range(k):
        assert len(set(labels[i * 30 : (i + 1) * 30].tolist())) == 1


def test_exact_count_is_honoured() -> None:
    labels = cluster(blobs(3, 20), min_speakers=2, max_speakers=2)
    assert len(set(labels.tolist())) == 2


def test_minimum_is_honoured() -> None:
    labels = cluster(blobs(1, 40), min_speakers=3, max_speakers=5)
    assert len(set(labels.tolist())) == 3


def test_labels_follow_first_appearance() -> None:
    x = blobs(2, 10)
    labels = cluster(np.concatenate([x[10:], x[:10]]))
    assert labels[0] == 0
    assert labels[-1] == 1


def test_more_speakers_than_windows() -> None:
    labels = cluster(blobs(2, 1), min_speakers=1, max_speakers=10)
    assert len(labels) == 2


def test_long_meetings_are_subsampled() -> None:
    labels = cluster(blobs(4, 1500))
    assert len(labels) == 6000
    assert len(set(labels.tolist())) == 4


def test_empty() -> None:
    assert len(cluster(np.zeros((0, 8), dtype=np.float32))) == 0
