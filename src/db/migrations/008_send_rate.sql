-- Send rate limits shared by every worker process: one token bucket per channel, refilled on use.
-- Providers limit an account (or a sender), not a process: a second worker must not double the rate.

create table send_rate_buckets (
  key text primary key,
  tokens double precision not null,
  refilled_at timestamptz not null
);
