-- Directory imports under limits: rejected lines are stored up to a cap per import and the rest only
-- counted, and line counts may pass 2^31 (a large file of short lines).
alter table directory_imports
  alter column lines_read type bigint,
  alter column lines_imported type bigint,
  alter column lines_rejected type bigint,
  add column rejects_stored bigint not null default 0;

update directory_imports set rejects_stored = lines_rejected;
