"""npkg: the neuropathic-pain pharmacology knowledge graph.

``npkg.open()`` gives the embedded store loaded from the packaged release;
``npkg.open("http://host/sparql")`` gives the same API over a SPARQL 1.1 endpoint.
Heavy libraries (rdflib, pyshacl, owlready2) are imported only by the commands that need
them, so ``import npkg`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["__version__", "open"]

if TYPE_CHECKING:
    from npkg.api import KnowledgeGraph


def open(endpoint: str | None = None, **kwargs: Any) -> KnowledgeGraph:
    """Open npkg: the embedded store by default, or a remote SPARQL endpoint by URL."""
    from npkg.api import open_graph

    return open_graph(endpoint, **kwargs)
