-- The delivery ledger: one row per recipient × channel × notice version; the ledger is the queue.

create table delivery_runs (
  id text primary key,
  incident_id text not null references incidents (id),
  notice_version_id text not null references notice_versions (id),
  snapshot_id text not null references affected_snapshots (id),
  status text not null check (status in ('running', 'paused', 'cancelled', 'completed')),
  planned int not null default 0,
  announcement_only int not null default 0,
  created_at timestamptz not null,
  created_by text not null,
  unique (notice_version_id, snapshot_id)
);

create table deliveries (
  id bigint generated always as identity primary key,
  run_id text not null references delivery_runs (id),
  incident_id text not null,
  notice_version_id text not null,
  external_id text not null,
  channel text not null check (channel in ('email', 'sms', 'voice')),
  channel_rank int not null,
  state text not null check (state in ('queued', 'sending', 'accepted', 'delivered', 'failed', 'bounced', 'undeliverable', 'captured', 'cancelled')),
  attempts int not null default 0,
  not_before timestamptz not null,
  lease_until timestamptz,
  lease_owner text,
  locale text,
  content_hash text,
  provider text,
  provider_id text,
  error_code text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  accepted_at timestamptz,
  delivered_at timestamptz,
  unique (notice_version_id, external_id, channel)
);

create index deliveries_claim on deliveries (not_before, id) where state = 'queued';
create index deliveries_lease on deliveries (lease_until) where state = 'sending';
create index deliveries_run_state on deliveries (run_id, state);
create index deliveries_provider on deliveries (provider, provider_id) where provider_id is not null;

-- Provider webhook events, each stored once under the provider's own id.
create table provider_events (
  provider text not null,
  event_id text not null,
  delivery_id bigint,
  kind text not null,
  received_at timestamptz not null,
  payload jsonb not null,
  primary key (provider, event_id)
);
