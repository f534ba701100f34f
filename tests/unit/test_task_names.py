"""Every task name the beat schedules or an operator may ask for is a task the worker registers."""

from services.config import Settings
from services.jobs import JOB_TASKS, TaskName
from workers import schedule
from workers.app import create_celery

# Never connected to: building the Celery app and its beat schedule does no I/O.
SETTINGS = Settings(database_url="postgresql://nobody@127.0.0.1:1/none", redis_url="redis://127.0.0.1:1/0")


def _registered() -> set[str]:
    return {name for name in create_celery(SETTINGS).tasks if not name.startswith("celery.")}


def test_every_task_name_is_registered_once():
    assert _registered() == {str(name) for name in TaskName}


def test_every_scheduled_task_is_registered():
    entries = schedule.build(SETTINGS)
    assert entries, "the default schedule runs something"
    registered = _registered()
    for entry, spec in entries.items():
        assert spec["task"] in registered, f"beat entry {entry} names no registered task: {spec['task']}"


def test_every_admin_job_is_registered():
    registered = _registered()
    for job, name in JOB_TASKS.items():
        assert name in registered, f"job {job} names no registered task: {name}"


def test_the_api_accepts_exactly_the_admin_jobs():
    from schemas.admin import JOB_NAMES

    assert set(JOB_NAMES) == set(JOB_TASKS)
