-- Notice versions: frozen, hashed content for the IV(v) notices, approved by a second person.

create table notice_versions (
  id text primary key,
  incident_id text not null references incidents (id),
  version int not null,
  content jsonb not null,
  content_hash text not null,
  templates_hash text not null,
  rendered_hashes jsonb not null,
  status text not null check (status in ('awaiting_approval', 'approved')),
  drafted_by text not null,
  drafted_by_name text not null,
  drafted_at timestamptz not null,
  approved_by text,
  approved_by_name text,
  approved_at timestamptz,
  unique (incident_id, version),
  check ((status = 'approved') = (approved_at is not null))
);
