"""The embedded default queues tasks on kombu's filesystem transport, with no Redis."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import django
django.setup()
from portal import tasks
print(tasks.delivery_sweep.delay().id)
"""


def test_a_web_process_can_queue_before_any_worker_made_the_folders(tmp_path):
    """Regression: the queue folders were made only when a worker started, so a web
    process queueing first found no folder and left every delivery to the sweep."""
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings", PORTAL_TESTING="1",
        PORTAL_VAR_DIR=str(tmp_path), CELERY_TASK_ALWAYS_EAGER="0",
    )
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    task_id = result.stdout.strip()
    messages = list((tmp_path / "celery" / "queue").iterdir())
    assert len(messages) == 1
    assert task_id in messages[0].read_text()
    assert not (ROOT / "control").exists()  # kombu's control folder stays under var/
