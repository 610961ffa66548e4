-- Letters: a delivery channel that leaves through print batches for a mail house (or Lob), and the
-- reasons a person's channel was refused at resolve time (e.g. a postal address without a country).

alter table deliveries drop constraint deliveries_channel_check;
alter table deliveries add constraint deliveries_channel_check check (channel in ('email', 'sms', 'voice', 'letter'));
-- The print batch a queued letter was taken into.
alter table deliveries add column letter_batch_id text;
create index deliveries_letter_batch on deliveries (letter_batch_id) where letter_batch_id is not null;
-- The worker's claim index leaves letters out: queued letters wait for a batch and would fill its head.
drop index deliveries_claim;
create index deliveries_claim on deliveries (not_before, id) where state = 'queued' and channel <> 'letter';
create index deliveries_letters_queued on deliveries (incident_id) where channel = 'letter' and state = 'queued' and letter_batch_id is null;

-- Channels refused for a person when the snapshot was made, each with the field at fault:
-- [{"channel": "letter", "field": "postal_address.country", "reason": "…"}].
alter table affected_people add column channel_rejections jsonb;

create table letter_batches (
  id text primary key,
  incident_id text not null references incidents (id),
  status text not null check (status in ('rendering', 'ready', 'failed', 'handed_over')),
  letters int not null,
  rendered int not null default 0,
  pages int not null default 0,
  pdf_bytes bigint not null default 0,
  pdf_sha256 text,
  manifest text,
  manifest_sha256 text,
  failure text,
  created_at timestamptz not null,
  created_by text not null,
  progress_at timestamptz not null,
  ready_at timestamptz,
  handed_over_at timestamptz,
  handed_over_by text,
  taken_by text
);

create index letter_batches_incident on letter_batches (incident_id, created_at);

-- The combined PDF of a batch, in pieces of about a megabyte, in order.
create table letter_batch_parts (
  batch_id text not null references letter_batches (id),
  seq int not null,
  data bytea not null,
  primary key (batch_id, seq)
);
