"""Retrieval: corpus files -> chunks (ingest), encoders (MiniLM and USE), dense (FAISS) and
lexical (BM25) search fused by reciprocal rank, the index on disk (store), building it
incrementally (build), and searching it (index)."""
from .build import IndexStats, build_index
from .index import LANE_NAMES, Hit, Index

__all__ = ["Hit", "Index", "IndexStats", "LANE_NAMES", "build_index"]
