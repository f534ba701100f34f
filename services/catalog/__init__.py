"""The paper catalogue: imports and (later) search."""
