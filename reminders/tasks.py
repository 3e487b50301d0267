"""The reminder tasks: small, taking ids, rereading state (reminders.dispatch does the work)."""

from celery import shared_task

from reminders import dispatch


def _claim_and_enqueue(room_made: int | None = None) -> int:
    ids = dispatch.claim_due(room_made=room_made)
    for start in range(0, len(ids), dispatch.BATCH_SIZE):
        send_reminders_task.delay(ids[start:start + dispatch.BATCH_SIZE])
    return len(ids)


@shared_task
def dispatch_due_reminders_task() -> int:
    """Every minute (beat ticks in UTC): claim what is due and send it in batches."""
    return _claim_and_enqueue()


@shared_task(acks_late=True)
def send_reminders_task(reminder_ids: list[int]) -> int:
    """Send a batch; safe to run twice, or twice at once: each row is sent by one delivery only.
    Then claim what room the batch made, so a backlog keeps flowing between beat's ticks."""
    with dispatch.Batch(reminder_ids) as batch:
        states = dispatch.send_batch(reminder_ids, batch=batch)
    # The rows this delivery took off the rows in flight (not those another one sent).
    _claim_and_enqueue(room_made=sum(1 for state in states.values() if state is not None))
    return sum(1 for state in states.values() if state == "sent")
