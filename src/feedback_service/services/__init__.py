"""The service's use cases, one module per group, called alike by the API, the dashboard and the CLI.

Each use case is a short function of plain inputs (a scope, an actor, a moment, the domain's values)
that asks the domain what is allowed and the store to remember it. The edges only translate: HTTP
or a form into those inputs, and the outcome (or the refusal) back into a response or a page.

- :mod:`~feedback_service.services.tickets`: create, replay, transition, occurrences, and reading
  one ticket with everything an official needs to act on it.
- :mod:`~feedback_service.services.trends`: the backlog over time, its ageing, resolution times,
  headline figures and the communes' ranking, each bounded before it queries.
- :mod:`~feedback_service.services.interventions`: record an intervention, list or find those a
  scope sees, and their effect.
- :mod:`~feedback_service.services.tokens`: issue, list and revoke tokens; enroll a phone and redeem
  its code; a team's devices and revoking one.
"""
