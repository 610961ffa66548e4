-- In-app notices, the company's channel order per delivery run, and a notice page per person behind an unguessable link.

-- 'letter' is listed too, so this check holds whichever order the channel migrations run in.
alter table deliveries drop constraint deliveries_channel_check;
alter table deliveries add constraint deliveries_channel_check check (channel in ('email', 'sms', 'voice', 'letter', 'inapp'));
-- First time the person opened their notice page from this delivery's link: extra proof, apart from the state.
alter table deliveries add column viewed_at timestamptz;

-- Whether in-app goes as one channel of the order or in addition to the first one: frozen with the version.
alter table notice_versions add column inapp text not null default 'in_order' check (inapp in ('in_order', 'additional'));

-- The channel order and in-app mode a run was planned with; fallback follows the same ones.
alter table delivery_runs add column channel_order text[] not null default '{email,sms,voice,letter}';
alter table delivery_runs add column inapp text not null default 'in_order' check (inapp in ('in_order', 'additional'));

-- One link per delivery that carries it; only the SHA-256 of the 128-bit token is kept.
create table notice_links (
  token_hash text primary key,
  delivery_id bigint not null references deliveries (id),
  created_at timestamptz not null,
  first_viewed_at timestamptz,
  last_viewed_at timestamptz,
  views int not null default 0
);

create index notice_links_delivery on notice_links (delivery_id);
