"""Driving a harvest job through the real Redis gather and fetch queues, as the consumers do."""
from __future__ import annotations

from ckan import model
from ckan.tests import helpers
from ckanext.harvest import queue
from ckanext.harvest.model import HarvestGatherError, HarvestObject, HarvestObjectError


def run_job(source_id: str, user: str) -> dict:
    """Create a job for the source, run gather and fetch/import through Redis, finish it; return the job."""
    context = {"user": user}
    job = helpers.call_action("harvest_job_create", context, source_id=source_id, run=True)
    gather = queue.get_gather_consumer()
    message = gather.basic_get(queue.get_gather_queue_name())
    assert message[2] is not None, "the job did not reach the gather queue"
    queue.gather_callback(gather, *message)
    fetch = queue.get_fetch_consumer()
    while True:
        message = fetch.basic_get(queue.get_fetch_queue_name())
        if message[2] is None:
            break
        queue.fetch_callback(fetch, *message)
    helpers.call_action("harvest_jobs_run", context, source_id=source_id)
    finished = helpers.call_action("harvest_job_show", context, id=job["id"])
    finished["gather_error_messages"] = [
        e.message for e in model.Session.query(HarvestGatherError).filter_by(harvest_job_id=job["id"])
    ]
    finished["object_error_messages"] = [
        e.message for e in model.Session.query(HarvestObjectError).join(HarvestObject)
        .filter(HarvestObject.harvest_job_id == job["id"])
    ]
    return finished


def changes(job: dict) -> dict:
    stats = job["stats"]
    return {k: stats.get(k, 0) for k in ("added", "updated", "deleted", "errored")}
