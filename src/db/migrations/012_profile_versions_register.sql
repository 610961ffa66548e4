-- Organisation profile versions: an incident is judged with the profile in force at its aware_at, unless a
-- responder pins another version; holiday schedules supplied by the organisation for years breachkit ships
-- no official schedule for.

create table organisation_profile_versions (
  version int primary key,
  profile jsonb not null,
  -- null: in force from the beginning (the first profile ever recorded covers everything before it)
  effective_from timestamptz,
  created_at timestamptz not null,
  created_by text not null
);

insert into organisation_profile_versions (version, profile, effective_from, created_at, created_by)
  select 1, profile, null, updated_at, updated_by from organisation_profile;

drop table organisation_profile;

create table incident_profile_pins (
  incident_id text primary key references incidents (id),
  profile_version int not null references organisation_profile_versions (version),
  note text not null,
  pinned_by text not null,
  pinned_by_name text not null,
  pinned_at timestamptz not null
);

create table holiday_schedules (
  jurisdiction text not null,
  year int not null,
  schedule jsonb not null,
  supplied_by text not null,
  supplied_at timestamptz not null,
  primary key (jurisdiction, year)
);
