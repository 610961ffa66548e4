-- Workers: when a queued delivery was last put on the Cloudflare Queue. '-infinity' means never (or owed
-- again: a retry, a fallback, a resumed run), so one range covers both "never sent" and "sent long ago".
alter table deliveries add column enqueued_at timestamptz not null default '-infinity';
create index deliveries_enqueue on deliveries (enqueued_at) where state = 'queued' and channel <> 'letter';
