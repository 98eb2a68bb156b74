"""The child protection domain: plans, core groups, agency tasks and escalations as event streams.

Nothing in this package imports a web framework, SQL or templates: it is the record of practice
and the rules of Working Together and the Children in Need census, and nothing else.
"""
