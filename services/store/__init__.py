"""SQL only, one module per aggregate. Every function takes a psycopg connection first and never commits:
the caller's ``Database.connection()`` block is the transaction."""
