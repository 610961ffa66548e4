-- Unknown delivery outcomes settled by rule: a held state, the record of each unconfirmed attempt,
-- and what each provider account offers for looking a message up.

alter table deliveries drop constraint deliveries_state_check;
alter table deliveries add constraint deliveries_state_check
  check (state in ('queued', 'sending', 'accepted', 'delivered', 'failed', 'bounced', 'undeliverable', 'captured', 'cancelled', 'unknown'));

-- When the lease of a `sending` row first ran out: the grace period counts from here, whoever holds the row since.
alter table deliveries add column lease_expired_at timestamptz;

create index deliveries_unknown on deliveries (run_id) where state = 'unknown';

-- Each attempt whose outcome nobody could confirm, and how it was settled: part of the proof.
create table delivery_unconfirmed_attempts (
  delivery_id bigint not null references deliveries (id),
  attempt int not null,
  claimed_at timestamptz not null,
  lease_expired_at timestamptz not null,
  settled_at timestamptz,
  -- resent (policy or by hand), held (policy), marked_sent (by hand), or settled by provider evidence
  resolution text check (resolution in ('resent', 'held', 'marked_sent', 'events', 'lookup')),
  settled_by text,
  reason text,
  primary key (delivery_id, attempt)
);

-- Provider events are read by delivery id when an interrupted send is settled.
create index provider_events_delivery on provider_events (delivery_id) where delivery_id is not null;

-- Whether a provider account offers a message look-up (SendGrid's Email Activity API is a paid add-on):
-- a "not available" answer is remembered until `recheck_after`, not asked again on every pass.
create table provider_lookup_status (
  account text primary key,
  available boolean not null,
  detail text,
  checked_at timestamptz not null,
  recheck_after timestamptz not null
);
