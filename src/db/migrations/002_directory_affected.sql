-- The user directory mirror, its imports, incident scopes and the frozen affected snapshots.

create table directory_users (
  id bigint generated always as identity primary key,
  external_id text not null unique,
  name text,
  email text,
  phone text,
  locale text,
  country text,
  subdivision text,
  birth_date date,
  minor boolean,
  guardian_name text,
  guardian_email text,
  guardian_phone text,
  postal_address jsonb,
  account_status text not null check (account_status in ('active', 'deleted')),
  deleted_at timestamptz,
  data_categories text[] not null default '{}',
  systems text[] not null default '{}',
  created_at timestamptz not null,
  updated_at timestamptz not null,
  import_id text,
  synced_at timestamptz not null,
  check ((account_status = 'deleted') = (deleted_at is not null))
);

create index directory_users_categories on directory_users using gin (data_categories);
create index directory_users_systems on directory_users using gin (systems);
create index directory_users_region on directory_users (country, subdivision);
create index directory_users_created on directory_users (created_at);

create table directory_imports (
  id text primary key,
  status text not null check (status in ('running', 'completed', 'failed')),
  format text not null,
  source_name text,
  started_at timestamptz not null,
  finished_at timestamptz,
  progress_at timestamptz not null,
  lines_read int not null default 0,
  lines_imported int not null default 0,
  lines_rejected int not null default 0,
  bytes_read bigint not null default 0,
  created_by text not null,
  failure text
);

create table directory_import_rejects (
  import_id text not null references directory_imports (id),
  line int not null,
  problems jsonb not null,
  -- The rejected line itself, so it can be fixed and sent again (absent when too long to keep).
  raw text,
  primary key (import_id, line)
);

create table incident_scopes (
  incident_id text primary key references incidents (id),
  scope jsonb not null,
  updated_at timestamptz not null,
  updated_by text not null
);

-- Explicit include and exclude lists (external ids, e.g. from forensics), uploaded as files.
create table incident_scope_ids (
  incident_id text not null references incidents (id),
  list text not null check (list in ('include', 'exclude')),
  external_id text not null,
  primary key (incident_id, list, external_id)
);

create table affected_snapshots (
  id text primary key,
  incident_id text not null references incidents (id),
  version int not null,
  scope jsonb not null,
  row_count int not null,
  content_hash text not null,
  summary jsonb not null,
  created_at timestamptz not null,
  created_by text not null,
  unique (incident_id, version)
);

-- One row per affected person, frozen: the contact used is the one known when the snapshot was made.
create table affected_people (
  snapshot_id text not null references affected_snapshots (id),
  user_id bigint not null,
  external_id text not null,
  jurisdiction text,
  country text,
  subdivision text,
  account_status text not null,
  minor boolean not null,
  guardian_missing boolean not null,
  recipient text not null check (recipient in ('self', 'guardian')),
  recipient_name text,
  email text,
  phone text,
  postal_address jsonb,
  locale text,
  channels text[] not null,
  announcement_only boolean not null,
  matched_categories text[] not null,
  matched_systems text[] not null,
  included_by_list boolean not null,
  primary key (snapshot_id, user_id)
);

create index affected_people_external on affected_people (snapshot_id, external_id);
