-- Public announcements: one per incident, with append-only updates in every notice language.

create table announcements (
  id text primary key,
  incident_id text not null unique references incidents (id),
  slug text not null unique,
  impact text not null check (impact in ('none', 'minor', 'major', 'critical')),
  title jsonb not null,
  created_at timestamptz not null,
  created_by text not null,
  published_at timestamptz
);

create table announcement_updates (
  id text primary key,
  announcement_id text not null references announcements (id),
  seq int not null,
  status text not null check (status in ('investigating', 'identified', 'monitoring', 'resolved')),
  body jsonb not null,
  created_at timestamptz not null,
  created_by text not null,
  published_at timestamptz,
  unique (announcement_id, seq)
);

-- Bumped by every publish: each process compares it to decide whether its public cache is current.
create table public_page_state (
  id int primary key check (id = 1),
  version bigint not null,
  changed_at timestamptz not null
);
insert into public_page_state (id, version, changed_at) values (1, 0, now());
