-- Filings against regulator obligations, reminder bookkeeping, and runbook checklists.

create table obligation_filings (
  id text primary key,
  incident_id text not null references incidents (id),
  rule_id text not null,
  stage text not null,
  filed_at timestamptz not null,
  filed_by text not null,
  filed_by_name text not null,
  reference text,
  document text,
  note text,
  created_at timestamptz not null
);

create index obligation_filings_incident on obligation_filings (incident_id, rule_id);

-- Each reminder fires once: the key is the obligation, its stage and the share of the window.
create table obligation_alerts (
  incident_id text not null references incidents (id),
  rule_id text not null,
  stage text not null,
  threshold text not null,
  due_at timestamptz not null,
  fired_at timestamptz not null,
  primary key (incident_id, rule_id, stage, threshold, due_at)
);

create table incident_runbooks (
  incident_id text not null references incidents (id),
  slug text not null,
  runbook_version text not null,
  attached_at timestamptz not null,
  attached_by text not null,
  how text not null check (how in ('automatic', 'manual')),
  primary key (incident_id, slug)
);

create table checklist_steps (
  incident_id text not null,
  slug text not null,
  step_id text not null,
  position int not null,
  state text not null check (state in ('open', 'done', 'skipped')),
  note text,
  changed_by text,
  changed_by_name text,
  changed_at timestamptz,
  primary key (incident_id, slug, step_id),
  foreign key (incident_id, slug) references incident_runbooks (incident_id, slug)
);
