// JSON Schemas of the Statuspage v2 public documents, as status clients read them.

const timestamp = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}' };
const nullableTimestamp = { anyOf: [timestamp, { type: 'null' }] };

const page = {
  type: 'object',
  required: ['id', 'name', 'url', 'updated_at'],
  properties: { id: { type: 'string' }, name: { type: 'string' }, url: { type: 'string' }, time_zone: { type: 'string' }, updated_at: timestamp },
};

const status = {
  type: 'object',
  required: ['indicator', 'description'],
  properties: { indicator: { enum: ['none', 'minor', 'major', 'critical', 'maintenance'] }, description: { type: 'string' } },
};

const incidentUpdate = {
  type: 'object',
  required: ['id', 'incident_id', 'status', 'body', 'created_at', 'updated_at', 'display_at'],
  properties: {
    id: { type: 'string' },
    incident_id: { type: 'string' },
    status: { enum: ['investigating', 'identified', 'monitoring', 'resolved', 'postmortem'] },
    body: { type: 'string' },
    created_at: timestamp,
    updated_at: timestamp,
    display_at: timestamp,
    affected_components: { type: 'array' },
    deliver_notifications: { type: 'boolean' },
  },
};

const incident = {
  type: 'object',
  required: ['id', 'name', 'status', 'impact', 'shortlink', 'created_at', 'updated_at', 'incident_updates', 'page_id'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    status: { enum: ['investigating', 'identified', 'monitoring', 'resolved', 'postmortem'] },
    impact: { enum: ['none', 'minor', 'major', 'critical', 'maintenance'] },
    shortlink: { type: 'string' },
    created_at: timestamp,
    updated_at: timestamp,
    started_at: timestamp,
    monitoring_at: nullableTimestamp,
    resolved_at: nullableTimestamp,
    page_id: { type: 'string' },
    components: { type: 'array' },
    incident_updates: { type: 'array', items: incidentUpdate },
  },
};

export const statusSchema = { type: 'object', required: ['page', 'status'], properties: { page, status } };
export const summarySchema = {
  type: 'object',
  required: ['page', 'components', 'incidents', 'scheduled_maintenances', 'status'],
  properties: { page, status, components: { type: 'array' }, incidents: { type: 'array', items: incident }, scheduled_maintenances: { type: 'array' } },
};
export const incidentsSchema = { type: 'object', required: ['page', 'incidents'], properties: { page, incidents: { type: 'array', items: incident } } };
