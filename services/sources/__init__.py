"""Sources: papers that arrive by themselves (the arXiv API, Hugging Face Daily Papers).

``spec`` parses the SOURCES setting, ``arxiv`` and ``hf_daily`` turn one HTTP response into papers,
``text`` normalises what they say, ``fetch`` speaks HTTP politely, ``runner`` polls one source: it
pages from the stored cursor, upserts each page through the catalogue's import path and moves the
cursor in the same transaction, and records failures with a back-off.
"""
