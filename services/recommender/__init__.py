"""The recommendation engine: embedders, the FAISS index, collaborative filtering, trending, the feed.

Pure of Flask and Celery: the API and the workers drive it with a Database, Settings and an
ArtifactStore, and so can an offline evaluation.
"""
