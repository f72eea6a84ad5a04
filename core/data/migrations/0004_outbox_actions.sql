-- Outbox rows hold the action itself: its kind, the id of what it acts on and its payload.
-- The HTTP request is made from the route table when the action is sent, so a change of
-- route never strands a queued action. Rows queued by an earlier version carry over: only
-- preferences had a body worth keeping, and it becomes their payload.
ALTER TABLE outbox ADD COLUMN payload TEXT;
UPDATE outbox SET payload = body WHERE kind = 'set_preferences';
ALTER TABLE outbox DROP COLUMN method;
ALTER TABLE outbox DROP COLUMN path;
ALTER TABLE outbox DROP COLUMN body;
