"""Digests and summaries (issue 6): the learner's weekly digest, the employer contact's
consented progress summary (weekly or monthly) and the teacher's weekly cohort summary.

- `periods`: pure; the week or month a digest covers in the person's time zone.
- `learner`, `employer`, `teacher`: reads; who has something to say (for a batch) and the
  content, computed when the e-mail is rendered.
- `selectors`: the people each beat run looks at, and `digest_context` for rendering.
- `services`: `digests_create` (one notification per person and period) and the summary
  frequency preference.
- `badges`: the seam where badges will come in.

See docs/notifications.md, "Digests and summaries".
"""
