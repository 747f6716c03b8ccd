"""The graph of exact and verified edges on the client, in numpy arrays.

:func:`dedup.engine.group.components` and :func:`dedup.engine.grouping.adjacency` hold an edge
as Python objects (some 370 bytes each once grouped, 800 at the peak); here an edge costs
its two int64 ids and its two entries in a symmetric CSR matrix (scipy's
``connected_components`` finds the components), about 50 bytes. The answer is theirs:
components of two or more members, each sorted, in order of their first member, and
every member's partners sorted.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from dedup.arrays import distinct

I64 = npt.NDArray[np.int64]


class Graph(Mapping[int, Sequence[int]]):
    """Undirected edges between article ids: each article's partners, and the components."""

    def __init__(self, a: I64, b: I64) -> None:
        self.nodes: I64 = distinct(np.concatenate((a, b)))
        size = len(self.nodes)
        rows = np.searchsorted(self.nodes, np.concatenate((a, b)))
        cols = np.searchsorted(self.nodes, np.concatenate((b, a)))
        ones = np.ones(len(rows), dtype=np.int8)
        matrix = coo_matrix((ones, (rows, cols)), shape=(size, size)).tocsr()
        matrix.sum_duplicates()
        matrix.sort_indices()
        self.matrix = matrix

    def __getitem__(self, node: int) -> list[int]:
        row = int(np.searchsorted(self.nodes, node))
        if row >= len(self.nodes) or self.nodes[row] != node:
            raise KeyError(node)
        start, stop = self.matrix.indptr[row], self.matrix.indptr[row + 1]
        partners: list[int] = self.nodes[self.matrix.indices[start:stop]].tolist()
        return partners

    def __iter__(self) -> Iterator[int]:
        return iter(self.nodes.tolist())

    def __len__(self) -> int:
        return len(self.nodes)

    def components(self) -> Iterator[list[int]]:
        """Components of two or more members (every one here has), each sorted, in order
        of their first member."""
        if not len(self.nodes):
            return
        _, labels = connected_components(self.matrix, directed=False)
        order = np.argsort(labels, kind="stable")  # nodes are sorted: members stay so
        cuts = np.flatnonzero(np.diff(labels[order])) + 1
        groups = np.split(self.nodes[order], cuts)
        for members in sorted(groups, key=lambda m: int(m[0])):
            yield members.tolist()
