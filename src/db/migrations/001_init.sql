-- API keys, incidents, their hash-chained timeline, and idempotent request records.

create table api_keys (
  id text primary key,
  name text not null,
  role text not null check (role in ('admin', 'responder', 'approver', 'viewer')),
  token_hash text not null unique,
  token_prefix text not null,
  created_at timestamptz not null,
  created_by text,
  revoked_at timestamptz
);

create table incidents (
  id text primary key,
  version int not null default 1,
  status text not null check (status in ('detected', 'assessing', 'contained', 'notifying', 'monitoring', 'closed', 'reopened')),
  title text not null,
  summary text not null default '',
  nature text not null,
  severity text not null check (severity in ('low', 'medium', 'high', 'critical')),
  drill boolean not null default false,
  occurred_from timestamptz,
  occurred_to timestamptz,
  discovered_at timestamptz not null,
  aware_at timestamptz,
  contained_at timestamptz,
  closed_at timestamptz,
  systems text[] not null default '{}',
  data_categories text[] not null default '{}',
  regions text[] not null default '{}',
  estimated_affected jsonb,
  encrypted boolean,
  measures jsonb not null default '[]',
  remedies jsonb not null default '[]',
  created_at timestamptz not null,
  updated_at timestamptz not null,
  created_by text not null,
  timeline_seq int not null default 0,
  timeline_head text not null
);

create index incidents_listing on incidents (created_at desc, id desc);
create index incidents_status on incidents (status, created_at desc, id desc);

create table timeline_events (
  incident_id text not null references incidents (id),
  seq int not null,
  at timestamptz not null,
  actor text not null,
  type text not null,
  data jsonb not null,
  prev_hash text not null,
  hash text not null,
  primary key (incident_id, seq)
);

-- The timeline is append-only: the database itself refuses edits and deletions.
create function timeline_events_refuse_change() returns trigger language plpgsql as $$
begin
  raise exception 'timeline events are append-only' using errcode = '42501';
end;
$$;

create trigger timeline_events_append_only
  before update or delete on timeline_events
  for each row execute function timeline_events_refuse_change();

create table idempotency_keys (
  principal_id text not null,
  route text not null,
  key text not null,
  request_hash text not null,
  status int,
  body jsonb,
  created_at timestamptz not null,
  primary key (principal_id, route, key)
);
