"""Celery app factory, beat schedule and thin named tasks. Heavy work lives in services/."""
