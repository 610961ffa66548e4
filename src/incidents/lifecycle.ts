// The incident lifecycle: which status may follow which.

export const statuses = ['detected', 'assessing', 'contained', 'notifying', 'monitoring', 'closed', 'reopened'] as const;
export type Status = (typeof statuses)[number];

/**
 * The main road is detected → assessing → contained → notifying → monitoring → closed.
 * Side roads: a false alarm closes early; an incident needing no notice goes from contained
 * to monitoring; new findings during monitoring send it back to notifying; a closed incident
 * can only be reopened, and a reopened one resumes wherever the new facts put it.
 */
export const transitions: Record<Status, readonly Status[]> = {
  detected: ['assessing', 'closed'],
  assessing: ['contained', 'closed'],
  contained: ['notifying', 'monitoring'],
  notifying: ['monitoring'],
  monitoring: ['notifying', 'closed'],
  closed: ['reopened'],
  reopened: ['assessing', 'contained', 'notifying', 'monitoring', 'closed'],
};

export function allowedTransitions(from: Status): readonly Status[] {
  return transitions[from];
}

export function canTransition(from: Status, to: Status): boolean {
  return transitions[from].includes(to);
}
