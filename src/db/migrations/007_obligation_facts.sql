-- The clock anchors and legal facts the obligations engine reads, the team's determinations,
-- the organisation profile, and per-authority filings.

alter table incidents
  add column determined_at timestamptz,
  add column assessment_completed_at timestamptz,
  add column materiality_determined_at timestamptz,
  add column individuals_notified_at timestamptz,
  add column disposal_ended_at timestamptz,
  add column assessment jsonb not null default '{}';

-- A filing for a duty owed to several authorities (GDPR, one per member state) names the one it went to.
alter table obligation_filings add column target text;
alter table obligation_filings add column stage_due_at timestamptz;
alter table obligation_filings add column on_time boolean;

-- The team's legal conclusion on a rule for one incident, settling facts the engine cannot judge.
create table obligation_determinations (
  incident_id text not null references incidents (id),
  rule_id text not null,
  applies boolean not null,
  note text not null,
  decided_by text not null,
  decided_by_name text not null,
  decided_at timestamptz not null,
  primary key (incident_id, rule_id)
);

-- Who the company is (decides which regimes reach it), who answers reminders, and the team's targets.
create table organisation_profile (
  id int primary key default 1 check (id = 1),
  profile jsonb not null,
  updated_at timestamptz not null,
  updated_by text not null
);

-- Reminders: the key is the obligation (rule or rule:target), its stage, the share of the window and the due time,
-- so a moved deadline gets its own reminders. A reminder passed over by a later one is recorded as superseded.
alter table obligation_alerts add column superseded boolean not null default false;
alter table obligation_alerts add column sent_to int not null default 0;
alter table obligation_alerts add column outcome text;
