"""Paperfeed's own logic (store, recommender, alerts) and its HTTP faces (api, dashboard)."""
