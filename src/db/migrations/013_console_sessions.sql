-- The console: server-side sessions, OpenID Connect logins in flight, notice drafts being written.
-- Only a hash of each session id (and of each login's cookie value) is stored: a copy of this
-- table does not let anyone act as the people signed in.

create table console_sessions (
  id_hash text primary key,
  -- The API key the session was opened with; null for single sign-on. A revoked key ends its sessions.
  key_id text references api_keys (id) on delete cascade,
  -- Who acts: the key id, or `sso:<issuer subject>` for single sign-on. Written on the timeline.
  actor_id text not null,
  name text not null,
  role text not null check (role in ('admin', 'responder', 'approver', 'viewer')),
  method text not null check (method in ('api_key', 'oidc')),
  created_at timestamptz not null,
  last_seen_at timestamptz not null,
  expires_at timestamptz not null
);

create index console_sessions_key_id on console_sessions (key_id) where key_id is not null;

create table console_oidc_logins (
  id_hash text primary key,
  state text not null,
  nonce text not null,
  code_verifier text not null,
  return_to text not null,
  created_at timestamptz not null
);

-- A notice draft as its writer typed it in the console (field path → text, complete or not), one per
-- person and incident: previewing keeps it, so nothing typed is lost between pages.
create table console_notice_drafts (
  incident_id text not null references incidents (id) on delete cascade,
  actor_id text not null,
  fields jsonb not null,
  updated_at timestamptz not null,
  primary key (incident_id, actor_id)
);
