"""Safety of a team server: confined files, outputs that cannot be turned against users,
hostile-file checks, load serialisation, roles and the audit trail (issue 16).

Each module is a leaf over ``analytics.errors`` (and ``analytics.config`` constants where a
path is needed): callers pass settings in, so nothing here reads the environment.
"""
